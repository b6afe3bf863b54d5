import type { EventSource, installEventSource } from './index.js';

/**
 * Loads the wasm core (once; later calls share the first load) and resolves with the
 * main entry's exports. For a service worker, which refuses the main entry's top-level
 * await: call it in an event handler.
 */
export declare function loadEventSource(): Promise<{
  EventSource: typeof EventSource;
  installEventSource: typeof installEventSource;
}>;
