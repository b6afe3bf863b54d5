#!/usr/bin/env node
// Benchmark driver: bundles the peers that need it into bench/vendor/, measures package
// sizes, launches headless Chromium on bench/index.html WITHOUT any DevTools connection
// (no --remote-debugging-*, so nothing can enable the Network domain, which makes native
// EventSource several times slower), collects the results the page POSTs back to a tiny
// loopback HTTP server here, and prints markdown tables (also written to bench/results.md).
//
//   node bench/run.mjs [--server URL] [--quick] [--rounds N] [--out FILE]
//                      [--only tiny,kb,...] [--impls ours,native,...]
//                      [--sections transport,latency,parser,memory] [--timeout S]
//
// Without --server it starts target/release/sse-server itself (build it first).

import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, cpus, totalmem, release, platform } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { pageFiles, summarize as summarizePage } from './page-size.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = join(ROOT, 'bench');
const VENDOR = join(BENCH, 'vendor');

// ------------------------------------------------------------------------------ options
const argv = process.argv.slice(2);
const opt = { quick: false, out: join(BENCH, 'results.md') };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const [name, inline] = a.includes('=') ? a.split(/=(.*)/s) : [a, undefined];
  const value = () => inline ?? argv[++i];
  switch (name) {
    case '--quick': opt.quick = true; break;
    case '--server': opt.server = value(); break;
    case '--rounds': opt.rounds = Number(value()); break;
    case '--out': opt.out = value(); break;
    case '--only': opt.only = value(); break;
    case '--impls': opt.impls = value(); break;
    case '--sections': opt.sections = value(); break;
    case '--timeout': opt.timeout = Number(value()); break;
    case '--command': opt.command = value(); break;
    case '-h': case '--help':
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 12).join('\n'));
      process.exit(0);
      break;
    default: console.error(`unknown option ${a}`); process.exit(2);
  }
}
const CHROMIUM = process.env.CHROME_BIN || '/usr/bin/chromium';
const COMMAND = opt.command || `node bench/run.mjs ${argv.join(' ')}`.trim();
const err = (...a) => console.error(...a);

// ------------------------------------------------------------------------- the peers
let esbuild;
async function loadEsbuild() {
  esbuild ??= await import('esbuild');
  return esbuild;
}

/** Bundles, for the page, the peers that cannot be loaded from node_modules as they are. */
async function bundlePeersForPage() {
  const { build } = await loadEsbuild();
  mkdirSync(VENDOR, { recursive: true });
  const common = { bundle: true, format: 'esm', platform: 'browser', logLevel: 'error', write: true };
  // Its ESM build (lib/esm) imports './parse' without an extension: browsers need a bundle.
  await build({
    ...common,
    entryPoints: [join(ROOT, 'node_modules/@microsoft/fetch-event-source/lib/esm/index.js')],
    outfile: join(VENDOR, 'fetch-event-source.js'),
  });
  // UMD/CommonJS only.
  await build({
    ...common,
    stdin: {
      contents: "import m from 'event-source-polyfill'; export const EventSourcePolyfill = m.EventSourcePolyfill;",
      resolveDir: ROOT, sourcefile: 'event-source-polyfill-entry.js',
    },
    outfile: join(VENDOR, 'event-source-polyfill.js'),
  });
}

function compressed(buf) {
  return {
    raw: buf.length,
    gzip: zlib.gzipSync(buf, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(buf, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      },
    }).length,
  };
}

async function minified(contents, note) {
  const { build } = await loadEsbuild();
  const r = await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: `${note}.js` },
    bundle: true, minify: true, format: 'esm', platform: 'browser', write: false,
    logLevel: 'error', external: ['*.wasm'],
  });
  return Buffer.from(r.outputFiles[0].contents);
}

function version(pkg) {
  try { return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version; } catch { return '?'; }
}

async function sizes() {
  const out = [];
  // Ours: js/index.js bundles js/event_source.js, pkg/eventsource_wasm.js and its snippet.
  const js = await minified("export * from './js/index.js'; export { default } from './js/index.js';", 'ours');
  const wasm = readFileSync(join(ROOT, 'pkg/eventsource_wasm_bg.wasm'));
  const cj = compressed(js);
  const cw = compressed(wasm);
  out.push({ name: 'ours: JS (js/*.js + pkg/eventsource_wasm.js, minified)', ...cj, ours: 'js' });
  out.push({ name: 'ours: wasm (pkg/eventsource_wasm_bg.wasm)', ...cw, ours: 'wasm' });
  out.push({
    name: '**ours: JS + wasm**', raw: cj.raw + cw.raw, gzip: cj.gzip + cw.gzip, brotli: cj.brotli + cw.brotli, ours: 'total',
  });
  const peers = [
    ['eventsource', "export { EventSource } from 'eventsource';", 'includes eventsource-parser'],
    ['@microsoft/fetch-event-source', "export { fetchEventSource } from '@microsoft/fetch-event-source';", ''],
    ['event-source-polyfill', "import m from 'event-source-polyfill'; export const EventSourcePolyfill = m.EventSourcePolyfill;", ''],
    ['eventsource-parser', "export { createParser } from 'eventsource-parser';", 'parser only'],
  ];
  for (const [pkg, entry, note] of peers) {
    const c = compressed(await minified(entry, pkg));
    out.push({ name: `${pkg}@${version(pkg)}${note ? ` (${note})` : ''}`, ...c });
  }
  return out;
}

// ---------------------------------------------------------------------- the SSE server
async function startSseServer() {
  const bin = join(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'release/sse-server');
  if (!existsSync(bin)) throw new Error(`${bin} missing: cargo build --release -p sse-server`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-srv-'));
  const portFile = join(dir, 'port');
  const child = spawn(bin, ['--root', ROOT, '--port', '0', '--port-file', portFile], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (existsSync(portFile) && readFileSync(portFile, 'utf8').trim()) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const port = readFileSync(portFile, 'utf8').trim();
  rmSync(dir, { recursive: true, force: true });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

// ------------------------------------------------------------------- results receiver
function startReceiver() {
  let resolveResults;
  const results = new Promise((r) => { resolveResults = r; });
  const server = createServer((req, res) => {
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type',
      'access-control-allow-private-network': 'true',
    };
    if (req.method === 'OPTIONS') { res.writeHead(204, cors); res.end(); return; }
    if (req.method !== 'POST' || req.url !== '/results') { res.writeHead(404, cors); res.end(); return; }
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      res.writeHead(204, cors);
      res.end();
      let msg;
      try { msg = JSON.parse(Buffer.concat(parts).toString('utf8')); } catch { return; }
      if (msg.type === 'progress') err(`  page ${msg.msg}`);
      else if (msg.type === 'results') resolveResults(msg);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, results, close: () => server.close() }));
  });
}

// --------------------------------------------------------------------------- Chromium
function chromiumVersion() {
  try {
    return execFileSync(CHROMIUM, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch { return 'unknown'; }
}

function launchChromium(url) {
  const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-'));
  const flags = (process.env.CHROMIUM_FLAGS_STR ||
    '--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage')
    .split(/\s+/).filter(Boolean);
  const args = [
    ...flags,
    `--user-data-dir=${profile}`,
    '--enable-precise-memory-info',
    '--js-flags=--expose-gc',
    '--disable-renderer-backgrounding',
    '--disable-background-timer-throttling',
    '--disable-backgrounding-occluded-windows',
    '--window-size=1000,800',
    url,
  ];
  if (args.some((a) => a.startsWith('--remote-debugging'))) throw new Error('no DevTools port, by design');
  const logFile = join(profile, 'chromium.log');
  const stderr = [];
  // Its own process group, so that stopping it stops its renderer/GPU/zygote children too.
  const child = spawn(CHROMIUM, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (c) => { stderr.push(c); if (stderr.length > 200) stderr.shift(); });
  let exited = false;
  child.on('exit', () => { exited = true; });
  return {
    args,
    stderr: () => Buffer.concat(stderr).toString('utf8'),
    exited: () => exited,
    async stop() {
      const kill = (sig) => { try { process.kill(-child.pid, sig); } catch { /* gone */ } };
      kill('SIGTERM');
      for (let i = 0; i < 30 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
      if (!exited) kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      rmSync(profile, { recursive: true, force: true });
      void logFile;
    },
  };
}

// ----------------------------------------------------------------------------- tables
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const fmtRate = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));
const fmtMB = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const fmtBytes = (n) => (n == null ? '—' : `${(n / 1048576).toFixed(2)} MiB`);
const fmtRatio = (r) => (r == null || !Number.isFinite(r) ? '—' : `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`);

/** Summary of one implementation's runs: median/min/max of the passing runs, and failures. */
function summarize(rec) {
  if (rec.na) return { na: rec.na };
  const ok = rec.runs.filter((r) => r.ok).map((r) => r.ms);
  const fails = rec.runs.filter((r) => !r.ok).map((r) => r.fail);
  return {
    n: rec.runs.length,
    ok: ok.length,
    median: ok.length ? median(ok) : null,
    min: ok.length ? Math.min(...ok) : null,
    max: ok.length ? Math.max(...ok) : null,
    fail: fails.length ? [...new Set(fails)].join('; ') : null,
  };
}

function checkCell(s) {
  if (s.na) return s.na;
  if (s.fail) return `**FAIL** ${s.n - s.ok}/${s.n}: ${s.fail}`;
  return `ok ${s.ok}/${s.n}`;
}

function transportTable(w) {
  const sums = Object.fromEntries(Object.entries(w.impls).map(([k, v]) => [k, summarize(v)]));
  const native = sums.native?.median;
  const ceiling = sums.bytes?.median;
  const lines = [
    `#### ${w.label}`,
    '',
    `\`/stream?gen=${w.gen}&count=${w.count}&chunk=${w.chunk}\`: ${fmtInt(w.exp.events)} events, ` +
      `${(w.exp.bodyBytes / 1e6).toFixed(1)} MB on the wire; ${w.rounds ?? '?'} rounds.${splitNote(w)}`,
    '',
    '| implementation | median ms (min–max) | events/s | MB/s | speed vs native (higher is faster) | % of ceiling | check |',
    '|---|--:|--:|--:|--:|--:|---|',
  ];
  for (const [key, rec] of Object.entries(w.impls)) {
    const s = sums[key];
    const label = rec.pkg ? rec.label.replace(rec.pkg, `${rec.pkg}@${w.versions?.[rec.pkg] ?? '?'}`) : rec.label;
    if (s.na || s.median == null) {
      lines.push(`| ${label} | — | — | — | — | — | ${checkCell(s)} |`);
      continue;
    }
    const sec = s.median / 1000;
    const eps = w.exp.events / sec;
    lines.push(`| ${label} | ${fmtInt(s.median)} (${fmtInt(s.min)}–${fmtInt(s.max)}) | ` +
      `${fmtRate(eps)}${key === 'bytes' ? ' (equiv.)' : ''} | ${fmtMB(w.exp.bodyBytes / 1e6 / sec)} | ` +
      `${native ? fmtRatio(native / s.median) : '—'} | ${ceiling ? `${((ceiling / s.median) * 100).toFixed(0)} %` : '—'} | ${checkCell(s)} |`);
  }
  return lines.join('\n');
}

/** For mixed: how many chunks the byte counter received began inside a UTF-8 character. */
function splitNote(w) {
  const runs = (w.impls.bytes?.runs ?? []).filter((r) => r.ok && r.chunks);
  if (w.gen !== 'mixed' || !runs.length) return '';
  const r = runs.reduce((a, b) => (b.splitUtf8 > a.splitUtf8 ? b : a));
  return ` Chunks as read by \`fetch\` (byte-counting run): ${fmtInt(r.splitUtf8)} of ${fmtInt(r.chunks)} began inside a UTF-8 character.`;
}

const SUMMARY_COLS = [
  ['ours', 'ours, DOM events'],
  ['ours-iter', 'ours, `for await`'],
  ['minimal', 'minimal JS class (eventsource-parser + real MessageEvent)'],
  ['eventsource', 'eventsource@VER'],
];

/**
 * The issue's table: per workload, each implementation's median elapsed time ÷ native's
 * (lower is faster), and for the 256 KiB rows the share of the byte-counting ceiling.
 */
function summaryTable(res) {
  const ver = res.versions?.eventsource ?? '?';
  const lines = [
    `| workload | native (median ms) | ${SUMMARY_COLS.map(([, l]) => l.replace('VER', ver)).join(' | ')} |`,
    `|---|--:|${SUMMARY_COLS.map(() => '--:').join('|')}|`,
  ];
  for (const w of res.transport) {
    const sums = Object.fromEntries(Object.entries(w.impls).map(([k, v]) => [k, summarize(v)]));
    const native = sums.native?.median;
    const ceiling = sums.bytes?.median;
    const big = w.gen === 'big' || w.gen === 'biglines';
    const cells = SUMMARY_COLS.map(([k]) => {
      const s = sums[k];
      if (!s) return '—';
      if (s.na) return s.na;
      if (s.fail) return `**FAIL** (${s.n - s.ok}/${s.n})`;
      if (s.median == null || !native) return '—';
      const r = (s.median / native).toFixed(2);
      return big && ceiling ? `${r} (${((ceiling / s.median) * 100).toFixed(0)} %)` : r;
    });
    const nat = native ? `${fmtInt(native)}${big && ceiling ? ` (${((ceiling / native) * 100).toFixed(0)} %)` : ''}` : '—';
    lines.push(`| ${shortLabel(w)} | ${nat} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function shortLabel(w) {
  const n = w.count >= 1000 ? `${w.count / 1000}k` : String(w.count);
  switch (w.gen) {
    case 'tiny': return `${n} tiny events`;
    case 'kb': return `${n} × 1 KiB`;
    case 'big': return `${n} × 256 KiB, one line`;
    case 'biglines': return `${n} × 256 KiB in 2048 lines`;
    case 'mixed': return `${n} mixed (CRLF, ids, names, comments, split UTF-8)`;
    default: return w.label;
  }
}

function statCell(runs) {
  const ok = runs.filter((r) => r.ok && r.ms != null).map((r) => r.ms);
  if (!ok.length) return { median: null, text: runs.length ? `**FAIL**: ${runs.find((r) => !r.ok)?.fail}` : '—' };
  const m = median(ok);
  const fails = runs.length - ok.length;
  return {
    median: m,
    text: `${m.toFixed(1)} (${Math.min(...ok).toFixed(1)}–${Math.max(...ok).toFixed(1)})${fails ? `, ${fails} failed` : ''}`,
  };
}

function latencyTables(lat, versions) {
  const out = [];
  const nat = statCell(lat.warm.native?.runs ?? []).median;
  out.push(`Construction → first \`message\`, on \`/stream?gen=clock&interval=60000\` (one small event written at once, the next a minute later). ` +
    `**Warm**: modules already imported (ours: wasm instantiated), in this page, ${lat.rounds} alternating rounds after one unmeasured run each.`, '');
  out.push('| implementation | median ms (min–max) | − native |', '|---|--:|--:|');
  for (const [, rec] of Object.entries(lat.warm)) {
    const label = rec.pkg ? `${rec.label}@${versions?.[rec.pkg] ?? '?'}` : rec.label;
    if (rec.na) { out.push(`| ${label} | ${rec.na} | — |`); continue; }
    const c = statCell(rec.runs);
    out.push(`| ${label} | ${c.text} | ${c.median != null && nat != null ? `${c.median - nat >= 0 ? '+' : '−'}${Math.abs(c.median - nat).toFixed(1)} ms` : '—'} |`);
  }
  if (Object.keys(lat.cold).length) {
    out.push('', `**Cold**: a fresh iframe per round (new realm: every module and the wasm fetched again — the loopback server sends \`Cache-Control: no-store\` and \`Connection: close\` —, the wasm compiled and instantiated again, as on a first visit), ${lat.rounds} rounds.`, '');
    out.push('| implementation | import ms | construction → first message ms | script start → first message ms |', '|---|--:|--:|--:|');
    for (const rec of Object.values(lat.cold)) {
      const imp = statCell(rec.runs.map((r) => ({ ...r, ms: r.importMs })));
      const c = statCell(rec.runs);
      const tot = statCell(rec.runs.map((r) => ({ ...r, ms: r.totalMs })));
      out.push(`| ${rec.label} | ${imp.text} | ${c.text} | ${tot.text} |`);
    }
  }
  if (lat.first && Object.keys(lat.first).length) {
    out.push('', 'First run of each (not in the medians; n = 1): ' + Object.entries(lat.first)
      .map(([k, v]) => `${k} ${v == null ? '—' : `${v.toFixed(1)} ms`}`).join(', ') +
      '. With the latency section first in the page, ours\' is the first construction after the import.');
  }
  if (Object.keys(lat.diag).length) {
    out.push('', `**Where the time goes** (${lat.diagRounds} instrumented rounds; \`fetch\`, \`ReadableStreamDefaultReader#read\`, \`setTimeout\` and \`WebAssembly.instantiate*\` wrapped ` +
      'to timestamp their first call, plus resource timing for the modules; median ms since construction — since the start of `import()` for the cold row; "—" = not reached). ' +
      'The wrappers add a little time: compare the rows with each other.', '');
    const order = ['wasm fetch called', 'index.js arrived', 'event_source.js arrived', 'eventsource_wasm.js arrived', 'inline0.js arrived',
      'wasm response headers', 'wasm instantiateStreaming called', 'wasm instantiate called', 'eventsource_wasm_bg.wasm arrived', 'wasm instantiated',
      'import resolved', 'construct', 'constructor returned', 'fetch called', 'response headers', 'first read() called', 'first chunk read', 'first message'];
    const group = (keys) => {
      const recs = keys.map((k) => lat.diag[k]).filter(Boolean);
      const names = new Set();
      for (const rec of recs) for (const m of rec.runs) for (const k of Object.keys(m)) names.add(k);
      const cols = [...order.filter((k) => names.has(k)), ...[...names].filter((k) => !order.includes(k)).sort()];
      out.push(`| implementation | ${cols.join(' | ')} |`, `|---|${cols.map(() => '--:').join('|')}|`);
      for (const rec of recs) {
        const cells = cols.map((k) => {
          const v = rec.runs.map((m) => m[k]).filter((x) => x != null);
          return v.length ? median(v).toFixed(1) : '—';
        });
        out.push(`| ${rec.label} | ${cells.join(' | ')} |`);
      }
    };
    group(Object.keys(lat.diag).filter((k) => k !== 'ours-cold'));
    if (lat.diag['ours-cold']) { out.push(''); group(['ours-cold']); }
  }
  return out.join('\n');
}

function parserTable(w) {
  const sums = Object.fromEntries(Object.entries(w.impls).map(([k, v]) => [k, summarize(v)]));
  const base = sums['eventsource-parser']?.median;
  const lines = [
    `#### ${w.label}`,
    '',
    `${fmtInt(w.exp.events)} events, ${(w.exp.bodyBytes / 1e6).toFixed(1)} MB in memory, fed in ${fmtInt(w.chunk)}-byte chunks.`,
    '',
    '| parser | median ms (min–max) | MB/s | events/s | vs eventsource-parser | check |',
    '|---|--:|--:|--:|--:|---|',
  ];
  for (const [key, rec] of Object.entries(w.impls)) {
    const s = sums[key];
    if (s.na || s.median == null) {
      lines.push(`| ${rec.label} | — | — | — | — | ${checkCell(s)} |`);
      continue;
    }
    const sec = s.median / 1000;
    lines.push(`| ${rec.label} | ${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)}) | ` +
      `${fmtMB(w.exp.bodyBytes / 1e6 / sec)} | ${key === 'decode' ? '—' : fmtRate(w.exp.events / sec)} | ` +
      `${base ? fmtRatio(base / s.median) : '—'} | ${checkCell(s)} |`);
  }
  return lines.join('\n');
}

function sizeTable(rows) {
  const lines = [
    '| package | minified | gzip -9 | brotli (q 11) |',
    '|---|--:|--:|--:|',
  ];
  for (const r of rows) lines.push(`| ${r.name} | ${fmtInt(r.raw)} B | ${fmtInt(r.gzip)} B | ${fmtInt(r.brotli)} B |`);
  return lines.join('\n');
}

/**
 * Flat: for the cycle tests, the second half (mid → after) grew the heap by < 128 KiB and
 * the wasm memory not at all (the first half includes JIT and pool warm-up); for a 1 M
 * event pass, the heap grew by < 1 MiB and the wasm memory not at all.
 */
function memVerdict(t) {
  const kib = (n) => `${n >= 0 ? '+' : '−'}${(Math.abs(n) / 1024).toFixed(0)} KiB`;
  if (t.before.heap == null) return { flat: null, text: 'no heap data' };
  if (t.mid) {
    const dh2 = t.after.heap - t.mid.heap;
    const dw2 = (t.after.wasm ?? 0) - (t.mid.wasm ?? 0);
    const flat = dh2 < 128 * 1024 && dw2 === 0;
    const per = ((t.after.heap - t.before.heap) / t.units).toFixed(1);
    return { flat, text: `${flat ? 'flat' : '**grew**'}: 2nd half ${kib(dh2)} heap, ${kib(dw2)} wasm (${per} B/${t.unit} overall)` };
  }
  const dh = t.after.heap - t.before.heap;
  const dw = (t.after.wasm ?? 0) - (t.before.wasm ?? 0);
  const flat = dh < 1024 * 1024 && dw === 0;
  return { flat, text: `${flat ? 'flat' : '**grew**'}: ${kib(dh)} heap, ${kib(dw)} wasm` };
}

function memoryTable(m) {
  if (m.na) return m.na;
  const lines = [
    '| test | time | JS heap before → (half way →) after | wasm memory before → (half way →) after | verdict |',
    '|---|--:|---|---|---|',
  ];
  const chain = (t, k) => [t.before[k], t.mid?.[k], t.after[k]].filter((x, i) => i !== 1 || t.mid)
    .map(fmtBytes).join(' → ');
  for (const t of m.tests) {
    const peak = t.peakHeap ? ` (peak while running ${fmtBytes(t.peakHeap)})` : '';
    const failed = t.failed ? ` (**${t.failed} failed**)` : '';
    lines.push(`| ${t.name}${failed} | ${(t.ms / 1000).toFixed(1)} s | ${chain(t, 'heap')}${peak} | ` +
      `${chain(t, 'wasm')} | ${memVerdict(t).text} |`);
  }
  return lines.join('\n');
}

function targets(res, sizeRows, page) {
  const rows = [];
  const get = (section, wk, ik) => {
    const w = res[section]?.find((x) => x.key === wk);
    const rec = w?.impls[ik];
    return rec ? summarize(rec) : null;
  };
  // Speed ratio b/a (> 1: a is faster); null unless both have clean medians.
  const ratio = (a, b) => (a?.median && b?.median && !a.fail && !b.fail && !a.na && !b.na ? b.median / a.median : null);
  const verdict = (r, goal) => (r == null ? 'not measured' : r >= goal ? 'met' : 'missed');
  const allOf = (xs, goal) => (xs.some(([, x]) => x == null) || !xs.length ? 'not measured' : xs.every(([, x]) => x >= goal) ? 'met' : 'missed');
  const list = (xs) => xs.map(([k, x]) => `${k} ${fmtRatio(x)}`).join(', ');
  const wks = (res.transport ?? []).map((w) => w.key);
  if (res.transport) {
    for (const [peer, name] of [['minimal', 'the minimal JS class'], ['eventsource', `eventsource@${res.versions?.eventsource ?? '?'}`]]) {
      const xs = wks.map((k) => [k, ratio(get('transport', k, 'ours'), get('transport', k, peer))]);
      rows.push([`DOM path no slower than ${name} on every workload (speed ratio ≥ 1.00)`, list(xs), allOf(xs, 1)]);
    }
    for (const wk of ['big', 'biglines'].filter((k) => wks.includes(k))) {
      const p = ratio(get('transport', wk, 'ours'), get('transport', wk, 'bytes'));
      const pn = ratio(get('transport', wk, 'native'), get('transport', wk, 'bytes'));
      rows.push([`DOM path, 256 KiB events (${wk === 'big' ? 'one line' : '2048 lines'}) ≥ 80 % of the byte-counting ceiling`,
        p == null ? '—' : `${(p * 100).toFixed(0)} % (native ${pn == null ? '—' : `${(pn * 100).toFixed(0)} %`})`,
        p == null ? 'not measured' : p >= 0.8 ? 'met' : 'missed']);
    }
    const iterNa = get('transport', 'tiny', 'ours-iter')?.na;
    const ri = ratio(get('transport', 'tiny', 'ours-iter'), get('transport', 'tiny', 'native'));
    rows.push(['`for await` ≥ 5× native on tiny events', iterNa ?? fmtRatio(ri), iterNa ? 'not measured' : verdict(ri, 5)]);
    const xs = wks.map((k) => [k, ratio(get('transport', k, 'ours-iter'), get('transport', k, 'ours'))]);
    rows.push(['`for await` faster than the DOM path on every workload (speed ratio > 1.00)', iterNa ?? list(xs),
      iterNa ? 'not measured' : xs.some(([, x]) => x == null) ? 'not measured' : xs.every(([, x]) => x > 1) ? 'met' : 'missed']);
  }
  if (res.latency) {
    const med = (rec) => {
      const ok = (rec?.runs ?? []).filter((r) => r.ok && r.ms != null).map((r) => r.ms);
      return ok.length ? median(ok) : null;
    };
    const nat = med(res.latency.warm.native);
    for (const k of ['ours', 'ours-iter']) {
      const m = med(res.latency.warm[k]);
      rows.push([`first event within 3 ms of native (${k === 'ours' ? 'onmessage' : '`for await`'}, module imported)`,
        m == null || nat == null ? '—' : `${m.toFixed(1)} ms vs native ${nat.toFixed(1)} ms (${m - nat >= 0 ? '+' : '−'}${Math.abs(m - nat).toFixed(1)} ms)`,
        m == null || nat == null ? 'not measured' : m - nat <= 3 ? 'met' : 'missed']);
    }
    const cn = med(res.latency.cold?.native);
    const co = res.latency.cold?.ours ? median((res.latency.cold.ours.runs ?? []).filter((r) => r.ok).map((r) => r.totalMs)) : null;
    if (cn != null && co != null) {
      rows.push(['first event within 3 ms of native, cold (fresh realm: import + construct, nothing cached)',
        `${co.toFixed(1)} ms vs native ${cn.toFixed(1)} ms (+${(co - cn).toFixed(1)} ms)`, co - cn <= 3 ? 'met' : 'missed']);
    }
  }
  if (res.parser) {
    const raw = res.parser.every((w) => !w.impls['ours-raw']?.na);
    const key = raw ? 'ours-raw' : 'ours-rs';
    const parts = res.parser.map((w) => [w.key, ratio(get('parser', w.key, key), get('parser', w.key, 'eventsource-parser'))]);
    rows.push([`parser alone ≥ 2× eventsource-parser + TextDecoder on every workload${raw ? '' : ' (PROXY: fromReadableStream + DOM dispatch; raw parser export missing)'}`,
      list(parts), raw ? allOf(parts, 2) : `${allOf(parts, 2)} (proxy)`]);
  }
  if (page) {
    rows.push(['all JS + wasm a page loads ≤ 12 KB brotli (12,000 B; tests/node/size.test.mjs pins the budget)',
      `${fmtInt(page.total)} B (${(page.total / 12000).toFixed(2)}× the target, ${fmtInt(page.total - 12000)} B over)`,
      page.total <= 12000 ? 'met' : 'missed']);
  }
  if (res.memory?.tests) {
    // The first 1 M-event pass may raise the wasm high-water mark; the second must not.
    const judged = res.memory.tests.filter((t) => !/\(pass 1\)/.test(t.name));
    const first = res.memory.tests.find((t) => /\(pass 1\)/.test(t.name));
    const flat = judged.map((t) => memVerdict(t).flat);
    const note = first ? `; first pass: wasm ${fmtBytes(first.before.wasm)} → ${fmtBytes(first.after.wasm)}` : '';
    rows.push(['heap and wasm memory flat after 1 M events and 10k open/close cycles',
      judged.map((t, i) => `${t.name.split(',')[0]}${/pass 2/.test(t.name) ? ' (2nd pass)' : ''}: ${flat[i] ? 'flat' : 'grew'}`).join('; ') + note,
      flat.every(Boolean) ? 'met' : 'missed']);
  }
  return ['| target (issue #12) | measured | status |', '|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function report(res, sizeRows, meta, page) {
  const out = [];
  out.push('# Benchmark results', '');
  out.push(`- Date: ${meta.date}`);
  out.push(`- Browser: ${meta.chromium} (headless), user agent \`${res.userAgent}\``);
  out.push(`- Machine: ${meta.cpus} × ${meta.cpuModel}, ${meta.memGiB} GiB, ${meta.os}; ${res.cores} cores seen by the page`);
  out.push(`- Command: \`${meta.command}\`${res.quick ? ' (**quick smoke run: counts ÷ 10, 1 round — not representative**)' : ''}`);
  out.push(`- Driver: Chromium launched by \`bench/run.mjs\` through child_process with no DevTools ` +
    'connection (no `--remote-debugging-*` flag, no playwright/puppeteer): **no DevTools/Network ' +
    'instrumentation was attached**; the page POSTed its results to a loopback HTTP receiver in the driver.');
  out.push(`- Method: every implementation in the same page, ${res.rounds} alternating round(s) ` +
    '(A B C … A B C …; twice that for the 256 KiB workloads, whose ceiling varies most) per workload after one warm-up run each (1/20 of the workload); median and ' +
    'min–max of the passing runs. Every run is checked: event count, last event ID and an FNV-1a ' +
    'over each event\'s data length and code units (all ≤ 16, else first/middle/last), against ' +
    'values from a JS re-implementation of the server\'s generator that is itself cross-checked ' +
    'with `/stream/info`\'s FNV-1a over the full data. A failed check prints FAIL. The first-event section runs first ' +
    '(bench/README.md: warm, cold in a fresh iframe, and an instrumented breakdown).');
  out.push(`- Peers: ${Object.entries(res.versions).map(([k, v]) => `${k}@${v}`).join(', ')}. ` +
    'MB = 10⁶ bytes of the response body. Time includes connecting.');
  out.push(`- Iterator/stream API of ours: ${res.iteratorAvailable ? `present (first item: ${res.iterShape ?? '?'})` : 'not built yet (rows print n/a)'}; ` +
    `parser alone (\`ParserBench\`, bench/parser-bench): ${res.parserBenchAvailable ? 'built' : 'NOT built (the parser target uses fromReadableStream as a labelled proxy)'}.`);
  if (res.error) out.push('', `**The page stopped with an error:** \`${res.error.split('\n')[0]}\``);
  if (Object.keys(res.loadErrors).length) out.push('', `Load errors: ${JSON.stringify(res.loadErrors)}`);
  out.push('', '## Targets', '', targets(res, sizeRows, page));
  if (res.transport) {
    out.push('', '## Elapsed time ÷ native, per workload', '',
      'Median elapsed time of each implementation divided by native `EventSource`\'s, same page, same run (lower is faster); ' +
      'for the 256 KiB rows, in parentheses, the share of the byte-counting ceiling (fetch reading the body, nothing else). ' +
      'Details per workload below.', '', summaryTable(res));
  }
  if (res.latency) out.push('', '## First event', '', latencyTables(res.latency, res.versions));
  if (res.transport) {
    out.push('', '## Throughput over HTTP (loopback sse-server)', '');
    for (const w of res.transport) out.push(transportTable({ ...w, versions: res.versions }), '');
  }
  if (res.parser) {
    out.push('## Parsers alone (in-memory bytes, in the page)', '');
    for (const w of res.parser) out.push(parserTable(w), '');
  }
  if (page) {
    out.push('## Size a page loads', '', 'What `import \'eventsource-wasm\'` downloads (the import graph of package.json\'s browser entry, as shipped, plus the wasm it fetches), brotli q 11 per file; `tests/node/size.test.mjs` fails above its budget.', '',
      '| file | raw | brotli |', '|---|--:|--:|',
      ...page.files.map((f) => `| ${f.file} | ${fmtInt(f.raw)} B | ${fmtInt(f.brotli)} B |`),
      `| **total** | ${fmtInt(page.raw)} B | **${fmtInt(page.total)} B** |`, '');
  }
  if (sizeRows) {
    out.push('## Size bundled, with the peers', '', 'esbuild `--bundle --minify --format=esm` for the JS; the wasm as shipped (wasm-opt -Oz); gzip -9 and brotli q 11 from node\'s zlib, summed over the files.', '', sizeTable(sizeRows), '');
  }
  if (res.memory) {
    out.push('## Memory (ours)', '', `\`performance.memory.usedJSHeapSize\` (--enable-precise-memory-info) after \`gc()\` (--js-flags=--expose-gc: ${res.gcExposed ? 'available' : 'NOT available'}); wasm memory = \`memory.buffer.byteLength\` of the instance pkg/eventsource_wasm.js initialised (${fmtBytes(res.wasmAtStart)} when the page started; wasm memory never shrinks, so "after" is the high-water mark). The 1 M-event test runs twice (growth in pass 1 only is a high-water mark, in both a leak); the cycle tests snapshot half way and judge the second half (the first includes warm-up).`, '', memoryTable(res.memory), '');
  }
  out.push(`Page time: ${res.seconds.toFixed(0)} s.`);
  return out.join('\n');
}

// ------------------------------------------------------------------------------- main
async function main() {
  const t0 = Date.now();
  err('==> bundling peers for the page (bench/vendor/)');
  await bundlePeersForPage();
  err('==> measuring sizes');
  const sizeRows = await sizes();
  const pageList = await pageFiles(ROOT);
  const page = { files: pageList, ...summarizePage(pageList) };

  let sse = null;
  let serverUrl = opt.server || process.env.SSE_SERVER_URL;
  if (!serverUrl) {
    sse = await startSseServer();
    serverUrl = sse.url;
  }
  const receiver = await startReceiver();
  const q = new URLSearchParams({ report: receiver.url });
  if (opt.quick) q.set('quick', '1');
  if (opt.rounds) q.set('rounds', String(opt.rounds));
  if (opt.only) q.set('only', opt.only);
  if (opt.impls) q.set('impls', opt.impls);
  if (opt.sections) q.set('sections', opt.sections);
  if (opt.timeout) q.set('timeout', String(opt.timeout));
  const pageUrl = `${serverUrl}/${process.env.BENCH_PAGE || 'bench/index.html'}?${q}`;
  const version = chromiumVersion();
  err(`==> ${version}: ${pageUrl}`);
  err('    (launched without any DevTools connection; results come back by POST)');
  const chromium = launchChromium(pageUrl);
  const limitMs = (opt.quick ? 6 : 25) * 60_000;
  let timer;
  let res;
  try {
    res = await Promise.race([
      receiver.results,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no results after ${limitMs / 60000} min`)), limitMs);
      }),
      new Promise((_, reject) => {
        const poll = setInterval(() => {
          if (chromium.exited()) { clearInterval(poll); reject(new Error(`chromium exited early:\n${chromium.stderr().slice(-3000)}`)); }
        }, 500);
        receiver.results.then(() => clearInterval(poll));
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await chromium.stop();
    receiver.close();
    sse?.stop();
  }
  const meta = {
    date: new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'),
    chromium: version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '?',
    os: `${platform()} ${release()}`,
    memGiB: (totalmem() / 2 ** 30).toFixed(1),
    command: COMMAND,
  };
  const md = report(res, sizeRows, meta, page);
  writeFileSync(join(BENCH, 'results.json'), JSON.stringify({ meta, sizes: sizeRows, page, ...res }, null, 1));
  writeFileSync(opt.out, `${md}\n`);
  console.log(md);
  err(`\n==> wrote ${opt.out} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  if (res.error) process.exitCode = 1;
}

main().catch((e) => { err(e?.stack ?? e); process.exit(1); });
