// Shared-worker side of the browser tests (contexts.js): the named tests of the suite.
import { runSuite } from './runner.js';

self.onconnect = (connection) => {
  const [port] = connection.ports;
  port.onmessage = async (event) => {
    try {
      const where = { name: 'runs in a SharedWorkerGlobalScope', ok: self instanceof SharedWorkerGlobalScope, error: null };
      port.postMessage([where, ...await runSuite(event.data)]);
    } catch (error) {
      port.postMessage([{ name: 'suite crashed', ok: false, error: String(error?.stack ?? error) }]);
    }
  };
};
