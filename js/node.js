// Package entry for Node.js (the "node" export condition): the same class, with the wasm
// read from disk, since Node's fetch does not load file: URLs.
import { readFileSync } from 'node:fs';
import { initSync, EventSourceCore } from '../pkg/eventsource_wasm.js';
import { eventSourceApi } from './event_source.js';

initSync({ module: readFileSync(new URL('../pkg/eventsource_wasm_bg.wasm', import.meta.url)) });

/** A drop-in `EventSource` that also takes headers, a method, a body and reconnection controls. */
export const { EventSource, installEventSource } = eventSourceApi(EventSourceCore);

export default EventSource;
