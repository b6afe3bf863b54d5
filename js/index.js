// Package entry for browsers and bundlers: loads the wasm core once (top-level await, so
// the class is usable as soon as the import resolves) and exports the EventSource class.
import init, { EventSourceCore } from '../pkg/eventsource_wasm.js';
import { eventSourceApi } from './event_source.js';
import { wrapCore } from './features.js';

export { isSharedLeader } from './features.js';

await init();

/** A drop-in `EventSource` that also takes headers, a method, a body and reconnection controls. */
export const { EventSource, installEventSource } = eventSourceApi(EventSourceCore, wrapCore);

export default EventSource;
