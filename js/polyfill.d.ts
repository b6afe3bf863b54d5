/** Side-effect entry: installs this package's class as `globalThis.EventSource`. */
export { EventSource } from './index.js';
