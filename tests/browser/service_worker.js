// Service-worker side of the browser tests (contexts.js): the named tests of the suite.
// A service worker may neither `import()` nor use top-level await, so it cannot load the
// main entry (js/index.js): it uses the package's `./lazy` entry (js/lazy.js), which loads
// the wasm on the first message, as an application's service worker would.
import { loadEventSource } from '../../js/lazy.js';
import { runSuite } from './runner.js';

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('message', (event) => {
  const [port] = event.ports;
  event.waitUntil((async () => {
    try {
      const EventSource = event.data.impl === 'native' ? self.EventSource : (await loadEventSource()).EventSource;
      const where = { name: 'runs in a ServiceWorkerGlobalScope', ok: self instanceof ServiceWorkerGlobalScope, error: null };
      port.postMessage([where, ...await runSuite({ ...event.data, EventSource })]);
    } catch (error) {
      port.postMessage([{ name: 'suite crashed', ok: false, error: String(error?.stack ?? error) }]);
    }
  })());
});
