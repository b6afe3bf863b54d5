// A tiny test runner for tests/browser/suite.js: sequential tests, each with a timeout,
// results as plain data so they cross a postMessage or page.evaluate.
import { tests } from './suite.js';

const TEST_TIMEOUT_MS = 15000;

/**
 * Why `t` does not run here, or null. `notNative` skips it for every native run;
 * `notNativeOn[engine]` only for that engine's native run (the engine's own EventSource
 * departs from the spec); `limitOn[engine]` for our EventSource on that engine (a limit of
 * the engine's fetch that no fetch-based client can get past; its own EventSource still runs it). Each is a reason string.
 */
export function skipReason(t, { impl, context, engine }) {
  if (t.windowOnly && context !== 'window') return 'window only';
  if (impl === 'native' && t.nonSpec) return 'not a spec rule';
  if (impl === 'native' && t.notNative) return t.notNative;
  if (impl === 'native' && t.notNativeOn?.[engine]) return `${engine}: ${t.notNativeOn[engine]}`;
  if (impl !== 'native' && t.limitOn?.[engine]) return `${engine}: ${t.limitOn[engine]}`;
  return null;
}

/**
 * Runs the suite. `names` (optional) keeps only the tests so named; `EventSource` (optional)
 * is the class to test, for a context that cannot import js/index.js (a service worker:
 * no dynamic import, no top-level await).
 */
export async function runSuite({ impl = 'ours', only = '', context = 'window', engine = 'chromium', skipped = false, names = null, EventSource: given = null } = {}) {
  const EventSource = given ?? (impl === 'native'
    ? globalThis.EventSource
    : (await import('../../js/index.js')).EventSource);
  const results = [];
  for (const t of tests) {
    if (only && !t.name.includes(only) && t.module !== only) continue;
    if (names && !names.includes(t.name)) continue;
    const skip = skipReason(t, { impl, context, engine });
    if (skip !== null) {
      // Per-engine skips are reported (as skipped) only when asked, so the Chromium
      // driver's list is unchanged.
      if (skipped && skip.startsWith(`${engine}: `)) results.push({ name: t.name, ok: true, skip });
      continue;
    }
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
      // Firefox and WebKit leave the message out of `stack`.
      const message = String(e);
      const stack = String(e?.stack ?? '');
      error = stack.startsWith(message) ? stack : `${message}\n${stack}`;
    } finally {
      clearTimeout(timer);
      for (const f of cleanups) {
        try { f(); } catch { /* a cleanup must not hide the result */ }
      }
    }
    results.push({ name: t.name, ok: error === null, error, ms: Math.round(performance.now() - started) });
  }
  // A renamed test must not silently drop out of a named set.
  for (const name of names ?? []) {
    if (!tests.some((t) => t.name === name)) results.push({ name, ok: false, error: 'no test has this name (renamed?)' });
  }
  return results;
}
