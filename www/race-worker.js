// One reader of the race, in its own dedicated worker so the three run in parallel on
// separate threads (and the page stays responsive). Told `{ lane, url }`; posts
// `{ count }` about every 50 ms and `{ count, hash, done, ms, error? }` at the end.
import { EventSource } from '../js/index.js';

const NativeEventSource = globalThis.EventSource;
const encoder = new TextEncoder();

/** FNV-1a 32 over the UTF-8 of `s` then a `\n` (the server's `/stream/info` check value). */
function fnvEvent(h, s) {
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      for (const b of encoder.encode(s.slice(i))) h = Math.imul(h ^ b, 0x01000193);
      break;
    }
    h = Math.imul(h ^ c, 0x01000193);
  }
  return Math.imul(h ^ 0x0a, 0x01000193);
}

/** Reads with DOM events (`onmessage`, a `done` listener): the native class or ours. */
const viaEvents = (Ctor) => (url, tally) => new Promise((resolve, reject) => {
  const source = new Ctor(url);
  source.onmessage = (e) => tally(e.data);
  source.addEventListener('done', (e) => { source.close(); resolve(Number(e.data)); });
  source.onerror = () => { source.close(); reject(new Error('connection failed')); };
});

/** Reads ours with `for await`: events go to the iterator, not to listeners. */
async function viaIterator(url, tally) {
  const source = new EventSource(url);
  source.onerror = () => source.close(); // closing ends the loop: reported below
  for await (const { type, data } of source) {
    if (type === 'done') return Number(data); // leaving the loop closes the source
    tally(data);
  }
  throw new Error('connection failed');
}

const READERS = { native: viaEvents(NativeEventSource), dom: viaEvents(EventSource), iter: viaIterator };

onmessage = async ({ data: { lane, url } }) => {
  let count = 0;
  let hash = 0x811c9dc5;
  const start = performance.now();
  let next = start + 50;
  // Progress is posted from the tally too: a reader that keeps the thread busy starves
  // timers, not its own callback.
  const report = () => {
    const now = performance.now();
    if (now >= next) { postMessage({ count, t: now - start }); next = now + 50; }
  };
  const timer = setInterval(report, 50);
  const tally = (text) => {
    count += 1;
    hash = fnvEvent(hash, text);
    if ((count & 1023) === 0) report();
  };
  let done = null;
  let error;
  try {
    done = await READERS[lane](url, tally);
  } catch (e) {
    error = e.message;
  }
  clearInterval(timer);
  postMessage({ count, hash: hash >>> 0, done, ms: performance.now() - start, error, end: true });
};
postMessage({ ready: true });
