// Package entry: loads the wasm core once (top-level await, so the class is usable as
// soon as the import resolves) and exports the EventSource class built around it.
import init, { EventSourceCore } from '../pkg/eventsource_wasm.js';
import { defineEventSource } from './event_source.js';

await init();

/** A drop-in `EventSource` that also takes headers, a method, a body and reconnection controls. */
export const EventSource = defineEventSource({
  create: (shell, url, init) => new EventSourceCore(shell, url, init),
  fromStream: (shell, stream, options) => EventSourceCore.fromStream(shell, stream, options),
});

export default EventSource;

/**
 * Sets `globalThis.EventSource` to this package's class (always, or only when the
 * platform has no EventSource) and returns whatever class is installed afterwards.
 * @param {{ onlyIfMissing?: boolean }} [options]
 */
export function installEventSource({ onlyIfMissing = false } = {}) {
  if (!(onlyIfMissing && typeof globalThis.EventSource === 'function')) {
    Object.defineProperty(globalThis, 'EventSource', {
      value: EventSource, writable: true, configurable: true, enumerable: false,
    });
  }
  return globalThis.EventSource;
}
