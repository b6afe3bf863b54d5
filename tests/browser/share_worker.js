// A dedicated module worker for tests/browser/share.js: opens a shared source on the URL
// it is sent and posts back each message's id.
import { EventSource } from '../../js/index.js';

self.onmessage = (event) => {
  const source = new EventSource(event.data.url, { shared: true });
  source.onmessage = (message) => self.postMessage(Number(message.lastEventId));
};
self.postMessage('ready');
