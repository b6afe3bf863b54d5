// One cold first-event measurement in a fresh realm (an iframe of bench/latency.js):
// ?what=ours — `import('../pkg/index.js')` (the shipped bundle + wasm compile/instantiate), then
// `new EventSource(url)` → first message; ?what=native — `new EventSource(url)` → first
// message. ?diag=1 wraps fetch/read/setTimeout/WebAssembly.instantiate* (this realm only)
// to timestamp the stages. Posts { importMs, ms, totalMs, marks } to the parent.
import { installProbes } from './latency.js';

const q = new URLSearchParams(location.search);
const what = q.get('what');
const url = q.get('url');
const diag = q.get('diag') === '1';
const marks = {};
const ref = { t0: performance.now() };
const restore = diag ? installProbes(window, marks, ref) : null;
const report = (r) => {
  restore?.();
  // Resource timing of what the import fetched (ms since script start): when each module
  // and the wasm had arrived.
  if (diag) {
    for (const e of performance.getEntriesByType('resource')) {
      const m = /\/(js|pkg)\/(?:snippets\/.*\/)?([^/?]+\.(?:js|wasm))(\?|$)/.exec(e.name);
      if (m && e.startTime >= ref.t0) marks[`${m[2]} arrived`] = e.responseEnd - ref.t0;
    }
  }
  parent.postMessage({ type: 'latency-frame', what, marks, ...r }, '*');
};

try {
  let Ctor = window.EventSource;
  let importMs = 0;
  if (what === 'ours') {
    Ctor = (await import('../pkg/index.js')).EventSource;
    importMs = performance.now() - ref.t0;
    marks['import resolved'] = importMs;
  }
  const t1 = performance.now();
  marks['construct'] = t1 - ref.t0;
  const es = new Ctor(url);
  marks['constructor returned'] = performance.now() - ref.t0;
  es.onmessage = () => {
    const t2 = performance.now();
    marks['first message'] = t2 - ref.t0;
    es.close();
    report({ importMs, ms: t2 - t1, totalMs: t2 - ref.t0 });
  };
  es.onerror = () => { es.close(); report({ fail: 'error before the first message' }); };
} catch (e) {
  report({ fail: String(e?.message ?? e) });
}
