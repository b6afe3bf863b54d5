// Package entry without top-level await, for a service worker (which refuses a module
// with top-level await, so it cannot import the main entry) or any code that wants to
// load the wasm core later: `loadEventSource()` loads it once and resolves with the same
// exports as the main entry.
import init, { EventSourceCore } from '../pkg/eventsource_wasm.js';
import { eventSourceApi } from './event_source.js';

let loaded = null;

/**
 * Loads the wasm core (once; later calls share the first load) and resolves with
 * `{ EventSource, installEventSource }`. In a service worker, call it in an event handler
 * (for example `install`, with `event.waitUntil`).
 * @returns {Promise<{ EventSource: typeof import('./index.js').EventSource, installEventSource: typeof import('./index.js').installEventSource }>}
 */
export function loadEventSource() {
  loaded ??= init().then(() => eventSourceApi(EventSourceCore));
  return loaded;
}
