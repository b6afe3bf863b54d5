// Issue #13 in the browser suite: the resume cursor across reloads, and sharing one
// connection between documents (`shared: true`). Each "tab" is a same-origin iframe
// (tests/browser/frame.html) with its own module instance, Web Locks client and
// BroadcastChannel objects, so the tests run wherever the suite runs (Chromium, Firefox,
// WebKit). Removing a frame destroys its document, as closing a tab does. Entries have
// the shape of suite.js's `tests` (suite.js appends them).
import {
  SERVER, w, HANG, newKey, sse, serverLog, streamRequests, until, assert, equal, throws, sleep,
  meteredFetch,
} from './helpers.js';

export const tests = [];
function test(name, fn, options = {}) {
  tests.push({ name: `[NON-SPEC] ${name}`, fn, nonSpec: true, windowOnly: true, module: 'share', ...options });
}

/** A same-origin frame loaded with tests/browser/frame.html, removed after the test. */
async function frame(ctx) {
  const f = document.createElement('iframe');
  f.src = `${SERVER}/tests/browser/frame.html`;
  document.body.append(f);
  ctx.cleanup(() => f.remove());
  await until(() => f.contentWindow?.__ready === true, { what: 'the frame to load' });
  return f;
}

/** Reloads `f` and waits for its new document. */
async function reload(f) {
  f.contentWindow.__ready = false;
  f.contentWindow.location.reload();
  await until(() => f.contentWindow?.__ready === true, { what: 'the frame to reload' });
}

/** A source created in `f`'s document, with its messages recorded. */
function openIn(f, url, init) {
  const source = new f.contentWindow.__EventSource(url, init);
  const seen = [];
  const log = [];
  for (const type of ['open', 'error']) {
    source.addEventListener(type, () => log.push(`${type}:${source.readyState}`));
  }
  source.addEventListener('message', (e) => {
    seen.push({ data: e.data, id: e.lastEventId, origin: e.origin });
  });
  return { source, seen, log, frame: f };
}

/** The `/stream` requests of `key` (waiting for `wait` of them, at most 10 s). */
async function clockRequests(key, wait = 0) {
  for (let i = 0; ; i += 1) {
    const log = await serverLog(key);
    const requests = log.requests.filter((r) => r.path.startsWith('/stream'));
    if (requests.length >= wait || i >= 200) return requests;
    await sleep(50);
  }
}

async function live(key) {
  const response = await fetch(`${SERVER}/live?key=${encodeURIComponent(key)}`);
  return (await response.json()).live;
}

/** The clock stream's event numbers, as seen by one source. */
const numbers = (seen) => seen.map((e) => Number(e.id));

/** Asserts `list` is a run of consecutive integers (no gap, no repeat). */
function consecutive(list, what) {
  for (let i = 1; i < list.length; i += 1) {
    assert(list[i] === list[i - 1] + 1, `${what}: ${list[i - 1]} then ${list[i]} in ${JSON.stringify(list)}`);
  }
}

test('resume: a reload sends the stored last event ID (id-only blocks count); an empty id clears it', async (ctx) => {
  const key = newKey('resume');
  const url = sse({
    key,
    scripts: [
      [w('id: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\n\n'), HANG],
      [w('data: c\n\nid\n\n'), HANG],
      [HANG],
    ],
  });
  const f = await frame(ctx);
  let tab = openIn(f, url, { resume: 'session' });
  await until(() => tab.seen.length === 2 && tab.source.lastEventId === '3', { what: 'a, b and id 3' });
  await reload(f);
  tab = openIn(f, url, { resume: 'session' });
  await until(() => tab.seen.length === 1, { what: 'c' });
  equal(tab.seen[0].id, '3', 'the resumed source starts from the stored id');
  await until(() => tab.source.lastEventId === '', { what: 'the empty id' });
  await reload(f);
  tab = openIn(f, url, { resume: 'session' });
  const requests = await streamRequests(key, { wait: 3 });
  equal(requests.map((r) => r.headers['last-event-id'] ?? null), [null, '3', null]);
  // A source without `resume` never reads the cursor.
  tab.source.close();
});

test('resume: storage that throws (quota, SecurityError) never breaks the source; bad options throw', async (ctx) => {
  const f = await frame(ctx);
  const win = f.contentWindow;
  const ES = win.__EventSource;
  for (const bad of [{ resume: 'cookie' }, { resume: null }, { shared: 1 }, { shared: '' }, { resumeKey: '', resume: 'local' }]) {
    await throws(() => new ES(`${SERVER}/sse`, bad), (e) => assert(e instanceof win.TypeError, `${JSON.stringify(bad)}: ${e}`));
  }
  win.Storage.prototype.setItem = () => { throw new win.DOMException('full', 'QuotaExceededError'); };
  const key = newKey('quota');
  const a = openIn(f, sse({ key, script: [w('id: 7\ndata: a\n\nid: 8\ndata: b\n\n'), HANG] }), { resume: 'local', resumeKey: key });
  Object.defineProperty(win, 'sessionStorage', {
    configurable: true, get() { throw new win.DOMException('denied', 'SecurityError'); },
  });
  const key2 = newKey('denied');
  const b = openIn(f, sse({ key: key2, script: [w('id: 9\ndata: c\n\n'), HANG] }), { resume: 'session' });
  await until(() => a.seen.length === 2 && b.seen.length === 1, { what: 'the events' });
  equal([a.source.readyState, b.source.readyState, a.source.lastEventId, b.source.lastEventId], [1, 1, '8', '9']);
  a.source.close();
  b.source.close();
});

test('shared: three documents, one connection at the server, the same ordered events in each', async (ctx) => {
  const key = newKey('shared');
  const url = `${SERVER}/stream?gen=clock&interval=60&key=${key}`;
  const frames = [await frame(ctx), await frame(ctx), await frame(ctx)];
  const tabs = frames.map((f) => openIn(f, url, { shared: true }));
  await until(() => tabs.every((t) => t.seen.length >= 6), { what: '6 events in every tab', timeout: 10000 });
  equal(await live(key), 1, 'live connections at the server');
  equal((await clockRequests(key)).length, 1, 'requests at the server');
  const leaders = tabs.map((t) => t.frame.contentWindow.__isSharedLeader(t.source));
  equal(leaders.filter(Boolean).length, 1, `one leader (${leaders})`);
  for (const [i, t] of tabs.entries()) {
    consecutive(numbers(t.seen), `tab ${i}`);
    equal([t.source.readyState, t.log[0], t.seen[0].origin], [1, 'open:1', SERVER], `tab ${i}`);
    equal(t.source.lastEventId, t.seen.at(-1).id);
  }
  // The same events: every tab's run ends with the same events as the longest one.
  await sleep(100);
  const last = Math.min(...tabs.map((t) => numbers(t.seen).at(-1)));
  const first = Math.max(...tabs.map((t) => numbers(t.seen)[0]));
  const slice = (t) => t.seen.filter((e) => Number(e.id) >= first && Number(e.id) <= last);
  for (const t of tabs) equal(slice(t), slice(tabs[0]));
  // close() detaches that tab only; the last close ends the connection.
  tabs[2].source.close();
  const before = tabs[0].seen.length;
  await until(() => tabs[0].seen.length >= before + 2, { what: 'events after a follower left' });
  equal(await live(key), 1);
  tabs[0].source.close();
  tabs[1].source.close();
  for (let i = 0; i < 100 && (await live(key)) !== 0; i += 1) await sleep(20);
  equal(await live(key), 0, 'no connection once every tab closed');
});

test('shared: the leader document goes away mid-stream → a follower resumes with the last id; no tab misses or repeats an event', async (ctx) => {
  const key = newKey('handoff');
  const url = `${SERVER}/stream?gen=clock&interval=60&key=${key}`;
  const frames = [await frame(ctx), await frame(ctx), await frame(ctx)];
  const tabs = frames.map((f) => openIn(f, url, { shared: true }));
  await until(() => tabs.every((t) => t.seen.length >= 3), { what: '3 events in every tab', timeout: 10000 });
  const leader = tabs.findIndex((t) => t.frame.contentWindow.__isSharedLeader(t.source));
  assert(leader >= 0, 'a leader');
  const rest = tabs.filter((_, i) => i !== leader);
  tabs[leader].frame.remove();
  const requests = await clockRequests(key, 2);
  equal(requests.length, 2, 'one new connection');
  const resumedFrom = Number(requests[1].headers['last-event-id']);
  const counts = rest.map((t) => t.seen.length);
  await until(() => rest.every((t, i) => t.seen.length >= counts[i] + 4), { what: 'events after the handoff', timeout: 10000 });
  for (const [i, t] of rest.entries()) {
    const ids = numbers(t.seen);
    consecutive(ids, `tab ${i}`);
    assert(ids.includes(resumedFrom) && ids.includes(resumedFrom + 1), `tab ${i} saw ${resumedFrom} and ${resumedFrom + 1}: ${ids}`);
    equal(t.log, ['open:1', 'error:0', 'open:1'], `tab ${i}: the handoff reads as a reconnection`);
    equal(t.source.readyState, 1);
  }
  equal(rest.map((t) => t.frame.contentWindow.__isSharedLeader(t.source)).filter(Boolean).length, 1, 'one new leader');
  equal(await live(key), 1, 'one live connection');
  for (const t of rest) t.source.close();
});

test('shared: after a change of leader, a tab drops the replayed events it has already seen', async (ctx) => {
  const f = await frame(ctx);
  const key = newKey('dedupe');
  const name = `eventsource-wasm:shared:${key}`;
  // This window holds the group's lock and plays the leader over the channel: the frame's
  // source stays a follower (and never connects).
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await new Promise((resolve) => {
    navigator.locks.request(name, () => { resolve(); return held; });
  });
  ctx.cleanup(() => release());
  const channel = new BroadcastChannel(name);
  ctx.cleanup(() => channel.close());
  const hello = new Promise((resolve) => {
    channel.onmessage = (e) => { if (e.data.t === 'hello') resolve(e.data); };
  });
  const tab = openIn(f, sse({ key, script: [HANG] }), { shared: key });
  const { from } = await hello;
  const post = (note) => channel.postMessage({ ...note, from: 'test' });
  const msg = (id) => post({ t: 'msg', type: 'message', data: `d${id}`, id, origin: SERVER });
  post({ t: 'state', to: from, state: 1, open: { status: 200 }, id: '', time: 3000 });
  ['1', '2', '3'].forEach(msg);
  await until(() => tab.seen.length === 3, { what: '3 events' });
  // A new leader that had only seen event 1 replays from there.
  post({ t: 'leader' });
  post({ t: 'open', status: 200 });
  ['2', '3', '4', '5'].forEach(msg);
  await until(() => tab.seen.length >= 5, { what: '5 events' });
  await sleep(100);
  equal(tab.seen.map((e) => e.id), ['1', '2', '3', '4', '5'], 'no event repeated');
  equal(tab.log, ['open:1', 'error:0', 'open:1'], 'the change of leader reads as a reconnection');
  equal((await streamRequests(key)).length, 0, 'a follower never connects');
  tab.source.close();
});

test('shared: a dedicated worker and a window share one connection', async (ctx) => {
  const key = newKey('worker');
  const url = `${SERVER}/stream?gen=clock&interval=60&key=${key}`;
  const worker = new Worker(new URL('./share_worker.js', import.meta.url), { type: 'module' });
  ctx.cleanup(() => worker.terminate());
  const fromWorker = [];
  await new Promise((resolve, reject) => {
    worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
    worker.onmessage = (e) => {
      if (e.data === 'ready') resolve();
      else fromWorker.push(e.data);
    };
  });
  worker.postMessage({ url });
  const source = new ctx.EventSource(url, { shared: true });
  ctx.cleanup(() => source.close());
  const fromWindow = [];
  source.onmessage = (e) => fromWindow.push(Number(e.lastEventId));
  await until(() => fromWorker.length >= 4 && fromWindow.length >= 4, { what: 'events in both' });
  equal(await live(key), 1, 'one connection');
  equal((await clockRequests(key)).length, 1);
  consecutive(fromWorker, 'worker');
  consecutive(fromWindow, 'window');
  source.close();
});

test('shared: comments reach every tab\'s onComment in stream order, whichever tab leads', async (ctx) => {
  const key = newKey('shared-comments');
  const url = sse({ key, script: [w(': first\n\ndata: a\n\n: between\n\ndata: b\n\n'), HANG] });
  const [fa, fb] = [await frame(ctx), await frame(ctx)];
  // Both in one task: B's channel is open before A (first in the lock's queue) leads.
  // The leader has no onComment of its own; the follower's gets the comments relayed.
  const a = openIn(fa, url, { shared: true });
  const logB = [];
  const b = openIn(fb, url, { shared: true, onComment: (text) => logB.push(`c:${text}`) });
  b.source.addEventListener('message', (e) => logB.push(`m:${e.data}`));
  await until(() => logB.length >= 4, { what: 'the follower\'s comments and events' });
  equal([fa.contentWindow.__isSharedLeader(a.source), fb.contentWindow.__isSharedLeader(b.source)], [true, false]);
  equal(logB, ['c:first', 'm:a', 'c:between', 'm:b']);
  equal(a.seen.map((e) => e.data), ['a', 'b']);
  equal((await streamRequests(key)).length, 1, 'one connection');
  a.source.close();
  b.source.close();
});

test('shared: a follower iterates with for await; leaving the loop detaches that tab only', async (ctx) => {
  const key = newKey('iterate');
  const url = `${SERVER}/stream?gen=clock&interval=40&key=${key}`;
  const leader = openIn(await frame(ctx), url, { shared: true });
  await until(() => leader.seen.length >= 1, { what: 'the leader connected' });
  const f = await frame(ctx);
  const follower = new f.contentWindow.__EventSource(url, { shared: true });
  const got = [];
  for await (const event of follower) {
    got.push(event);
    if (got.length === 3) break;
  }
  equal(f.contentWindow.__isSharedLeader(follower), false, 'a follower');
  consecutive(got.map((e) => Number(e.lastEventId)), 'for await');
  equal([got[0].type, got[0].origin, follower.readyState], ['message', SERVER, 2]);
  const before = leader.seen.length;
  await until(() => leader.seen.length >= before + 2, { what: 'the leader streams on' });
  equal([await live(key), leader.source.readyState], [1, 1]);
  leader.source.close();
});

/**
 * Two tabs sharing `/stream?gen=tiny` (`count` events `data: <6 digits>`, then `done`),
 * opened in one task so that A (first in the lock's queue) leads and B follows from the
 * start. A reads through a metered `fetch` in its own realm: `meter.bytes` is how much of
 * the body the group has read.
 */
async function flowPair(ctx, count, initA, initB) {
  const key = newKey('flow');
  const url = `${SERVER}/stream?gen=tiny&count=${count}&key=${key}`;
  const [fa, fb] = [await frame(ctx), await frame(ctx)];
  const meter = meteredFetch(4096, fa.contentWindow);
  const a = openIn(fa, url, { shared: key, fetch: meter.fetch, ...initA });
  const b = openIn(fb, url, { shared: key, ...initB });
  return { a, b, meter, fa, fb };
}

/** Reads `iterator` to the `done` event, checking the events' order; how many messages. */
async function drain(iterator, from) {
  let n = from;
  for (;;) {
    const { value, done } = await iterator.next();
    assert(!done, 'ended before the done event');
    if (value.type === 'done') return n;
    if (n % 5000 === 0) equal(value.data, String(n).padStart(6, '0'), `event ${n}`);
    n += 1;
  }
}

test('shared: a follower\'s stalled for await holds the group\'s reading back (nothing piles up in any tab); then every tab gets every event', async (ctx) => {
  const count = 50000; // 0.7 MB
  const { a, b, meter, fa, fb } = await flowPair(ctx, count, {}, { highWaterMark: 16 });
  const iterator = b.source[Symbol.asyncIterator]();
  const first = await iterator.next();
  equal(first.value.data, '000000');
  await sleep(400);
  const stalled = meter.bytes;
  // 16 queued + the events of a 1 KiB parse step + one 4 KiB piece, and the credit
  // messages in flight: a few KiB, not 0.7 MB.
  assert(stalled <= 24 * 1024, `read ${stalled} bytes while the follower's consumer stalled`);
  assert(a.seen.length <= 2000, `the leader's own listeners got ${a.seen.length} events meanwhile`);
  await sleep(300);
  equal(meter.bytes, stalled, 'no reading while the follower stalls');
  equal(a.log, ['open:1'], 'no error at the leader (its inactivity timer waits too)');
  equal([fa.contentWindow.__isSharedLeader(a.source), fb.contentWindow.__isSharedLeader(b.source)], [true, false]);
  equal(await drain(iterator, 1), count, 'the follower\'s events');
  await until(() => a.seen.length === count, { what: 'every event at the leader' });
  equal(a.seen.map((e) => Number(e.data)).every((v, i) => v === i), true, 'the leader\'s events in order');
  await iterator.return();
  a.source.close();
});

test('shared: the leader\'s own stalled for await holds the group back too', async (ctx) => {
  const count = 20000;
  const { a, b, meter } = await flowPair(ctx, count, { highWaterMark: 8 }, {});
  const iterator = a.source[Symbol.asyncIterator]();
  await iterator.next();
  await sleep(400);
  const stalled = meter.bytes;
  assert(stalled <= 24 * 1024, `read ${stalled} bytes while the leader's consumer stalled`);
  assert(b.seen.length <= 2000, `the follower got ${b.seen.length} events meanwhile`);
  equal(await drain(iterator, 1), count, 'the leader\'s events');
  await until(() => b.seen.length === count, { what: 'every event at the follower' });
  await iterator.return();
  b.source.close();
});

test('shared: a follower that goes away while its consumer stalls no longer holds the group back', async (ctx) => {
  const count = 20000;
  const { a, b, meter, fb } = await flowPair(ctx, count, {}, { highWaterMark: 8 });
  const iterator = b.source[Symbol.asyncIterator]();
  await iterator.next();
  // Longer than one liveness check (1 s), which finds it there: a later check must see
  // it gone.
  await sleep(1500);
  assert(meter.bytes <= 24 * 1024, `read ${meter.bytes} bytes while the follower stalled`);
  // Its document destroyed (a crashed or killed tab: no goodbye over the channel).
  fb.remove();
  await until(() => a.seen.length === count, { what: 'every event at the leader once the follower is gone', timeout: 10000 });
  a.source.close();
});

test('shared: a leader holds back for each tab that holds a tab lock until its credit; a credit bounds it; a withdrawal frees it', async (ctx) => {
  const count = 20000;
  const key = newKey('flow-credit');
  const name = `eventsource-wasm:shared:${key}`;
  // This window plays a follower with a consumer: it holds a tab lock of the group and
  // talks over the channel; the frame's source leads.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await new Promise((resolve) => {
    navigator.locks.request(`eventsource-wasm:tab:test\n${name}`, () => { resolve(); return held; });
  });
  ctx.cleanup(() => release());
  const channel = new BroadcastChannel(name);
  ctx.cleanup(() => channel.close());
  const leader = new Promise((resolve) => {
    channel.onmessage = (e) => { if (e.data.t === 'leader') resolve(e.data.from); };
  });
  const f = await frame(ctx);
  const meter = meteredFetch(4096, f.contentWindow);
  const a = openIn(f, `${SERVER}/stream?gen=tiny&count=${count}&key=${key}`, { shared: key, fetch: meter.fetch });
  const from = await leader;
  await until(() => a.log.includes('open:1'), { what: 'open' });
  await sleep(300);
  equal([meter.bytes, a.seen.length], [0, 0], 'nothing read before the first credit of a tab with a consumer');
  channel.postMessage({ t: 'credit', to: from, limit: 100, from: 'test' });
  await until(() => a.seen.length >= 100, { what: '100 events' });
  await sleep(300);
  // At most one 1 KiB parse step (73 tiny events) past the credit.
  assert(a.seen.length <= 100 + 73, `${a.seen.length} events for a credit of 100`);
  channel.postMessage({ t: 'credit', limit: null, from: 'test' });
  await until(() => a.seen.length === count, { what: 'every event once the tab withdrew' });
  equal(a.seen.map((e) => Number(e.data)).every((v, i) => v === i), true, 'in order');
  a.source.close();
});
