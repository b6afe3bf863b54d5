// Service-worker side of the browser tests (contexts.js): the named tests of the suite.
// A service worker may neither `import()` nor use top-level await, so it cannot load
// js/index.js: it imports the wasm-bindgen glue and the class statically and loads the
// wasm on the first message (the way an application's service worker would).
import init, { EventSourceCore } from '../../pkg/eventsource_wasm.js';
import { eventSourceApi } from '../../js/event_source.js';
import { runSuite } from './runner.js';

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('message', (event) => {
  const [port] = event.ports;
  event.waitUntil((async () => {
    try {
      await init();
      const EventSource = event.data.impl === 'native' ? self.EventSource : eventSourceApi(EventSourceCore).EventSource;
      const where = { name: 'runs in a ServiceWorkerGlobalScope', ok: self instanceof ServiceWorkerGlobalScope, error: null };
      port.postMessage([where, ...await runSuite({ ...event.data, EventSource })]);
    } catch (error) {
      port.postMessage([{ name: 'suite crashed', ok: false, error: String(error?.stack ?? error) }]);
    }
  })());
});
