/**
 * Side-effect entry: installs this package's class as `globalThis.EventSource`.
 * Browsers: Chrome/Edge 91+, Firefox 90+, Safari 16.4+.
 */
export { EventSource } from './index.js';
