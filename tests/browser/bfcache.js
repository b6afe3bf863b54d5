// Page side of tests/browser/bfcache.test.mjs: opens our EventSource on the server's clock
// stream (numbered events that resume after Last-Event-ID) and records, for the driver,
// the message ids, the open/error events with the readyState they saw, and each
// pagehide/pageshow with `persisted` and the readyState at that moment.
import { EventSource, isSharedLeader } from '../../js/index.js';

const params = new URLSearchParams(location.search);
const key = params.get('key') ?? 'bfcache';
const shared = params.get('shared') === '1';
const url = `/stream?gen=clock&interval=100&key=${encodeURIComponent(key)}`;

const source = new EventSource(url, shared ? { shared: true } : undefined);
/** @type {{ ids: number[], events: string[], transitions: string[], hiddenAt: number | null, timeline: string[] }} */
const record = { ids: [], events: [], transitions: [], hiddenAt: null, timeline: [] };
globalThis.__record = record;
/** Whether this page holds the shared connection (tests/browser/shared_pages.test.mjs). */
globalThis.__isLeader = () => isSharedLeader(source);
source.addEventListener('message', (e) => record.ids.push(Number(e.lastEventId)));
for (const type of ['open', 'error']) {
  source.addEventListener(type, (e) => {
    record.events.push(`${type}:${source.readyState}`);
    record.timeline.push(`${type}:${source.readyState}:${/** @type {any} */ (e).phase ?? ''}`);
  });
}
// Registered after the source's own listeners, so these see the state they leave.
addEventListener('pagehide', (e) => {
  record.transitions.push(`pagehide:${e.persisted}:${source.readyState}`);
  record.timeline.push(`pagehide:${e.persisted}:${source.readyState}`);
  record.hiddenAt = record.ids.at(-1) ?? null;
});
addEventListener('pageshow', (e) => {
  record.transitions.push(`pageshow:${e.persisted}:${source.readyState}`);
  record.timeline.push(`pageshow:${e.persisted}:${source.readyState}`);
});
document.addEventListener('visibilitychange', () => record.timeline.push(`visibility:${document.visibilityState}`));
