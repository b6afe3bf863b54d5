// A dedicated worker that owns the connection and posts each event to the page.
// Start it with: new Worker(new URL('./sse-worker.js', import.meta.url), { type: 'module' })
//
// The package loads its wasm with a top-level await, and a module worker runs its own
// code only once its static imports have loaded: a message posted in the meantime would
// find no handler and be lost. So the handler is installed first and the package is
// imported dynamically.
const loading = import('eventsource-wasm');
let source = null;

self.onmessage = async ({ data: command }) => {
  const { EventSource } = await loading;
  if (command.type === 'open') {
    source?.close();
    source = new EventSource(command.url);
    for (const type of command.types ?? ['message']) {
      source.addEventListener(type, (e) => postMessage({ type: e.type, data: e.data, id: e.lastEventId }));
    }
    source.onerror = () => postMessage({ type: 'error', readyState: source.readyState });
  } else if (command.type === 'close') {
    source?.close();
    source = null;
    postMessage({ type: 'closed' });
  }
};
