// What a page downloads for `import 'eventsource-wasm'`, and its brotli size: the browser
// entry of package.json's `exports` (pkg/index.js, the bundle scripts/build.sh makes),
// every module it imports, statically or with a literal `import()` (parsed by esbuild:
// its metafile lists each input and its imports; nothing is bundled), plus each asset a module loads relative to itself
// (`new URL('…', import.meta.url)`: the wasm). Each file counts on its own, as a server
// sends it: brotli quality 11 (node:zlib). Used by tests/node/size.test.mjs (the budget)
// and bench/run.mjs (the size table).
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname, relative, resolve } from 'node:path';
import zlib from 'node:zlib';

/** Brotli quality 11 (the best), as a server would precompress a static file. */
export function brotli(buf) {
  return zlib.brotliCompressSync(buf, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
    },
  }).length;
}

/** The browser entry of the package: `exports["."]`'s `default` (or `browser`/`import`). */
export function browserEntry(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  let e = pkg.exports?.['.'] ?? pkg.exports ?? pkg.module ?? pkg.main;
  while (e && typeof e === 'object') e = e.browser ?? e.import ?? e.default;
  if (typeof e !== 'string') throw new Error('package.json has no browser entry');
  return resolve(root, e);
}

// `new URL('x', import.meta.url)` (wasm-bindgen's --target web) or `import.meta.resolve('x')`.
const ASSET = /new\s+URL\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url\s*\)|import\.meta\.resolve\(\s*(['"])([^'"]+)\3\s*\)/g;

/**
 * The files a page loads for the package entry, repo-relative, each with its raw and
 * brotli size: [{ file, kind: 'js' | 'asset', raw, brotli }], in graph order.
 */
export async function pageFiles(root) {
  const { build } = await import('esbuild');
  const entry = browserEntry(root);
  const r = await build({
    entryPoints: [entry], bundle: true, write: false, metafile: true, format: 'esm',
    platform: 'browser', logLevel: 'silent', absWorkingDir: root,
    // The wasm is fetched by URL, never imported; keep esbuild from trying to load it.
    loader: { '.wasm': 'empty' },
  });
  const inputs = Object.keys(r.metafile.inputs).map((p) => resolve(root, p));
  const files = [];
  const seen = new Set();
  const add = (abs, kind) => {
    if (seen.has(abs)) return;
    seen.add(abs);
    if (!existsSync(abs)) throw new Error(`${relative(root, abs)} is referenced but missing (run scripts/build.sh)`);
    const buf = readFileSync(abs);
    files.push({
      file: relative(root, abs), kind, raw: buf.length, brotli: brotli(buf),
      // Whether it holds or loads WebAssembly (a .wasm file, or JS that instantiates one).
      wasm: abs.endsWith('.wasm') || (kind === 'js' && /WebAssembly\s*\.\s*(instantiate|compile|Module)/.test(buf.toString('utf8'))),
    });
  };
  for (const abs of inputs) {
    add(abs, 'js');
    const src = readFileSync(abs, 'utf8');
    for (const m of src.matchAll(ASSET)) add(resolve(dirname(abs), m[2] ?? m[4]), 'asset');
  }
  return files;
}

/** The breakdown as text lines, and the totals. */
export function summarize(files) {
  const total = files.reduce((a, f) => a + f.brotli, 0);
  const raw = files.reduce((a, f) => a + f.raw, 0);
  const w = Math.max(...files.map((f) => f.file.length));
  const lines = files.map((f) => `${f.file.padEnd(w)}  ${String(f.raw).padStart(7)} B raw  ${String(f.brotli).padStart(6)} B brotli`);
  lines.push(`${'total'.padEnd(w)}  ${String(raw).padStart(7)} B raw  ${String(total).padStart(6)} B brotli`);
  return { total, raw, lines };
}
