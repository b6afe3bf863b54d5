// First-event latency (issue #12): construction → first `message`, on a server stream
// that sends one small event at once and then stays open (`/stream?gen=clock`, whose first
// event is written immediately, the next one only after `interval`).
//
// - warm: in this page, the module already imported (ours: wasm instantiated by js/index.js's
//   top-level await), every implementation alternating, median over the rounds;
// - cold: a fresh iframe per round (bench/latency-frame.html, a new realm, so a new module
//   instance and a new wasm compile + instantiation; the loopback server sends static files
//   with `Cache-Control: no-store`, so every module and the wasm are fetched again, as on a
//   first visit): `import('pkg/index.js')` (the shipped bundle) → first message, and native in a fresh iframe;
// - diagnosis: the same runs again with `fetch`, `ReadableStreamDefaultReader#read`,
//   `setTimeout` and `WebAssembly.instantiate*` wrapped to timestamp where the time goes
//   (construction returns, fetch called, response headers, first chunk, first message).
//   Only in these diagnosis runs, never in the measured ones, and nothing in js/ or src/
//   is touched.

export const LATENCY_URL = (n) => `/stream?gen=clock&interval=60000&run=lat${n}`;

let latNo = 0;

/** The stage marks of one diagnosis run, as ms since construction (or import start). */
export function installProbes(win, marks, t0ref) {
  const now = () => win.performance.now() - t0ref.t0;
  const first = (name, t = now()) => { if (!(name in marks)) marks[name] = t; };
  const saved = {
    fetch: win.fetch,
    read: win.ReadableStreamDefaultReader.prototype.read,
    setTimeout: win.setTimeout,
    inst: win.WebAssembly.instantiate,
    instS: win.WebAssembly.instantiateStreaming,
  };
  win.fetch = function (...args) {
    // The glue also fetches the wasm: its own marks.
    const u = String(args[0]?.url ?? args[0]);
    const pre = /\.wasm(\?|$)/.test(u) ? 'wasm ' : '';
    first(`${pre}fetch called`);
    const p = saved.fetch.apply(this, args);
    p.then(() => first(`${pre}response headers`), () => first(`${pre}fetch rejected`));
    return p;
  };
  win.ReadableStreamDefaultReader.prototype.read = function (...args) {
    first('first read() called');
    const p = saved.read.apply(this, args);
    p.then((r) => { if (r && !r.done) first('first chunk read'); }, () => {});
    return p;
  };
  win.setTimeout = function (f, ms, ...rest) {
    const k = `setTimeout(${Math.round(Number(ms) || 0)}) called`;
    first(k);
    return saved.setTimeout.call(this, f, ms, ...rest);
  };
  if (saved.instS) {
    win.WebAssembly.instantiateStreaming = function (...args) {
      first('wasm instantiateStreaming called');
      const p = saved.instS.apply(this, args);
      p.then(() => first('wasm instantiated'), () => first('wasm instantiateStreaming failed'));
      return p;
    };
  }
  win.WebAssembly.instantiate = function (...args) {
    first('wasm instantiate called');
    const p = saved.inst.apply(this, args);
    p.then(() => first('wasm instantiated'), () => {});
    return p;
  };
  return () => {
    win.fetch = saved.fetch;
    win.ReadableStreamDefaultReader.prototype.read = saved.read;
    win.setTimeout = saved.setTimeout;
    win.WebAssembly.instantiate = saved.inst;
    if (saved.instS) win.WebAssembly.instantiateStreaming = saved.instS;
  };
}

/** Opens one source and resolves with { ms, marks } at its first event. */
export function firstEvent(open, { win = globalThis, diag = false, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve) => {
    const marks = {};
    const ref = { t0: 0 };
    let closeIt = () => {};
    let restore = null;
    const done = (r) => {
      clearTimeout(timer);
      try { closeIt(); } catch { /* closed */ }
      restore?.();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ms: null, fail: 'timeout', marks }), timeoutMs);
    if (diag) restore = installProbes(win, marks, ref);
    ref.t0 = win.performance.now();
    try {
      closeIt = open(`${LATENCY_URL(++latNo)}`, (ok) => {
        const ms = win.performance.now() - ref.t0;
        marks['first message'] = ms;
        done(ok ? { ms, marks } : { ms: null, fail: 'error before the first message', marks });
      });
      marks['constructor returned'] = win.performance.now() - ref.t0;
    } catch (e) {
      done({ ms: null, fail: String(e?.message ?? e), marks });
    }
  });
}

/** An EventTarget-style opener: `onmessage`, `onerror` → failure. */
export const etOpen = (Ctor) => (url, got) => {
  const es = new Ctor(url);
  let fired = false;
  es.onmessage = () => { if (!fired) { fired = true; got(true); } };
  es.onerror = () => { if (!fired) { fired = true; got(false); } };
  return () => es.close();
};

/** Our iterator path: the first item of `for await`. */
export const iterOpen = (Ctor, iterableOf) => (url, got) => {
  const es = new Ctor(url);
  (async () => {
    try {
      for await (const e of iterableOf(es)) { void e; got(true); break; }
    } catch { got(false); }
  })();
  return () => es.close();
};

// ------------------------------------------------------------------------ cold (iframe)

/**
 * One round in a fresh iframe: `what` = 'ours' (import pkg/index.js, then construct) or
 * 'native'. Resolves with the frame's report { importMs, ms (construction → first
 * message), totalMs (script start → first message), marks }.
 */
export function coldRound(what, diag) {
  return new Promise((resolve) => {
    const frame = document.createElement('iframe');
    const n = ++latNo;
    const onMsg = (e) => {
      if (e.source !== frame.contentWindow || e.data?.type !== 'latency-frame') return;
      window.removeEventListener('message', onMsg);
      clearTimeout(timer);
      frame.remove();
      resolve(e.data);
    };
    const timer = setTimeout(() => {
      window.removeEventListener('message', onMsg);
      frame.remove();
      resolve({ fail: 'timeout' });
    }, 15_000);
    window.addEventListener('message', onMsg);
    frame.style.display = 'none';
    frame.src = new URL(`./latency-frame.html?what=${what}&diag=${diag ? 1 : 0}&url=${encodeURIComponent(LATENCY_URL(`f${n}`))}`, import.meta.url).href;
    document.body.append(frame);
  });
}
