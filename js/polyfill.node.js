// `eventsource-wasm/polyfill` in Node.js and Bun (the "node" condition): installs the class
// of the Node entry, which reads the wasm from disk (Node's fetch does not load file: URLs).
import { installEventSource } from './node.js';

export const EventSource = installEventSource();
