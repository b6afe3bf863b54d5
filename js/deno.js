// Package entry for Deno (the "deno" export condition): the same class, with the wasm
// loaded as a Wasm source-phase import, so the module graph brings it in and the program
// needs no read permission (`fetch` of a file: URL and `node:fs` would both ask for
// --allow-read). Only Deno sees this file: the syntax is new to Node, Bun and bundlers.
import source wasm from '../pkg/eventsource_wasm_bg.wasm';
import { initSync, EventSourceCore } from '../pkg/eventsource_wasm.js';
import { eventSourceApi } from './event_source.js';

initSync({ module: wasm });

/** A drop-in `EventSource` that also takes headers, a method, a body and reconnection controls. */
export const { EventSource, installEventSource } = eventSourceApi(EventSourceCore);

export default EventSource;
