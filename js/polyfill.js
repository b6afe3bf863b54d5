// Side-effect entry: installs this package's EventSource as `globalThis.EventSource`.
//   import 'eventsource-wasm/polyfill';
// To install it only where the platform has none, call the main entry's helper instead:
//   import { installEventSource } from 'eventsource-wasm';
//   installEventSource({ onlyIfMissing: true });
import { installEventSource } from './index.js';

export const EventSource = installEventSource();
