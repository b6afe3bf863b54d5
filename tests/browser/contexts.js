// Shared and service workers for the browser tests (harness.js, ?mode=shared|service): a
// small set of the suite's tests (connect, events, reconnection with Last-Event-ID, a
// network error, close, the CORS rule) run inside each context where the engine has it,
// on our class and on the engine's own EventSource (Chromium 156, Firefox ESR 153 and
// WebKitGTK 2.50 all have one in both contexts).

/** The suite's tests (by name) run in a shared or service worker. */
export const CONTEXT_TESTS = [
  'the request is a GET with Accept: text/event-stream and no Last-Event-ID',
  'open fires with readyState OPEN; the error event is a plain Event',
  'message events carry data, origin, lastEventId and target',
  'named events reach addEventListener only, not onmessage',
  'end of stream reconnects: error with CONNECTING, then Last-Event-ID',
  'a network error mid-body reconnects',
  'close() aborts the connection: the server sees the client go away',
  'close() in the error handler stops the reconnection',
  'a CORS failure (a wrong Access-Control-Allow-Origin) fails the connection',
  'fromReadableStream: url, origin "null", open, events, then error + CLOSED without reconnection',
];

const unavailable = (what) => [{ name: `${what} (not in this engine)`, ok: true, skip: `no ${what} here` }];

/** Runs CONTEXT_TESTS in a new shared worker; resolves with the results. */
async function inSharedWorker(params) {
  if (typeof SharedWorker !== 'function') return unavailable('SharedWorker');
  // A fresh name, so no worker left by an earlier page is reused.
  const worker = new SharedWorker(new URL('./shared_worker.js', import.meta.url), {
    type: 'module', name: `suite-${Date.now()}-${Math.random()}`,
  });
  return new Promise((resolve) => {
    worker.port.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => resolve([{ name: 'shared worker failed to load', ok: false, error: String(event.message ?? event.type) }]);
    worker.port.postMessage(params);
  });
}

/** Waits until `worker` is activated. */
function activated(worker) {
  return new Promise((resolve, reject) => {
    if (worker.state === 'activated') { resolve(); return; }
    worker.addEventListener('statechange', () => {
      if (worker.state === 'activated') resolve();
      if (worker.state === 'redundant') reject(new Error('the service worker became redundant (failed to install)'));
    });
  });
}

/** Registers service_worker.js (a scope of its own), runs CONTEXT_TESTS in it, unregisters. */
async function inServiceWorker(params) {
  if (!('serviceWorker' in navigator)) return unavailable('ServiceWorker');
  const scope = new URL(`./sw-scope-${Date.now()}/`, import.meta.url);
  let registration;
  try {
    registration = await navigator.serviceWorker.register(new URL('./service_worker.js', import.meta.url), { type: 'module', scope });
    const worker = registration.installing ?? registration.waiting ?? registration.active;
    await activated(worker);
    const channel = new MessageChannel();
    const results = new Promise((resolve) => { channel.port1.onmessage = (event) => resolve(event.data); });
    worker.postMessage(params, [channel.port2]);
    return await results;
  } catch (error) {
    return [{ name: 'service worker failed', ok: false, error: String(error?.stack ?? error) }];
  } finally {
    await registration?.unregister();
  }
}

/** Runs the context tests in `mode` ('shared' or 'service'). */
export function runInContext(mode, params) {
  const all = { ...params, context: mode, names: CONTEXT_TESTS };
  return mode === 'shared' ? inSharedWorker(all) : inServiceWorker(all);
}
