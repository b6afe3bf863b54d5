// The page's side of sse-worker.js: events arrive as messages; `close()` ends the
// connection (terminating the worker would too).
export function openInWorker(url, types, onEvent) {
  const worker = new Worker(new URL('./sse-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => onEvent(data);
  worker.postMessage({ type: 'open', url, types });
  return {
    close: () => worker.postMessage({ type: 'close' }),
    terminate: () => worker.terminate(),
  };
}
