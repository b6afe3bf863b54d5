#!/usr/bin/env node
// Benchmark driver: bundles the peers that need it into bench/vendor/, measures package
// sizes, launches headless Chromium on bench/index.html WITHOUT any DevTools connection
// (no --remote-debugging-*, so nothing can enable the Network domain, which makes native
// EventSource several times slower), collects the results the page POSTs back to a tiny
// loopback HTTP server here, and prints markdown tables (also written to bench/results.md).
//
//   node bench/run.mjs [--server URL] [--quick] [--rounds N] [--out FILE]
//                      [--only tiny,kb,...] [--impls ours,native,...]
//                      [--sections transport,parser,memory] [--timeout S]
//
// Without --server it starts target/release/sse-server itself (build it first).

import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

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
      `${(w.exp.bodyBytes / 1e6).toFixed(1)} MB on the wire; ${w.rounds ?? '?'} rounds.`,
    '',
    '| implementation | median ms (min–max) | events/s | MB/s | vs native | % of ceiling | check |',
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

function targets(res, sizeRows) {
  const rows = [];
  const get = (section, wk, ik) => {
    const w = res[section]?.find((x) => x.key === wk);
    const rec = w?.impls[ik];
    return rec ? summarize(rec) : null;
  };
  const ratio = (a, b) => (a?.median && b?.median && !a.fail && !b.fail ? b.median / a.median : null);
  const verdict = (r, goal) => (r == null ? 'not measured' : r >= goal ? 'met' : 'missed');
  if (res.transport) {
    const ours = get('transport', 'tiny', 'ours');
    const native = get('transport', 'tiny', 'native');
    const r = ratio(ours, native);
    rows.push(['tiny via onmessage ≥ 1.0× native', fmtRatio(r), verdict(r, 1.0)]);
    // npm eventsource dispatches real DOM MessageEvents on a real EventTarget;
    // event-source-polyfill has its own listener lists and event objects (no DOM dispatch),
    // @microsoft/fetch-event-source and eventsource-parser call plain callbacks.
    const dom = ratio(ours, get('transport', 'tiny', 'eventsource'));
    const others = ['event-source-polyfill', 'fetch-event-source']
      .map((k) => `${fmtRatio(ratio(ours, get('transport', 'tiny', k)))} vs ${k}`).join(', ');
    rows.push(['tiny via onmessage ahead of every JS polyfill that dispatches DOM events (npm eventsource)',
      `${fmtRatio(dom)} vs eventsource (for information, no DOM dispatch: ${others})`,
      dom == null ? 'not measured' : dom > 1 ? 'met' : 'missed']);
    const iter = get('transport', 'tiny', 'ours-iter');
    const ri = iter?.na ? null : ratio(iter, native);
    rows.push(['tiny via iterator/stream ≥ 5× native', iter?.na ?? fmtRatio(ri), iter?.na ? 'not measured' : verdict(ri, 5)]);
    for (const wk of ['big', 'biglines']) {
      const ceil = get('transport', wk, 'bytes');
      const o = get('transport', wk, 'ours');
      const n = get('transport', wk, 'native');
      const p = ratio(o, ceil);
      const pn = ratio(n, ceil);
      rows.push([`256 KiB events (${wk === 'big' ? 'one line' : '2048 lines'}) ≥ 85 % of the byte-counting ceiling`,
        p == null ? '—' : `${(p * 100).toFixed(0)} % (native ${pn == null ? '—' : `${(pn * 100).toFixed(0)} %`})`,
        p == null ? 'not measured' : p >= 0.85 ? 'met' : 'missed']);
    }
  }
  if (res.parser) {
    const raw = res.parser.every((w) => !w.impls['ours-raw']?.na);
    const key = raw ? 'ours-raw' : 'ours-rs';
    const parts = res.parser.map((w) => [w.key, ratio(get('parser', w.key, key), get('parser', w.key, 'eventsource-parser'))]);
    const minR = parts.every(([, x]) => x != null) ? Math.min(...parts.map(([, x]) => x)) : null;
    rows.push([`parser alone ≥ 2× eventsource-parser + TextDecoder on every workload${raw ? '' : ' (PROXY: fromReadableStream + DOM dispatch; raw parser export missing)'}`,
      parts.map(([k, x]) => `${k} ${fmtRatio(x)}`).join(', '), raw ? verdict(minR, 2) : `${verdict(minR, 2)} (proxy)`]);
  }
  if (sizeRows) {
    const t = sizeRows.find((r) => r.ours === 'total');
    rows.push(['package ≤ 12 KB brotli (JS + wasm; 12,000 B)', `${fmtInt(t.brotli)} B (${(t.brotli / 12000).toFixed(1)}× the budget)`,
      t.brotli <= 12000 ? 'met' : 'missed']);
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
  return ['| target | measured | status |', '|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function report(res, sizeRows, meta) {
  const out = [];
  out.push('# Benchmark results', '');
  out.push(`- Date: ${meta.date}`);
  out.push(`- Browser: ${meta.chromium} (headless), user agent \`${res.userAgent}\``);
  out.push(`- Machine: ${meta.cpus} × ${meta.cpuModel}, ${res.cores} cores seen by the page`);
  out.push(`- Command: \`${meta.command}\`${res.quick ? ' (**quick smoke run: counts ÷ 10, 1 round — not representative**)' : ''}`);
  out.push(`- Driver: Chromium launched by \`bench/run.mjs\` through child_process with no DevTools ` +
    'connection (no `--remote-debugging-*` flag, no playwright/puppeteer): **no DevTools/Network ' +
    'instrumentation was attached**; the page POSTed its results to a loopback HTTP receiver in the driver.');
  out.push(`- Method: every implementation in the same page, ${res.rounds} alternating round(s) ` +
    '(A B C … A B C …; twice that for the 256 KiB workloads, whose ceiling varies most) per workload after one warm-up run each (1/20 of the workload); median and ' +
    'min–max of the passing runs. Every run is checked: event count, last event ID and an FNV-1a ' +
    'over each event\'s data length and code units (all ≤ 16, else first/middle/last), against ' +
    'values from a JS re-implementation of the server\'s generator that is itself cross-checked ' +
    'with `/stream/info`\'s FNV-1a over the full data. A failed check prints FAIL.');
  out.push(`- Peers: ${Object.entries(res.versions).map(([k, v]) => `${k}@${v}`).join(', ')}. ` +
    'MB = 10⁶ bytes of the response body. Time includes connecting.');
  out.push(`- Iterator/stream API of ours: ${res.iteratorAvailable ? `present (first item: ${res.iterShape ?? '?'})` : 'not built yet (rows print n/a)'}; ` +
    `parser alone (\`ParserBench\`, bench/parser-bench): ${res.parserBenchAvailable ? 'built' : 'NOT built (the parser target uses fromReadableStream as a labelled proxy)'}.`);
  if (res.error) out.push('', `**The page stopped with an error:** \`${res.error.split('\n')[0]}\``);
  if (Object.keys(res.loadErrors).length) out.push('', `Load errors: ${JSON.stringify(res.loadErrors)}`);
  out.push('', '## Targets', '', targets(res, sizeRows));
  if (res.transport) {
    out.push('', '## Throughput over HTTP (loopback sse-server)', '');
    for (const w of res.transport) out.push(transportTable({ ...w, versions: res.versions }), '');
  }
  if (res.parser) {
    out.push('## Parsers alone (in-memory bytes, in the page)', '');
    for (const w of res.parser) out.push(parserTable(w), '');
  }
  if (sizeRows) {
    out.push('## Size', '', 'esbuild `--bundle --minify --format=esm` for the JS; the wasm as shipped (wasm-opt -Oz); gzip -9 and brotli q 11 from node\'s zlib, summed over the files.', '', sizeTable(sizeRows), '');
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
    command: COMMAND,
  };
  const md = report(res, sizeRows, meta);
  writeFileSync(join(BENCH, 'results.json'), JSON.stringify({ meta, sizes: sizeRows, ...res }, null, 1));
  writeFileSync(opt.out, `${md}\n`);
  console.log(md);
  err(`\n==> wrote ${opt.out} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  if (res.error) process.exitCode = 1;
}

main().catch((e) => { err(e?.stack ?? e); process.exit(1); });
