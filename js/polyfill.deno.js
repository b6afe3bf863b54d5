// `eventsource-wasm/polyfill` in Deno (the "deno" condition): installs the class of the Deno
// entry (no read permission needed), replacing Deno's own `EventSource`.
import { installEventSource } from './deno.js';

export const EventSource = installEventSource();
