// Panel 4: two tabs, one connection. `new EventSource(url, { shared: true })` (issue #13)
// lets same-origin tabs share one connection: a leader tab holds it, the others receive its
// events. This panel feature-detects the option (a build without it ignores unknown
// members, so we check whether the constructor reads `shared` at all) and otherwise says
// that sharing is not available.
//
// Which tab leads: the package's `isSharedLeader(source)` when it exports one, and the
// server's view: every connection attempt sends this tab's name in an `X-Demo-Tab` header
// (a headers function runs in the tab that connects), and the server's request log
// (`/log?key=…`) shows who made the latest request. `/live?key=…` (the server's count of
// live streams per key, added with sharing) shows how many connections are open; where
// the server has no such endpoint the count shows as unknown.
import * as pkg from '../js/index.js';
import { $ } from './util.js';

const params = new URLSearchParams(location.search);
const { EventSource } = pkg;
const KEY = params.get('share-key') || 'demo-shared';
const TAB = Math.random().toString(36).slice(2, 6).toUpperCase();

/** Whether this build's constructor understands `shared` (read without connecting). */
export function sharingSupported() {
  let read = false;
  try {
    const probe = new EventSource('/health', {
      get shared() { read = true; return true; },
      signal: AbortSignal.abort(),
    });
    probe.close();
  } catch {
    return false;
  }
  return read;
}

export function setupShare() {
  const panel = $('share-body');
  if (!sharingSupported()) {
    panel.dataset.available = 'false';
    $('share-unavailable').hidden = false;
    $('share-open').hidden = true;
    return null;
  }
  panel.dataset.available = 'true';
  $('share-stats').hidden = false;
  document.querySelector('#share .diagram').setAttribute('hidden', ''); // the live numbers say it

  $('share-tab').textContent = TAB;
  $('share-open').href = `./?share-key=${encodeURIComponent(KEY)}`;

  let count = 0;
  const source = new EventSource(`/stream?gen=clock&interval=1000&key=${encodeURIComponent(KEY)}`, {
    shared: true,
    headers: () => ({ 'X-Demo-Tab': TAB }),
  });
  source.onmessage = (e) => {
    count += 1;
    $('share-count').textContent = String(count);
    $('share-id').textContent = e.lastEventId;
    panel.dataset.count = String(count);
    panel.dataset.lastId = e.lastEventId;
  };

  // Tabs open on this page, announced over a BroadcastChannel of the demo's own.
  const seen = new Map();
  const channel = new BroadcastChannel(`eventsource-wasm-demo:${KEY}`);
  channel.onmessage = (e) => seen.set(e.data, performance.now());
  addEventListener('pagehide', () => { channel.close(); source.close(); });

  async function poll() {
    channel.postMessage(TAB);
    seen.set(TAB, performance.now());
    for (const [tab, at] of seen) if (performance.now() - at > 3000) seen.delete(tab);
    $('share-tabs').textContent = String(seen.size);
    try {
      const [live, log] = await Promise.all([
        fetch(`/live?key=${encodeURIComponent(KEY)}`).then((r) => (r.ok ? r.json() : { live: null })),
        fetch(`/log?key=${encodeURIComponent(KEY)}`).then((r) => r.json()),
      ]);
      const last = log.requests.filter((r) => r.path.startsWith('/stream')).at(-1);
      const leader = last?.headers['x-demo-tab'];
      const mine = typeof pkg.isSharedLeader === 'function' ? pkg.isSharedLeader(source) : leader === TAB;
      const role = mine ? 'leader' : leader === undefined ? '—' : 'follower';
      $('share-live').textContent = live.live === null ? 'unknown' : String(live.live);
      $('share-role').textContent = role === 'follower' ? `follower of ${leader}` : role;
      $('share-role').className = `role-${role}`;
      panel.dataset.live = live.live === null ? 'unknown' : String(live.live);
      panel.dataset.role = role;
      panel.dataset.leader = mine ? TAB : leader ?? '';
    } catch {
      // The server went away: keep the last values.
    }
  }
  poll();
  setInterval(poll, 1000);
  return { source, tab: TAB, key: KEY };
}
