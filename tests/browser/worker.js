// Worker side of the browser tests: the same suite inside a dedicated worker.
import { runSuite } from './runner.js';

self.onmessage = async (event) => {
  try {
    self.postMessage(await runSuite(event.data));
  } catch (error) {
    self.postMessage([{ name: 'suite crashed', ok: false, error: String(error?.stack ?? error) }]);
  }
};
