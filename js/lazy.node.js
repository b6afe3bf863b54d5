// `eventsource-wasm/lazy` for Node.js and Bun (the "node" export condition): the wasm is
// read from disk (Node's fetch has no file: URLs), so this only defers the main entry.
let loaded = null;

/** Loads the Node entry once and resolves with `{ EventSource, installEventSource }`. */
export function loadEventSource() {
  loaded ??= import('./node.js').then(({ EventSource, installEventSource }) => ({ EventSource, installEventSource }));
  return loaded;
}
