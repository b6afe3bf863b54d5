// The browser floor (the oldest Chrome/Edge, Firefox and Safari the package runs in) is
// stated in several places; this test reads each and fails when they disagree, when the
// built wasm uses a WebAssembly feature newer than the floor, or when the shipped
// JavaScript uses syntax newer than the floor. Needs the built pkg/ (scripts/build.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import binaryen from 'binaryen';
import * as esbuild from 'esbuild';

const root = new URL('../../', import.meta.url);
const read = (path) => readFileSync(new URL(path, root), 'utf8');

// First versions with each WebAssembly feature a Rust + wasm-bindgen + wasm-opt build can
// emit (webassembly.org/features, MDN; binaryen's feature names); any other feature
// fails the check until it is added here with its versions. BulkMemoryOpt is
// memory.copy/memory.fill, which shipped with bulk memory.
const WASM = {
  SignExt: { chrome: 74, firefox: 62, safari: 14.1 },
  MutableGlobals: { chrome: 74, firefox: 61, safari: 13.1 },
  NontrappingFPToInt: { chrome: 75, firefox: 64, safari: 15 },
  BulkMemory: { chrome: 75, firefox: 79, safari: 15 },
  BulkMemoryOpt: { chrome: 75, firefox: 79, safari: 15 },
  Multivalue: { chrome: 85, firefox: 78, safari: 13.1 },
  SIMD128: { chrome: 91, firefox: 89, safari: 16.4 },
  ReferenceTypes: { chrome: 96, firefox: 79, safari: 15 },
  CallIndirectOverlong: { chrome: 96, firefox: 79, safari: 15 },
};

const FLOOR_TEXT = /Chrome\/Edge\s+(\d+(?:\.\d+)?)\+,\s+Firefox\s+(\d+(?:\.\d+)?)\+,\s+Safari\s+(\d+(?:\.\d+)?)\+/;

function fromText(where, text) {
  const m = FLOOR_TEXT.exec(text);
  assert.ok(m, `${where} does not state the floor as "Chrome/Edge N+, Firefox N+, Safari N+"`);
  return { chrome: Number(m[1]), firefox: Number(m[2]), safari: Number(m[3]) };
}

function fromBrowserslist(list) {
  const v = {};
  for (const entry of list) {
    const m = /^(chrome|edge|firefox|safari|ios_saf) >= (\d+(?:\.\d+)?)$/.exec(entry);
    assert.ok(m, `package.json browserslist: unexpected entry ${JSON.stringify(entry)}`);
    v[m[1]] = Number(m[2]);
  }
  assert.equal(v.edge, v.chrome, 'browserslist: edge must equal chrome (same engine)');
  assert.equal(v.ios_saf, v.safari, 'browserslist: ios_saf must equal safari (same engine)');
  return { chrome: v.chrome, firefox: v.firefox, safari: v.safari };
}

/** Every place that states the floor, read from the files as they are. */
function statedFloors() {
  const pkg = JSON.parse(read('package.json'));
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('## Browser and runtime support'));
  return {
    'package.json browserslist': fromBrowserslist(pkg.browserslist),
    'README.md (Browser and runtime support)': fromText('README.md', section),
    'js/index.d.ts': fromText('js/index.d.ts', read('js/index.d.ts')),
    'js/polyfill.d.ts': fromText('js/polyfill.d.ts', read('js/polyfill.d.ts')),
    'docs/options.md': fromText('docs/options.md', read('docs/options.md')),
    '.cargo/config.toml': fromText('.cargo/config.toml', read('.cargo/config.toml')),
  };
}

function floor() {
  const all = statedFloors();
  const [first, ...rest] = Object.entries(all);
  for (const [where, v] of rest) {
    assert.deepEqual(v, first[1], `${where} states ${JSON.stringify(v)}, ${first[0]} ${JSON.stringify(first[1])}`);
  }
  return first[1];
}

/** The WebAssembly features the built wasm cannot validate without. */
function requiredWasmFeatures(bytes) {
  const F = binaryen.Features;
  const names = Object.keys(WASM);
  const base = names.reduce((acc, n) => acc | F[n], 0);
  // Binaryen asserts that bulk memory implies its memory.copy/fill part.
  const implied = { BulkMemoryOpt: ['BulkMemory'] };
  const validates = (features) => {
    const module = binaryen.readBinary(bytes);
    module.setFeatures(features);
    const log = console.log;
    console.log = () => {}; // binaryen prints each validation error
    try {
      return module.validate();
    } finally {
      console.log = log;
      module.dispose();
    }
  };
  assert.ok(validates(base), 'the wasm needs a feature outside the known table: add it with its versions');
  return names.filter((n) => {
    const off = [n, ...(implied[n] ?? [])].reduce((acc, x) => acc | F[x], 0);
    return !validates(base & ~off);
  });
}

test('browser floor: every place that states it agrees', () => {
  floor();
});

test('browser floor: the built wasm uses no WebAssembly feature newer than the floor', () => {
  const min = floor();
  const required = requiredWasmFeatures(readFileSync(new URL('pkg/eventsource_wasm_bg.wasm', root)));
  // The build (scripts/build.sh, .cargo/config.toml) enables SIMD on purpose: if it is gone
  // from the wasm, this check is not looking at the shipped build.
  assert.ok(required.includes('SIMD128'), `SIMD missing from the built wasm (needs: ${required})`);
  for (const feature of required) {
    for (const browser of ['chrome', 'firefox', 'safari']) {
      assert.ok(
        min[browser] >= WASM[feature][browser],
        `the wasm needs ${feature} (${browser} ${WASM[feature][browser]}), above the stated floor ${browser} ${min[browser]}`,
      );
    }
  }
});

test('browser floor: the shipped JavaScript needs no syntax newer than the floor', async () => {
  const min = floor();
  const target = [`chrome${min.chrome}`, `edge${min.chrome}`, `firefox${min.firefox}`, `safari${min.safari}`];
  const pkg = JSON.parse(read('package.json'));
  const browserFiles = pkg.files.filter(
    (f) => f.endsWith('.js') && !/(node|deno)\.js$/.test(f),
  );
  browserFiles.push(...readdirJs('pkg/snippets/'));
  assert.ok(browserFiles.includes('js/event_source.js') && browserFiles.includes('pkg/eventsource_wasm.js'));
  for (const file of browserFiles) {
    const code = read(file);
    // esbuild rewrites (or rejects) syntax the target lacks: the output for the floor must
    // be the output for the newest engines.
    const newest = await esbuild.transform(code, { format: 'esm', target: 'esnext' });
    let atFloor;
    try {
      atFloor = await esbuild.transform(code, { format: 'esm', target });
    } catch (e) {
      assert.fail(`${file} does not run at the floor (${target}): ${e.message}`);
    }
    assert.equal(atFloor.code, newest.code, `${file} uses syntax newer than ${target}`);
  }
});

function readdirJs(dir) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(new URL(d, root), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(`${d}${e.name}/`);
      else if (e.name.endsWith('.js')) out.push(`${d}${e.name}`);
    }
  };
  walk(dir);
  return out;
}
