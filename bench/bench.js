// The benchmark page. Served by the loopback sse-server (bench/index.html), driven by
// bench/run.mjs, which launches Chromium on it WITHOUT any DevTools connection: the page
// posts its progress and results to the driver's `POST /results` (the `report` query
// parameter). See bench/README.md for what is measured and how.
//
// Sections: `transport` (every implementation against the server's /stream workloads,
// alternating rounds), `latency` (construction → first event, warm and cold, with a
// stage diagnosis: bench/latency.js), `parser` (parsers alone on in-memory bytes),
// `memory` (heap and wasm memory before/after 1 M events and 10k open/close cycles).

import { firstEvent, etOpen, iterOpen, coldRound } from './latency.js';

const params = new URLSearchParams(location.search);
const QUICK = params.get('quick') === '1';
const ROUNDS = Math.max(1, Number(params.get('rounds')) || (QUICK ? 1 : 7));
const REPORT = params.get('report');
const ONLY = params.get('only')?.split(',').filter(Boolean);
const IMPLS = params.get('impls')?.split(',').filter(Boolean);
const SECTIONS = (params.get('sections') || 'transport,latency,parser,memory').split(',');
const SCALE = QUICK ? 0.1 : 1;
const TIMEOUT_MS = (Number(params.get('timeout')) || 30) * 1000;

const logEl = document.getElementById('log');
const pageStart = performance.now();

function log(msg) {
  const line = `[${((performance.now() - pageStart) / 1000).toFixed(1).padStart(6)} s] ${msg}`;
  if (logEl) logEl.textContent += `${line}\n`;
  post({ type: 'progress', msg: line });
}

function post(obj) {
  if (!REPORT) return Promise.resolve();
  // text/plain keeps it a simple CORS request (no preflight).
  return fetch(`${REPORT}/results`, {
    method: 'POST', body: JSON.stringify(obj), headers: { 'content-type': 'text/plain' },
  }).catch(() => {});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function settle() {
  if (typeof globalThis.gc === 'function') globalThis.gc();
  await sleep(30);
}

// ---------------------------------------------------------------------------------------
// Workloads and their expected values

const WORKLOADS = [
  { key: 'tiny', label: '(a) 200k tiny events `data: <6 digits>`', gen: 'tiny', count: 200_000, chunk: 16_384, type: 'message' },
  { key: 'kb', label: '(b) 20k × 1 KiB events (with `id:`)', gen: 'kb', count: 20_000, chunk: 16_384, type: 'message' },
  // The 256 KiB workloads are close to the I/O ceiling, whose run-to-run spread on two
  // cores is wide: twice the rounds.
  { key: 'big', label: '(c) 200 × 256 KiB events, one line', gen: 'big', count: 200, chunk: 16_384, type: 'message', roundsFactor: 2 },
  { key: 'biglines', label: '(c) 200 × 256 KiB events, 2048 lines each', gen: 'biglines', count: 200, chunk: 16_384, type: 'message', roundsFactor: 2 },
  { key: 'mixed', label: '(d) 50k mixed: CRLF, `id:`, `event: tick`, comments, UTF-8 split across chunks', gen: 'mixed', count: 50_000, chunk: 1_021, type: 'tick' },
].map((w) => ({ ...w, count: Math.max(1, Math.round(w.count * SCALE)) }))
  .filter((w) => !ONLY || ONLY.includes(w.key));

const streamUrl = (w, count = w.count, extra = '') =>
  `/stream?gen=${w.gen}&count=${count}&chunk=${w.chunk}${extra}`;

// The generator of server/src/generate.rs, re-implemented to compute the check values
// (cross-checked against the server's /stream/info FNV-1a over the full UTF-8 data).
const ALPHA = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ALPHA3 = ALPHA.repeat(4300); // long enough for 262144 chars from any start
const fill = (seed, len) => {
  const s = seed % 62;
  return ALPHA3.slice(s, s + len);
};
function eventData(gen, i) {
  switch (gen) {
    case 'tiny': return String(i).padStart(6, '0');
    case 'kb': return fill(i, 1024);
    case 'big': return fill(i, 262_144);
    case 'biglines': {
      const lines = new Array(2048);
      for (let k = 0; k < 2048; k++) lines[k] = fill(i + k, 127);
      return lines.join('\n');
    }
    case 'mixed': return `${i} ${'é漢字🎉'.repeat((i % 7) + 1)}\n🎉漢字é${i}`;
    default: throw new Error(gen);
  }
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

// The per-event check every implementation folds: FNV-1a steps over the data's length
// (UTF-16 code units) and its code units (all of them up to 16, else first, middle and
// last). Cheap enough not to dominate 256 KiB events, strict enough that lost, repeated,
// reordered, truncated or mis-decoded events change it.
function newSink() {
  return { events: 0, h: FNV_OFFSET, lastId: '', bytes: 0 };
}
function take(s, data, id) {
  const n = data.length;
  let h = Math.imul(s.h ^ n, FNV_PRIME);
  if (n <= 16) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ data.charCodeAt(i), FNV_PRIME);
  } else {
    h = Math.imul(h ^ data.charCodeAt(0), FNV_PRIME);
    h = Math.imul(h ^ data.charCodeAt(n >> 1), FNV_PRIME);
    h = Math.imul(h ^ data.charCodeAt(n - 1), FNV_PRIME);
  }
  s.h = h;
  s.events++;
  s.lastId = id;
}
// The same check over UTF-8 bytes (for a wasm-side counter, see ParserBench below).
function cheap8(h, bytes) {
  const n = bytes.length;
  h = Math.imul(h ^ n, FNV_PRIME);
  if (n <= 16) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME);
  } else {
    h = Math.imul(h ^ bytes[0], FNV_PRIME);
    h = Math.imul(h ^ bytes[n >> 1], FNV_PRIME);
    h = Math.imul(h ^ bytes[n - 1], FNV_PRIME);
  }
  return h;
}

async function expectedFor(w, count = w.count) {
  const info = await (await fetch(`/stream/info?gen=${w.gen}&count=${count}`, { cache: 'no-store' })).json();
  const enc = new TextEncoder();
  const s = newSink();
  let full = FNV_OFFSET;
  let h8 = FNV_OFFSET;
  for (let i = 0; i < count; i++) {
    const data = eventData(w.gen, i);
    take(s, data, '');
    if (w.gen === 'mixed') {
      const b = enc.encode(data);
      for (let j = 0; j < b.length; j++) full = Math.imul(full ^ b[j], FNV_PRIME);
      h8 = cheap8(h8, b);
    } else {
      for (let j = 0; j < data.length; j++) full = Math.imul(full ^ data.charCodeAt(j), FNV_PRIME);
    }
    full = Math.imul(full ^ 0x0a, FNV_PRIME);
  }
  if ((full >>> 0) !== info.fnv1a32 || s.events !== info.events) {
    throw new Error(`bench generator disagrees with the server for ${w.gen}×${count}: ` +
      `fnv ${full >>> 0} vs ${info.fnv1a32}`);
  }
  return {
    events: info.events,
    lastId: info.last_id === null ? '' : String(info.last_id),
    bodyBytes: info.body_bytes,
    dataBytes: info.data_bytes,
    hash: s.h,
    hash8: w.gen === 'mixed' ? h8 : s.h,
  };
}

function check(impl, sink, exp) {
  if (impl.bytesOnly) {
    return sink.bytes === exp.bodyBytes ? null : `bytes ${sink.bytes} ≠ ${exp.bodyBytes}`;
  }
  const bad = [];
  if (sink.events !== exp.events) bad.push(`events ${sink.events} ≠ ${exp.events}`);
  if (sink.lastId !== exp.lastId) bad.push(`last id ${JSON.stringify(sink.lastId)} ≠ ${JSON.stringify(exp.lastId)}`);
  if (sink.events === exp.events && ((sink.h ^ exp.hash) | 0) !== 0) bad.push('data hash differs');
  return bad.length ? bad.join(', ') : null;
}

// ---------------------------------------------------------------------------------------
// Implementations

const NativeEventSource = globalThis.EventSource;
const mods = {};
const loadErrors = {};
const versions = {};

async function loadModules() {
  const tries = {
    ours: () => import('../js/index.js'),
    glue: () => import('../pkg/eventsource_wasm.js'),
    // bench/parser-bench (the crate's parser + a counting sink), built by scripts/bench.sh.
    benchGlue: async () => {
      const url = new URL('./vendor/pkg-bench/parser_bench.js', import.meta.url);
      if (!(await fetch(url, { method: 'HEAD' })).ok) return undefined;
      const m = await import(url.href);
      await m.default();
      return m;
    },
    npmEventSource: () => import('/node_modules/eventsource/dist/index.js'),
    // bench/minimal-event-source.js: fetch + TextDecoder + eventsource-parser + MessageEvent.
    minimal: () => import('./minimal-event-source.js'),
    parser: () => import('/node_modules/eventsource-parser/dist/index.js'),
    fetchEventSource: () => import('./vendor/fetch-event-source.js'),
    polyfill: () => import('./vendor/event-source-polyfill.js'),
  };
  for (const [name, load] of Object.entries(tries)) {
    try {
      mods[name] = await load();
    } catch (e) {
      loadErrors[name] = String(e?.message ?? e);
      log(`could not load ${name}: ${loadErrors[name]}`);
    }
  }
  for (const p of ['eventsource', '@microsoft/fetch-event-source', 'event-source-polyfill', 'eventsource-parser']) {
    try {
      versions[p] = (await (await fetch(`/node_modules/${p}/package.json`)).json()).version;
    } catch { versions[p] = '?'; }
  }
}

// The iterator/stream API of our class is being added concurrently: detect it at run time.
function iterableOf(source) {
  if (typeof source[Symbol.asyncIterator] === 'function') return source;
  if (typeof source.stream === 'function') return source.stream();
  return null;
}
function hasIterator() {
  const C = mods.ours?.EventSource;
  return !!C && (typeof C.prototype[Symbol.asyncIterator] === 'function' ||
    typeof C.prototype.stream === 'function');
}
let iterShape = null;

// EventTarget-style sources: `onmessage` for unnamed events, addEventListener otherwise.
function eventTargetRun(getCtor, options) {
  return (url, w, sink, ctx) => new Promise((resolve, reject) => {
    const Ctor = getCtor();
    const es = options === undefined ? new Ctor(url) : new Ctor(url, options);
    ctx.cancel = () => es.close();
    const h = (e) => take(sink, e.data, e.lastEventId);
    if (w.type === 'message') es.onmessage = h; else es.addEventListener(w.type, h);
    es.addEventListener('done', () => { es.close(); resolve(); });
    es.onerror = () => { es.close(); reject(new Error('error event before done')); };
  });
}

async function iteratorConsume(es, w, sink, ctx, expectedEvents) {
  const it = iterableOf(es);
  ctx.cancel = () => es.close();
  for await (const e of it) {
    if (iterShape === null) {
      iterShape = `${e?.constructor?.name ?? typeof e} {${Object.keys(e ?? {}).join(', ')}}` +
        ` type=${JSON.stringify(e?.type ?? e?.event)}`;
    }
    const type = e.type ?? e.event ?? 'message';
    if (type === 'done') break;
    if (type === w.type) take(sink, e.data, e.lastEventId ?? e.id ?? '');
    // Should the iterator not yield named events such as `done`, stop at the count.
    if (sink.events === expectedEvents) break;
  }
  es.close();
}

const IMPLEMENTATIONS = [
  {
    key: 'ours', label: 'ours: onmessage / addEventListener', needs: 'ours',
    run: eventTargetRun(() => mods.ours.EventSource),
  },
  {
    key: 'ours-iter', label: 'ours: for await / stream()', needs: 'ours', iterator: true,
    run: (url, w, sink, ctx, exp) => iteratorConsume(new mods.ours.EventSource(url), w, sink, ctx, exp.events),
  },
  { key: 'native', label: 'native EventSource', run: eventTargetRun(() => NativeEventSource) },
  {
    key: 'minimal', label: 'minimal JS class (fetch + eventsource-parser + MessageEvent)', needs: 'minimal',
    run: eventTargetRun(() => mods.minimal.MinimalEventSource),
  },
  {
    key: 'eventsource', label: 'npm eventsource', pkg: 'eventsource', needs: 'npmEventSource',
    run: eventTargetRun(() => mods.npmEventSource.EventSource),
  },
  {
    key: 'fetch-event-source', label: '@microsoft/fetch-event-source', pkg: '@microsoft/fetch-event-source',
    needs: 'fetchEventSource',
    run: (url, w, sink, ctx) => new Promise((resolve, reject) => {
      const ctrl = new AbortController();
      ctx.cancel = () => ctrl.abort();
      let id = '';
      mods.fetchEventSource.fetchEventSource(url, {
        signal: ctrl.signal,
        openWhenHidden: true,
        onmessage(m) {
          if (m.event === 'done') { ctrl.abort(); resolve(); return; }
          if (m.id) id = m.id; // its `id` is per message; the spec's last event ID persists
          if ((m.event || 'message') === w.type) take(sink, m.data, id);
        },
        onclose() { ctrl.abort(); reject(new Error('stream closed before done')); },
        onerror(err) { ctrl.abort(); reject(err); throw err; },
      }).catch(reject);
    }),
  },
  {
    key: 'event-source-polyfill', label: 'event-source-polyfill', pkg: 'event-source-polyfill',
    needs: 'polyfill',
    run: eventTargetRun(() => mods.polyfill.EventSourcePolyfill, { heartbeatTimeout: 600_000 }),
  },
  {
    key: 'eventsource-parser', label: 'eventsource-parser over fetch (parser only)', pkg: 'eventsource-parser',
    needs: 'parser',
    run: async (url, w, sink, ctx) => {
      const ctrl = new AbortController();
      ctx.cancel = () => ctrl.abort();
      const res = await fetch(url, { signal: ctrl.signal, cache: 'no-store', headers: { accept: 'text/event-stream' } });
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let done = false;
      let id = '';
      const parser = mods.parser.createParser({
        onEvent(ev) {
          if (ev.event === 'done') { done = true; return; }
          if (ev.id !== undefined) id = ev.id;
          if ((ev.event ?? 'message') === w.type) take(sink, ev.data, id);
        },
      });
      while (!done) {
        const r = await reader.read();
        if (r.done) break;
        parser.feed(decoder.decode(r.value, { stream: true }));
      }
      ctrl.abort();
      if (!done) throw new Error('stream ended before done');
    },
  },
  {
    key: 'bytes', label: 'fetch, counting bytes only (ceiling)', bytesOnly: true,
    run: async (url, w, sink, ctx) => {
      const ctrl = new AbortController();
      ctx.cancel = () => ctrl.abort();
      const res = await fetch(url, { signal: ctrl.signal, cache: 'no-store' });
      const reader = res.body.getReader();
      // For mixed: how many chunk boundaries fall inside a UTF-8 character (the next
      // chunk starts with a continuation byte), i.e. whether the workload really splits them.
      const countSplits = w.gen === 'mixed';
      sink.chunks = 0;
      sink.splitUtf8 = 0;
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        sink.bytes += r.value.byteLength;
        sink.chunks++;
        if (countSplits && r.value.byteLength && (r.value[0] & 0xc0) === 0x80) sink.splitUtf8++;
      }
    },
  },
].filter((i) => !IMPLS || IMPLS.includes(i.key));

function unavailable(impl) {
  if (impl.needs && !mods[impl.needs]) return `n/a (failed to load: ${loadErrors[impl.needs]})`;
  if (impl.iterator && !hasIterator()) return 'n/a (not built yet)';
  return null;
}

let runNo = 0;
async function timedRun(impl, w, exp, count = w.count) {
  const sink = newSink();
  const ctx = { cancel() {} };
  const url = streamUrl(w, count, `&run=${++runNo}`);
  let timer;
  let error = null;
  const t0 = performance.now();
  try {
    await Promise.race([
      impl.run(url, w, sink, ctx, exp),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timeout after ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      }),
    ]);
  } catch (e) {
    error = String(e?.message ?? e);
    try { ctx.cancel(); } catch { /* already closed */ }
  }
  const ms = performance.now() - t0;
  clearTimeout(timer);
  const fail = error ?? check(impl, sink, exp);
  const r = { ms, ok: fail === null, fail, timeout: !!error?.startsWith('timeout') };
  if (impl.bytesOnly) { r.chunks = sink.chunks; r.splitUtf8 = sink.splitUtf8; }
  return r;
}

async function transportSection() {
  const out = [];
  for (const w of WORKLOADS) {
    const exp = await expectedFor(w);
    const warmCount = Math.max(1, Math.round(w.count / 20));
    const warmExp = await expectedFor(w, warmCount);
    const row = { key: w.key, label: w.label, gen: w.gen, count: w.count, chunk: w.chunk, exp, impls: {} };
    out.push(row);
    const active = [];
    for (const impl of IMPLEMENTATIONS) {
      const na = unavailable(impl);
      row.impls[impl.key] = { label: impl.label, pkg: impl.pkg, na, runs: [], warm: null };
      if (!na) active.push(impl);
    }
    log(`${w.key}: warm-up (${warmCount} events each)`);
    for (const impl of active) {
      const r = await timedRun(impl, w, warmExp, warmCount);
      row.impls[impl.key].warm = r;
      if (!r.ok) log(`  warm-up ${impl.key}: FAIL ${r.fail}`);
      if (r.timeout) row.impls[impl.key].runs.push({ ...r, fail: `warm-up: ${r.fail}` }); // skips it
      await settle();
    }
    const rounds = ROUNDS * (w.roundsFactor ?? 1);
    row.rounds = rounds;
    for (let round = 0; round < rounds; round++) {
      const line = [];
      for (const impl of active) {
        const rec = row.impls[impl.key];
        if (rec.runs.some((r) => r.timeout)) continue; // one timeout is enough
        const r = await timedRun(impl, w, exp);
        rec.runs.push(r);
        line.push(`${impl.key} ${r.ok ? `${r.ms.toFixed(0)} ms` : `FAIL(${r.fail})`}`);
        await settle();
      }
      log(`${w.key} round ${round + 1}/${rounds}: ${line.join(' | ')}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// First-event latency (bench/latency.js)

const LATENCY_IMPLS = [
  { key: 'native', label: 'native EventSource', open: () => etOpen(NativeEventSource) },
  { key: 'ours', label: 'ours: onmessage', needs: 'ours', open: () => etOpen(mods.ours.EventSource) },
  { key: 'ours-iter', label: 'ours: for await', needs: 'ours', iterator: true, open: () => iterOpen(mods.ours.EventSource, iterableOf) },
  { key: 'minimal', label: 'minimal JS class', needs: 'minimal', open: () => etOpen(mods.minimal.MinimalEventSource) },
  { key: 'eventsource', label: 'npm eventsource', pkg: 'eventsource', needs: 'npmEventSource', open: () => etOpen(mods.npmEventSource.EventSource) },
];

async function latencySection() {
  const rounds = QUICK ? 5 : Math.max(15, ROUNDS * 3);
  const diagRounds = QUICK ? 3 : 9;
  const out = { rounds, diagRounds, warm: {}, cold: {}, diag: {} };
  const active = LATENCY_IMPLS.filter((i) => !IMPLS || IMPLS.includes(i.key)).filter((i) => {
    const na = unavailable(i);
    out.warm[i.key] = { label: i.label, pkg: i.pkg, na, runs: [] };
    return !na;
  });
  // One unmeasured run each (JIT, connection pool); reported as the first in the page (for
  // ours, the first construction after the import, when this section runs first).
  out.first = {};
  for (const i of active) {
    const r = await firstEvent(i.open());
    out.first[i.key] = r.ms;
    await settle();
  }
  for (let round = 0; round < rounds; round++) {
    const line = [];
    for (const i of active) {
      const r = await firstEvent(i.open());
      out.warm[i.key].runs.push({ ms: r.ms, ok: r.ms != null, fail: r.fail });
      line.push(`${i.key} ${r.ms == null ? `FAIL(${r.fail})` : `${r.ms.toFixed(1)} ms`}`);
      await settle();
    }
    log(`latency warm round ${round + 1}/${rounds}: ${line.join(' | ')}`);
  }
  // Cold: a fresh realm per round.
  const coldKinds = [['native', 'native EventSource, fresh iframe'], ['ours', 'ours: import + construct, fresh iframe']]
    .filter(([k]) => k === 'native' || mods.ours);
  for (const [k, label] of coldKinds) out.cold[k] = { label, runs: [] };
  if (mods.ours) out.first['ours-cold'] = (await coldRound('ours', false)).totalMs ?? null; // unmeasured
  for (let round = 0; round < rounds; round++) {
    const line = [];
    for (const [k] of coldKinds) {
      const r = await coldRound(k, false);
      out.cold[k].runs.push({ ms: r.ms ?? null, ok: r.ms != null, fail: r.fail, importMs: r.importMs, totalMs: r.totalMs });
      line.push(`${k} ${r.ms == null ? `FAIL(${r.fail})` : `${(r.totalMs ?? 0).toFixed(1)} ms (import ${(r.importMs ?? 0).toFixed(1)})`}`);
      await settle();
    }
    log(`latency cold round ${round + 1}/${rounds}: ${line.join(' | ')}`);
  }
  // Diagnosis: stage marks (probes installed only for these runs).
  for (const i of active) out.diag[i.key] = { label: `${i.label} (warm)`, runs: [] };
  if (mods.ours) out.diag['ours-cold'] = { label: 'ours: import + construct, fresh iframe (ms since import start)', runs: [] };
  for (let round = 0; round < diagRounds; round++) {
    for (const i of active) {
      const r = await firstEvent(i.open(), { diag: true });
      out.diag[i.key].runs.push(r.marks);
      await settle();
    }
    if (mods.ours) {
      const r = await coldRound('ours', true);
      out.diag['ours-cold'].runs.push(r.marks ?? {});
      await settle();
    }
  }
  log(`latency diagnosis: ${diagRounds} instrumented round(s) done`);
  return out;
}

// ---------------------------------------------------------------------------------------
// Parsers alone, on in-memory bytes

const PARSE_CHUNK = 16_384;

function chunksOf(bytes, size) {
  const out = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, Math.min(i + size, bytes.length)));
  return out;
}

function memoryStream(chunks) {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]);
      else c.close();
    },
  }, { highWaterMark: 0 });
}

// A wasm-side benchmark counter, if the package exports one (see bench/README.md):
//   new ParserBench(); feed(chunk: Uint8Array); finish(); events; hash; lastEventId
function parserBenchExport() {
  const PB = mods.glue?.ParserBench ?? mods.benchGlue?.ParserBench;
  return typeof PB === 'function' ? PB : null;
}

const PARSERS = [
  {
    key: 'ours-raw', label: 'ours: wasm parser alone (`ParserBench`: the crate\'s `Parser` + a counting sink)',
    na: () => (parserBenchExport() ? null : 'n/a (bench/vendor/pkg-bench not built, see bench/README.md)'),
    run: async (chunks, w, sink) => {
      const PB = parserBenchExport();
      const p = new PB();
      try {
        for (const c of chunks) p.feed(c);
        p.finish();
        sink.events = p.events;
        sink.h = p.hash;
        sink.lastId = p.lastEventId;
        sink.utf8 = true;
      } finally {
        p.free?.();
      }
    },
  },
  {
    key: 'ours-rs', label: 'ours: fromReadableStream + listener (proxy: includes DOM dispatch)',
    na: () => (mods.ours ? null : `n/a (failed to load: ${loadErrors.ours})`),
    run: (chunks, w, sink) => new Promise((resolve, reject) => {
      const es = mods.ours.EventSource.fromReadableStream(memoryStream(chunks));
      const h = (e) => take(sink, e.data, e.lastEventId);
      if (w.type === 'message') es.onmessage = h; else es.addEventListener(w.type, h);
      es.addEventListener('done', () => { es.close(); resolve(); });
      es.onerror = () => { es.close(); reject(new Error('error event before done')); };
    }),
  },
  {
    key: 'ours-rs-iter', label: 'ours: fromReadableStream + for await (proxy)',
    na: () => (!mods.ours ? `n/a (failed to load: ${loadErrors.ours})` : hasIterator() ? null : 'n/a (not built yet)'),
    run: (chunks, w, sink, exp) => iteratorConsume(
      mods.ours.EventSource.fromReadableStream(memoryStream(chunks)), w, sink, { cancel() {} }, exp.events),
  },
  {
    key: 'eventsource-parser', label: 'eventsource-parser + TextDecoder',
    na: () => (mods.parser ? null : `n/a (failed to load: ${loadErrors.parser})`),
    run: async (chunks, w, sink) => {
      const decoder = new TextDecoder();
      let id = '';
      const parser = mods.parser.createParser({
        onEvent(ev) {
          if (ev.event === 'done') return;
          if (ev.id !== undefined) id = ev.id;
          if ((ev.event ?? 'message') === w.type) take(sink, ev.data, id);
        },
      });
      for (const c of chunks) parser.feed(decoder.decode(c, { stream: true }));
      parser.feed(decoder.decode());
    },
  },
  {
    key: 'decode', label: 'TextDecoder alone (ceiling for JS parsers)', bytesOnly: true,
    na: () => null,
    run: async (chunks, w, sink) => {
      const decoder = new TextDecoder();
      let n = 0;
      for (const c of chunks) n += decoder.decode(c, { stream: true }).length;
      n += decoder.decode().length;
      sink.chars = n;
      sink.bytes = chunks.reduce((a, c) => a + c.byteLength, 0);
    },
  },
];

async function parserSection() {
  const out = [];
  for (const w of WORKLOADS) {
    const exp = await expectedFor(w);
    const bytes = new Uint8Array(await (await fetch(streamUrl(w), { cache: 'no-store' })).arrayBuffer());
    if (bytes.length !== exp.bodyBytes) throw new Error(`body of ${w.key}: ${bytes.length} ≠ ${exp.bodyBytes}`);
    const size = w.gen === 'mixed' ? w.chunk : PARSE_CHUNK;
    const chunks = chunksOf(bytes, size);
    const row = { key: w.key, label: w.label, count: w.count, chunk: size, exp, impls: {} };
    out.push(row);
    const active = [];
    for (const p of PARSERS) {
      const na = p.na();
      row.impls[p.key] = { label: p.label, na, runs: [] };
      if (!na) active.push(p);
    }
    // Warm-up on a slice of the workload (the JITs and wasm tier-up).
    const warm = chunksOf(bytes.subarray(0, Math.min(bytes.length, 2 << 20)), size);
    for (const p of active) {
      try { await p.run(warm, w, newSink(), exp); } catch { /* the measured runs report it */ }
    }
    for (let round = 0; round < ROUNDS; round++) {
      const line = [];
      for (const p of active) {
        await settle();
        const sink = newSink();
        let fail = null;
        const t0 = performance.now();
        try {
          await Promise.race([p.run(chunks, w, sink, exp),
            sleep(TIMEOUT_MS).then(() => { throw new Error('timeout'); })]);
        } catch (e) { fail = String(e?.message ?? e); }
        const ms = performance.now() - t0;
        if (!fail) {
          if (p.bytesOnly) fail = sink.bytes === exp.bodyBytes ? null : 'byte count differs';
          else {
            const want = sink.utf8 ? { ...exp, hash: exp.hash8 } : exp;
            fail = check(p, sink, want);
          }
        }
        row.impls[p.key].runs.push({ ms, ok: !fail, fail });
        line.push(`${p.key} ${fail ? `FAIL(${fail})` : `${ms.toFixed(0)} ms`}`);
      }
      log(`parser ${w.key} round ${round + 1}/${ROUNDS}: ${line.join(' | ')}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Memory

function wasmMemoryBytes() {
  // pkg/eventsource_wasm.js's default export (init) returns the instance's exports once
  // initialised; js/index.js has already initialised the same module instance.
  return wasmExports?.memory?.buffer?.byteLength ?? null;
}
let wasmExports = null;

async function snapshot() {
  for (let i = 0; i < 3; i++) { // a few collections: FinalizationRegistry callbacks, weak maps
    if (typeof globalThis.gc === 'function') globalThis.gc();
    await sleep(50);
  }
  return { heap: performance.memory?.usedJSHeapSize ?? null, wasm: wasmMemoryBytes() };
}

async function memorySection() {
  if (!mods.ours) return { na: `n/a (failed to load: ${loadErrors.ours})` };
  const ES = mods.ours.EventSource;
  const out = { gcExposed: typeof globalThis.gc === 'function', preciseMemory: true, tests: [] };
  const million = Math.round(1_000_000 * SCALE);
  const cycles = Math.round(10_000 * SCALE);
  const httpCycles = Math.round(1_000 * SCALE);
  const tinyW = { gen: 'tiny', count: million, chunk: 16_384, type: 'message' };
  await fetch(`/stream/info?gen=tiny&count=${million}`); // generate it before measuring

  // 1 M events through onmessage over one connection, twice: growth in the first pass
  // only is a high-water mark (wasm memory never shrinks), growth in both is a leak.
  const million1 = async (pass) => {
    const before = await snapshot();
    let peakHeap = 0;
    let n = 0;
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      const es = new ES(streamUrl(tinyW, million, `&pass=${pass}`));
      es.onmessage = () => {
        if (++n % 100_000 === 0) peakHeap = Math.max(peakHeap, performance.memory?.usedJSHeapSize ?? 0);
      };
      es.addEventListener('done', () => { es.close(); resolve(); });
      es.onerror = () => { es.close(); reject(new Error('error event')); };
    }).catch((e) => { out.error = String(e); });
    const ms = performance.now() - t0;
    const after = await snapshot();
    const label = `${million >= 1e6 ? `${million / 1e6} M` : `${million / 1e3}k`} tiny events, onmessage, one connection`;
    out.tests.push({ name: `${label} (pass ${pass})`, units: million, unit: 'event', before, after, peakHeap, failed: million - n, ms });
    log(`memory: pass ${pass}: ${n} events in ${ms.toFixed(0)} ms, heap ${before.heap} → ${after.heap}, wasm ${before.wasm} → ${after.wasm}`);
  };
  await million1(1);
  await million1(2);

  // Open/close cycles; a snapshot half way shows whether growth continues.
  const cyclesTest = async (name, total, warm, once) => {
    for (let i = 0; i < warm; i++) await once().catch(() => {});
    const before = await snapshot();
    const t0 = performance.now();
    let failed = 0;
    let mid = null;
    for (let i = 0; i < total; i++) {
      if (i === total >> 1) mid = await snapshot();
      await once().catch(() => { failed++; });
    }
    const ms = performance.now() - t0;
    const after = await snapshot();
    out.tests.push({ name, units: total, unit: 'cycle', before, mid, after, ms, failed });
    log(`memory: ${name}: ${ms.toFixed(0)} ms (${failed} failed), heap ${before.heap} → ${mid?.heap} → ${after.heap}, wasm ${before.wasm} → ${after.wasm}`);
  };

  const body = new TextEncoder().encode('id: 1\ndata: a\n\ndata: b\ndata: c\n\nevent: done\ndata: 2\n\n');
  await cyclesTest(`${cycles} open/close cycles, fromReadableStream (2 events each)`, cycles, 200,
    () => new Promise((resolve, reject) => {
      const es = ES.fromReadableStream(memoryStream([body.subarray(0, 9), body.subarray(9)]));
      let got = 0;
      es.onmessage = () => { got++; };
      es.addEventListener('done', () => { es.close(); got === 2 ? resolve() : reject(new Error(`got ${got}`)); });
      es.onerror = () => { es.close(); reject(new Error('error event')); };
    }));

  const shortW = { gen: 'tiny', count: 3, chunk: 16_384, type: 'message' };
  await cyclesTest(`${httpCycles} open/close cycles, new EventSource(url) against the server (3 events each)`, httpCycles, 20,
    () => new Promise((resolve, reject) => {
      const es = new ES(streamUrl(shortW));
      let got = 0;
      es.onmessage = () => { got++; };
      es.addEventListener('done', () => { es.close(); got === 3 ? resolve() : reject(new Error(`got ${got}`)); });
      es.onerror = () => { es.close(); reject(new Error('error event')); };
    }));
  return out;
}

// ---------------------------------------------------------------------------------------

async function main() {
  const started = new Date().toISOString();
  log(`benchmark page: ${QUICK ? 'quick' : 'full'}, ${ROUNDS} round(s), sections ${SECTIONS.join(',')}`);
  await loadModules();
  if (mods.glue) {
    try { wasmExports = await mods.glue.default(); } catch (e) { log(`wasm exports: ${e}`); }
  }
  const wasmAtStart = wasmMemoryBytes();
  const results = {
    type: 'results', started, userAgent: navigator.userAgent, cores: navigator.hardwareConcurrency,
    quick: QUICK, rounds: ROUNDS, versions, loadErrors,
    iteratorAvailable: hasIterator(), parserBenchAvailable: !!parserBenchExport(),
    gcExposed: typeof globalThis.gc === 'function', preciseMemory: !!performance.memory,
    wasmAtStart, implementations: IMPLEMENTATIONS.map((i) => ({ key: i.key, label: i.label, pkg: i.pkg })),
  };
  try {
    // Latency first: its first construction of each class is then the first in the page.
    if (SECTIONS.includes('latency')) results.latency = await latencySection();
    if (SECTIONS.includes('transport')) results.transport = await transportSection();
    if (SECTIONS.includes('parser')) results.parser = await parserSection();
    if (SECTIONS.includes('memory')) results.memory = await memorySection();
  } catch (e) {
    results.error = `${e?.message ?? e}\n${e?.stack ?? ''}`;
    log(`ERROR ${results.error}`);
  }
  results.iterShape = iterShape;
  results.seconds = (performance.now() - pageStart) / 1000;
  log(`done in ${results.seconds.toFixed(0)} s`);
  if (!REPORT && logEl) logEl.textContent += `\n${JSON.stringify(results, null, 1)}\n`;
  await post(results);
}

main();
