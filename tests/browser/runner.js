// A tiny test runner for tests/browser/suite.js: sequential tests, each with a timeout,
// results as plain data so they cross a postMessage or page.evaluate.
import { tests } from './suite.js';

const TEST_TIMEOUT_MS = 15000;

export async function runSuite({ impl = 'ours', only = '', context = 'window' } = {}) {
  const EventSource = impl === 'native'
    ? globalThis.EventSource
    : (await import('../../js/index.js')).EventSource;
  const results = [];
  for (const t of tests) {
    if (only && !t.name.includes(only) && t.module !== only) continue;
    if (impl === 'native' && (t.nonSpec || t.notNative)) continue;
    if (t.windowOnly && context !== 'window') continue;
    const cleanups = [];
    const started = performance.now();
    let error = null;
    let timer;
    try {
      await Promise.race([
        t.fn({ EventSource, impl, context, cleanup: (f) => cleanups.push(f) }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS} ms`)), TEST_TIMEOUT_MS);
        }),
      ]);
    } catch (e) {
      error = String(e?.stack ?? e);
    } finally {
      clearTimeout(timer);
      for (const f of cleanups) {
        try { f(); } catch { /* a cleanup must not hide the result */ }
      }
    }
    results.push({ name: t.name, ok: error === null, error, ms: Math.round(performance.now() - started) });
  }
  return results;
}
