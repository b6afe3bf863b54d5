// Page side of the soak/leak harness (driven by tests/browser/soak.test.mjs in a Chromium
// launched with `--js-flags=--expose-gc --enable-precise-memory-info`). Every function
// returns plain numbers; the driver asserts and reports them.
//
// Collection is observed with FinalizationRegistries: a source counts as collected once
// its finalizer ran after forced full GCs, and its wasm core once the glue's own finalizer
// freed it (counted by soak_hooks.js, loaded before the package). Memory: see `measure`.
import { wasmCores, restore } from './soak_hooks.js';
import { EventSource } from '../../js/index.js';
import init from '../../pkg/eventsource_wasm.js';

restore();

const SERVER = self.location.origin;
// `init()` of an initialised module returns the same wasm exports (wasm-bindgen glue:
// `if (wasm !== undefined) return wasm`); checked against the class's own instance below.
const wasm = await init();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Full GCs with turns of the event loop in between (finalizers run in their own tasks). */
async function collectGarbage(rounds = 6) {
  for (let i = 0; i < rounds; i += 1) {
    globalThis.gc();
    await sleep(30);
  }
}

const wasmBytes = () => wasm.memory.buffer.byteLength;

/**
 * Memory in use after full GCs: `js` = `performance.memory.usedJSHeapSize`, `embedder` =
 * Blink's (Oilpan) heap, where `Response`, `Headers`, streams and `Event`s live, which
 * `performance.memory` does not count (from the driver's CDP `Runtime.getHeapUsage`,
 * exposed as `__heapUsage`; null without it), `wasm` = the wasm memory's size, `live` =
 * the driver's count of live objects per prototype (`Runtime.queryObjects`; null without
 * it). The page's resource-timing entries (one per fetch) are dropped first.
 */
async function measure(rounds = 6) {
  performance.clearResourceTimings();
  await collectGarbage(rounds);
  // Read before the driver's object counting, whose result arrays are fresh garbage.
  const js = performance.memory.usedJSHeapSize;
  const wasmNow = wasmBytes();
  const usage = typeof globalThis.__heapUsage === 'function' ? await globalThis.__heapUsage() : null;
  return { js, embedder: usage?.embedderHeapUsedSize ?? null, wasm: wasmNow, live: usage?.live ?? null };
}

/** Percent-encodes a script step's bytes. */
const step = (text) => `w:${encodeURIComponent(text).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;

// One event, then the connection stays open (until the client leaves).
const STREAM = `${SERVER}/sse?s=${step('data: x\n\n')}|hang`;
// 204 No Content: the source fails.
const FAILING = `${SERVER}/sse?status=204`;

const once = (target, type) => new Promise((resolve) => {
  target.addEventListener(type, resolve, { once: true });
});

/**
 * The consumer paths of issue #10 finding 4. Each opens one source, consumes it the way a
 * page would, ends it, and hands the source to `track` (which only keeps it weakly).
 */
export const paths = {
  /** DOM listeners, then close(). */
  async dom(track) {
    const source = track(new EventSource(STREAM));
    source.onmessage = () => {};
    await once(source, 'message');
    source.close();
  },
  /** `for await` left with break (which closes the source). */
  async forAwaitBreak(track) {
    const source = track(new EventSource(STREAM));
    for await (const event of source) {
      if (event.data !== 'x') throw new Error(`unexpected ${event.data}`);
      break;
    }
  },
  /** `for await` ended by close() inside the loop (the loop then ends normally). */
  async forAwaitClose(track) {
    const source = track(new EventSource(STREAM));
    for await (const event of source) {
      if (event.data !== 'x') throw new Error(`unexpected ${event.data}`);
      source.close();
    }
  },
  /** `for await` over a source that fails (204): the loop throws. */
  async forAwaitFailure(track) {
    const source = track(new EventSource(FAILING));
    try {
      for await (const event of source) throw new Error(`unexpected ${event.data}`);
    } catch (error) {
      if (error.status !== 204) throw error;
    }
  },
  /** `stream()` read once, then cancelled (which closes the source). */
  async streamCancel(track) {
    const source = track(new EventSource(STREAM));
    const reader = source.stream().getReader();
    const { value } = await reader.read();
    if (value.data !== 'x') throw new Error(`unexpected ${value.data}`);
    await reader.cancel();
  },
  /** A source that fails (204), observed through DOM listeners. */
  async failure(track) {
    const source = track(new EventSource(FAILING));
    source.onerror = () => {};
    await once(source, 'error');
    if (source.readyState !== 2) throw new Error('not CLOSED after a 204');
  },
  /** Opened, closed at once, abandoned: no listener, nothing awaited. */
  async closeThenAbandon(track) {
    const source = track(new EventSource(STREAM));
    source.close();
    await sleep(0);
  },
  /** `onAuthError` that mentions its own source (401 on every attempt), then close(). */
  async authHookSelf(track) {
    let source = null;
    let called;
    const hooked = new Promise((resolve) => { called = resolve; });
    source = track(new EventSource(`${SERVER}/sse?status=401`, {
      onAuthError: () => { called(source.url); },
    }));
    await hooked;
    source.close();
  },
};

/**
 * Runs `count` open/close cycles of one path after a warm-up of as many (JIT, inline
 * caches and the glue's tables reach their steady size), with a full GC every `gcEvery`
 * cycles in both phases so that the live set is bounded the same way. Returns how many of
 * the measured sources were collected, how many of their wasm cores were freed, and the
 * JS heap and wasm memory after the warm-up and after the measured cycles.
 */
export async function cycles(name, count, { warmup = count, gcEvery = 25 } = {}) {
  const path = paths[name];
  if (!path) throw new Error(`no path ${name}`);
  const run = async (n, track) => {
    for (let i = 1; i <= n; i += 1) {
      await path(track);
      if (i % gcEvery === 0) await collectGarbage(1);
    }
  };
  const warmStarted = performance.now();
  await run(warmup, (source) => source);
  const warmupMs = performance.now() - warmStarted;
  // Unrecorded: lets the warm-up's finalizers run and the driver's CDP set up.
  await measure();
  const before = await measure();

  const cores = { ...wasmCores };
  let collected = 0;
  const registry = new FinalizationRegistry(() => { collected += 1; });
  const track = (source) => {
    registry.register(source, null);
    return source;
  };
  const started = performance.now();
  await run(count, track);
  const ms = performance.now() - started;
  let after = await measure();
  // Finalizers may lag a few GCs behind; give them a few more rounds.
  for (let i = 0; i < 5 && collected < count; i += 1) after = await measure();
  return {
    path: name, cycles: count, collected,
    coresCreated: wasmCores.created - cores.created, coresFreed: wasmCores.freed - cores.freed,
    warmupMs: Math.round(warmupMs), ms: Math.round(ms), before, after,
  };
}

/** The live-object counts a sample keeps, in this order (see the driver's COUNTED). */
const LIVE = ['Promise', 'Function', 'Object', 'Response', 'EventTarget'];

/**
 * Samples `[attempt, measure()]` kept in one preallocated Float64Array, so that taking a
 * sample leaves no object behind to be counted as retained.
 */
class Samples {
  constructor(capacity) {
    this.width = 4 + LIVE.length;
    this.data = new Float64Array(capacity * this.width).fill(Number.NaN);
    this.length = 0;
  }

  push(n, m) {
    const row = [n, m.js, m.embedder ?? Number.NaN, m.wasm, ...LIVE.map((name) => m.live?.[name] ?? Number.NaN)];
    this.data.set(row, this.length * this.width);
    this.length += 1;
  }

  /** The samples as `[n, {js, embedder, wasm, live}]`. */
  rows() {
    return Array.from({ length: this.length }, (_, i) => {
      const r = this.data.subarray(i * this.width, (i + 1) * this.width);
      const live = Number.isNaN(r[4]) ? null : Object.fromEntries(LIVE.map((name, j) => [name, r[4 + j]]));
      return [r[0], { js: r[1], embedder: Number.isNaN(r[2]) ? null : r[2], wasm: r[3], live }];
    });
  }
}

/** The options of a reconnection soak `kind`. */
function kindOptions(kind) {
  const options = {
    plain: () => ({}),
    headers: () => ({ headers: () => ({}) }),
    fetch: () => ({ fetch: (request) => fetch(request) }),
  }[kind];
  if (!options) throw new Error(`no kind ${kind}`);
  return options();
}

/** Runs `count` attempts of one source of `kind` against a stream that ends at once. */
async function reconnectTimes(kind, count) {
  const source = new EventSource(`${SERVER}/sse?s=${step('retry: 0\n')}|end`, kindOptions(kind));
  let opened = 0;
  await new Promise((resolve, reject) => {
    source.onerror = () => {
      if (source.readyState === 2) reject(new Error(`warm-up source failed after ${opened} attempts`));
    };
    source.onopen = () => {
      opened += 1;
      if (opened >= count) resolve();
    };
  });
  source.close();
}

/**
 * One source reconnecting `attempts` times against a stream that ends at once
 * (`retry: 0`), with `kind` = `headers` (a headers function), `fetch` (the fetch option)
 * or `plain` (no function option: the control), after a warm-up of as many attempts
 * spread over `parallel` sources of the same kind (the JIT's code and feedback grow over
 * the first hundred attempts or so, which is not retention). Memory (see `measure`) is
 * sampled at `points` connections spread evenly from attempt `attempts / 5` to the last:
 * those connections hang instead of ending (the server's per-connection scripts), so
 * that each sample sees the same quiet state (OPEN, one live fetch), and `/demo/drop` then
 * releases the source. The slope of a least-squares line through the samples is the
 * memory retained per attempt.
 */
export async function reconnections(kind, attempts, { points = 10, warmup = attempts, parallel = 5 } = {}) {
  const options = kindOptions(kind);
  const warmStarted = performance.now();
  await Promise.all(Array.from({ length: parallel }, () => reconnectTimes(kind, Math.ceil(warmup / parallel))));
  const warmupMs = performance.now() - warmStarted;
  // Unrecorded: lets the warm-up sources' finalizers run and the driver's CDP set up.
  await measure();
  const first = Math.round(attempts / 5);
  const at = [...new Set(Array.from({ length: points },
    (_, i) => Math.round(first + (i * (attempts - first)) / (points - 1))))];
  const key = `soak-${kind}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const ends = `${step('retry: 0\n')}|end`;
  const hangs = `${step('retry: 0\n')}|hang`;
  // Connection numbers count from 0: attempt n is connection n - 1.
  const url = `${SERVER}/sse?key=${key}&s=${ends}${at.map((n) => `&s${n - 1}=${hangs}`).join('')}`;
  const samples = new Samples(at.length);
  const wasmBefore = wasmBytes();
  const started = performance.now();
  await new Promise((resolve, reject) => {
    const source = new EventSource(url, options);
    let opened = 0;
    source.onerror = () => {
      if (source.readyState === 2) reject(new Error(`failed after ${opened} attempts`));
    };
    source.onopen = () => {
      opened += 1;
      if (!at.includes(opened)) return;
      const n = opened;
      measure(2).then(async (m) => {
        samples.push(n, m);
        if (n === attempts) {
          source.close();
          resolve();
        } else {
          await fetch(`${SERVER}/demo/drop?key=${key}`);
        }
      }).catch(reject);
    };
  });
  const ms = performance.now() - started;
  await fetch(`${SERVER}/reset?key=${key}`);
  return report(kind, attempts, samples.rows(), { ms, warmupMs, wasmBefore });
}

/** Per-attempt figures of a series of samples `[attempt, measure()]`. */
function report(kind, attempts, samples, { ms, warmupMs = 0, wasmBefore = null }) {
  const perAttempt = (pick) => Math.round(slope(samples.map(([n, m]) => [n, pick(m)])));
  const [n0, m0] = samples[0];
  const [n1, m1] = samples[samples.length - 1];
  let livePerAttempt = null;
  if (m0.live && m1.live) {
    livePerAttempt = {};
    for (const name of Object.keys(m1.live)) {
      livePerAttempt[name] = Math.round(((m1.live[name] - m0.live[name]) / (n1 - n0)) * 1000) / 1000;
    }
  }
  return {
    kind, attempts, ms: Math.round(ms), warmupMs: Math.round(warmupMs),
    samples: samples.map(([n, m]) => [n, m.js, m.embedder, m.wasm]),
    jsPerAttempt: perAttempt((m) => m.js),
    embedderPerAttempt: m0.embedder === null ? null : perAttempt((m) => m.embedder),
    livePerAttempt,
    wasmBefore, wasmAfter: wasmBytes(),
  };
}

/**
 * The baseline of `reconnections`: the same requests made with plain `fetch()` (body
 * read to the end), no EventSource, sampled at the same points. What grows here grows
 * without our code (the DevTools instrumentation of the driver keeps per-request records
 * in the renderer), so the driver subtracts it.
 */
export async function fetches(count, { points = 10 } = {}) {
  const first = Math.round(count / 5);
  const at = new Set(Array.from({ length: points },
    (_, i) => Math.round(first + (i * (count - first)) / (points - 1))));
  const url = `${SERVER}/sse?s=${step('retry: 0\n')}|end`;
  const samples = new Samples(at.size);
  await measure();
  const started = performance.now();
  for (let n = 1; n <= count; n += 1) {
    const response = await fetch(url, { cache: 'no-store', headers: { Accept: 'text/event-stream' } });
    await response.text();
    if (at.has(n)) samples.push(n, await measure(2));
  }
  const ms = performance.now() - started;
  return report('fetch() alone', count, samples.rows(), { ms });
}

/** Least-squares slope of [x, y] points. */
function slope(points) {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return num / den;
}

/** The wasm exports `init()` returned are the ones the package uses: same memory. */
export function checkWasm() {
  if (typeof globalThis.gc !== 'function') return 'no gc(): launch with --js-flags=--expose-gc';
  if (!(wasm.memory instanceof WebAssembly.Memory)) return 'init() gave no memory';
  const before = wasmBytes();
  const created = wasmCores.created;
  // Growing the package's heap must show in this memory: a large event through a source
  // whose stream is fed here.
  const source = EventSource.fromReadableStream(new ReadableStream({
    start(c) { c.enqueue(new TextEncoder().encode(`data: ${'x'.repeat(8 << 20)}\n\n`)); c.close(); },
  }));
  return new Promise((resolve) => {
    source.onmessage = () => {
      source.close();
      if (wasmCores.created !== created + 1) resolve(`cores counted: ${wasmCores.created - created}, not 1`);
      resolve(wasmBytes() > before ? 'ok' : `wasm memory did not grow (${before} → ${wasmBytes()})`);
    };
  });
}

globalThis.soak = { cycles, reconnections, fetches, checkWasm, paths: Object.keys(paths) };
globalThis.__soakReady = true;
