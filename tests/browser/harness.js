// Page side of the browser tests: runs the suite here or in a module worker and leaves
// the results in `globalThis.__results` for the driver (tests/browser/run.test.mjs).
import { runSuite } from './runner.js';

const params = new URLSearchParams(location.search);
const mode = params.get('mode') ?? 'window';
const impl = params.get('impl') ?? 'ours';
const only = params.get('only') ?? '';
// The engine running the page (chromium, firefox, webkit): selects per-engine skips.
const engine = params.get('engine') ?? 'chromium';
// Also list the tests skipped on this engine (with their reason).
const skipped = params.get('skipped') === '1';
const out = document.getElementById('out');

function finish(results) {
  globalThis.__results = results;
  out.textContent = results.map((r) => `${r.skip ? 'skip' : r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.error ? `\n     ${r.error}` : ''}`).join('\n');
}

if (mode === 'worker') {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (event) => finish(event.data);
  worker.onerror = (event) => finish([{ name: 'worker failed to load', ok: false, error: String(event.message) }]);
  worker.postMessage({ impl, only, context: 'worker', engine, skipped });
} else if (mode === 'shared' || mode === 'service') {
  import('./contexts.js').then(({ runInContext }) => runInContext(mode, { impl, only, engine, skipped })).then(finish, (error) =>
    finish([{ name: 'context crashed', ok: false, error: String(error?.stack ?? error) }]));
} else {
  runSuite({ impl, only, context: 'window', engine, skipped }).then(finish, (error) =>
    finish([{ name: 'suite crashed', ok: false, error: String(error?.stack ?? error) }]));
}
