// The browser conformance suite: one test per rule of WHATWG HTML "Server-sent events"
// (and, tagged [NON-SPEC], per extension), run against the real loopback server by
// tests/browser/run.test.mjs in a window, in a dedicated worker, and (spec tests only)
// against the browser's native EventSource to prove each test encodes native behaviour.
import {
  SERVER, CROSS, enc, w, pause, END, HANG, ABORT, newKey, sse, serverLog, streamRequests,
  sleep, record, until, next, assert, equal, throws, streamOf, errorsOf, stubOnLine,
  meteredFetch,
} from './helpers.js';
import { tests as storms } from './storms.js';
import { tests as faultTests } from './faults.js';
import { tests as hostileTests } from './hostile.js';
import { tests as failureTests } from './failures.js';
import { tests as shareTests } from './share.js';
import { tests as commentTests } from './comments.js';

export const tests = [];
/**
 * @param {string} name
 * @param {(ctx: {EventSource: any, impl: string, context: string, cleanup: Function}) => Promise<void>} fn
 * `notNative`: a reason to skip it against every browser's own EventSource;
 * `notNativeOn: {firefox: 'reason', webkit: 'reason'}`: only against that engine's own
 * EventSource (where the engine departs from the spec); `limitOn: {firefox: 'reason'}`:
 * skipped for our EventSource on that engine (a limit of the engine's fetch that no
 * fetch-based client can get past).
 * @param {{nonSpec?: boolean, notNative?: string, notNativeOn?: Record<string, string>,
 *   limitOn?: Record<string, string>, windowOnly?: boolean}} [options]
 */
function test(name, fn, options = {}) {
  tests.push({ name: options.nonSpec ? `[NON-SPEC] ${name}` : name, fn, ...options });
}

/** Opens a source that is closed after the test whatever happens. */
function open(ctx, url, init) {
  const source = init === undefined ? new ctx.EventSource(url) : new ctx.EventSource(url, init);
  ctx.cleanup(() => source.close());
  return source;
}

const types = (seen) => seen.map((s) => s.type);

/**
 * A comment line: Firefox's fetch hands a response to the page only with its first body
 * byte, so a test that awaits `open` for some other purpose (the request it sent) has the
 * server send one. Tests of `open` before any body byte carry `limitOn.firefox` instead.
 */
const PRIME = w(':\n');

const REDIRECT_ORIGINAL = 'reconnects to the original URL after a redirect (whatwg/html#503)';

// --- The interface ------------------------------------------------------------------

test('is an EventTarget with the IDL constants and attributes', async (ctx) => {
  const { EventSource } = ctx;
  const source = open(ctx, sse({ script: [HANG] }));
  assert(source instanceof EventTarget, 'instanceof EventTarget');
  assert(source instanceof EventSource, 'instanceof EventSource');
  equal([EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED], [0, 1, 2]);
  equal([source.CONNECTING, source.OPEN, source.CLOSED], [0, 1, 2]);
  equal(source.readyState, 0, 'readyState right after construction');
  equal(source.withCredentials, false);
  equal(Object.prototype.toString.call(source), '[object EventSource]');
  for (const name of ['onopen', 'onmessage', 'onerror']) equal(source[name], null, name);
  const desc = Object.getOwnPropertyDescriptor(EventSource, 'OPEN');
  equal([desc.writable, desc.configurable], [false, false], 'constants are read-only');
});

test('url is the URL resolved against the base URL', async (ctx) => {
  const source = open(ctx, '/sse?s=hang&x=%41');
  equal(source.url, `${SERVER}/sse?s=hang&x=%41`);
  const relative = open(ctx, 'sse?s=hang');
  equal(relative.url, new URL('sse?s=hang', self.location.href).href);
});

test('the url argument is stringified like native (toString, not valueOf)', async (ctx) => {
  const source = open(ctx, { toString: () => `${SERVER}/sse?s=hang`, valueOf: () => 'nope' });
  equal(source.url, `${SERVER}/sse?s=hang`);
  const fromUrl = open(ctx, new URL(`${SERVER}/sse?s=hang`));
  equal(fromUrl.url, `${SERVER}/sse?s=hang`);
});

test('an invalid URL throws a SyntaxError DOMException', async (ctx) => {
  await throws(() => new ctx.EventSource('http://[bad'), (e) => {
    assert(e instanceof DOMException, `DOMException, got ${e}`);
    equal(e.name, 'SyntaxError');
  });
});

test('no argument throws a TypeError; a Symbol url throws a TypeError', async (ctx) => {
  await throws(() => new ctx.EventSource(), (e) => assert(e instanceof TypeError, `${e}`));
  await throws(() => new ctx.EventSource(Symbol('x')), (e) => assert(e instanceof TypeError, `${e}`));
});

test('withCredentials reflects the init dictionary', async (ctx) => {
  const source = open(ctx, sse({ script: [HANG] }), { withCredentials: true });
  equal(source.withCredentials, true);
  const falsy = open(ctx, sse({ script: [HANG] }), { withCredentials: 0 });
  equal(falsy.withCredentials, false);
});

// --- Request --------------------------------------------------------------------------

test('the request is a GET with Accept: text/event-stream and no Last-Event-ID', async (ctx) => {
  const key = newKey('request');
  const source = open(ctx, sse({ key, script: [PRIME, HANG] }));
  await next(source, 'open');
  const [request] = await streamRequests(key);
  equal(request.method, 'GET');
  equal(request.headers.accept, 'text/event-stream');
  equal(request.headers['last-event-id'], undefined);
  equal(request.headers['cache-control'], 'no-cache', 'cache mode no-store sends no-cache');
});

test('credentials: same-origin cookies are sent; a credentialed cross-origin stream opens', async (ctx) => {
  const key = newKey('cookie');
  document.cookie = `es-test=${key}; path=/`;
  ctx.cleanup(() => { document.cookie = 'es-test=; path=/; max-age=0'; });
  const same = open(ctx, sse({ key, script: [PRIME, HANG] }));
  await next(same, 'open');
  const credentialed = open(ctx, sse({ key, script: [w('data: x\n\n'), HANG], origin: CROSS }), { withCredentials: true });
  const event = await next(credentialed, 'message');
  equal(event.origin, CROSS);
  const requests = await streamRequests(key);
  equal(requests.length, 2);
  assert((requests[0].headers.cookie ?? '').includes(key), 'same-origin request carries the cookie');
  equal(requests[1].headers.origin, SERVER, 'cross-origin request is a CORS request');
}, { windowOnly: true });

// --- Response checks ----------------------------------------------------------------

for (const status of [204, 201, 299, 404, 500, 503]) {
  test(`status ${status} fails the connection: one error, CLOSED, no reconnection`, async (ctx) => {
    const key = newKey(`status${status}`);
    const source = open(ctx, sse({ key, status, script: [w('data: x\n\n'), END] }));
    const seen = record(source);
    await until(() => seen.length > 0, { what: 'error' });
    await sleep(300);
    equal(types(seen), ['error']);
    equal(seen[0].readyState, 2, 'readyState during error');
    equal(source.readyState, 2);
    equal((await serverLog(key)).count, 1, 'requests made');
  });
}

for (const ctype of ['text/plain', 'none', 'text/event-streamx', 'text/event-stream2']) {
  test(`Content-Type ${ctype} fails the connection`, async (ctx) => {
    const key = newKey('ctype');
    const source = open(ctx, sse({ key, ctype, script: [w('data: x\n\n'), END] }));
    const seen = record(source);
    await until(() => seen.length > 0, { what: 'error' });
    await sleep(300);
    equal(types(seen), ['error']);
    equal(source.readyState, 2);
    equal((await serverLog(key)).count, 1);
  });
}

for (const ctype of ['TEXT/Event-Stream', 'text/event-stream; charset=utf-8', ' text/event-stream ;foo=bar']) {
  test(`Content-Type "${ctype}" is accepted (MIME essence match)`, async (ctx) => {
    const source = open(ctx, sse({ ctype, script: [w('data: é\n\n'), HANG] }));
    const event = await next(source, 'message');
    equal(event.data, 'é');
  });
}

test('the stream is UTF-8 whatever charset the Content-Type claims', async (ctx) => {
  const source = open(ctx, sse({ ctype: 'text/event-stream; charset=windows-1252', script: [w('data: é\n\n'), HANG] }));
  const event = await next(source, 'message');
  equal(event.data, 'é');
}, { notNativeOn: { chromium: 'fails a non-UTF-8 charset; the spec ignores it (WPT format-utf-8)' } });

test('open fires with readyState OPEN; the error event is a plain Event', async (ctx) => {
  const source = open(ctx, sse({ status: 404 }));
  const error = await next(source, 'error');
  assert(!(error instanceof MessageEvent), 'error is not a MessageEvent');
  equal([error.bubbles, error.cancelable], [false, false]);
  equal(error.target, source);
  const ok = open(ctx, sse({ script: [PRIME, HANG] }));
  const seen = record(ok, ['open']);
  await until(() => seen.length === 1);
  equal(seen[0].readyState, 1);
  equal([seen[0].event.bubbles, seen[0].event.cancelable], [false, false]);
});

// --- Events ----------------------------------------------------------------------------

test('message events carry data, origin, lastEventId and target', async (ctx) => {
  const source = open(ctx, sse({ script: [w('id: 1\ndata: a\ndata: b\n\n'), HANG] }));
  const event = await next(source, 'message');
  assert(event instanceof MessageEvent, 'MessageEvent');
  equal(event.data, 'a\nb');
  equal(event.origin, SERVER);
  equal(event.lastEventId, '1');
  equal(event.target, source);
  equal([event.bubbles, event.cancelable], [false, false]);
});

test('lastEventId and reconnectionTime getters (whatwg/html 2026)', async (ctx) => {
  const source = open(ctx, sse({ script: [w('id: 1\nretry: 1234\ndata: a\n\n'), HANG] }));
  equal([source.lastEventId, source.reconnectionTime], ['', 3000]);
  const event = await next(source, 'message');
  equal(event.lastEventId, '1');
  equal([source.lastEventId, source.reconnectionTime], ['1', 1234]);
}, { notNative: 'not shipped in Chromium yet' });

test('named events reach addEventListener only, not onmessage', async (ctx) => {
  const source = open(ctx, sse({ script: [w('event: ping\ndata: 1\n\ndata: 2\n\n'), HANG] }));
  const onmessage = [];
  source.onmessage = (e) => onmessage.push(e.data);
  const pings = [];
  source.addEventListener('ping', (e) => pings.push(e.data));
  await until(() => onmessage.length === 1);
  equal(pings, ['1']);
  equal(onmessage, ['2']);
});

test('onmessage/onopen/onerror are event handler attributes', async (ctx) => {
  const source = open(ctx, sse({ script: [w('data: 1\n\ndata: 2\n\ndata: 3\n\n'), HANG] }));
  const order = [];
  source.addEventListener('message', () => order.push('listener-before'));
  const first = () => order.push('first');
  source.onmessage = first;
  source.addEventListener('message', () => order.push('listener-after'));
  source.onmessage = () => order.push('replaced'); // keeps the first handler's position
  equal(typeof source.onmessage, 'function');
  await until(() => order.length >= 3);
  equal(order.slice(0, 3), ['listener-before', 'replaced', 'listener-after']);
  source.onmessage = null;
  equal(source.onmessage, null);
  source.onmessage = 5; // non-objects are treated as null
  equal(source.onmessage, null);
});

test('close() inside a listener stops the events already parsed from the same chunk', async (ctx) => {
  const source = open(ctx, sse({ script: [w('data: 1\n\ndata: 2\n\ndata: 3\n\n'), HANG] }));
  const seen = [];
  source.onmessage = (e) => { seen.push(e.data); source.close(); };
  const errors = record(source, ['error']);
  await until(() => seen.length === 1);
  await sleep(200);
  equal(seen, ['1']);
  equal(errors.length, 0, 'close() fires no error');
  equal(source.readyState, 2);
});

test('close() aborts the connection: the server sees the client go away', async (ctx) => {
  const key = newKey('abortonclose');
  const source = open(ctx, sse({ key, script: [w('data: x\n\n'), HANG] }));
  await next(source, 'message');
  source.close();
  await sleep(800);
  // /demo/drop closes the key's connections that are still open and says how many.
  const { dropped } = await (await fetch(`${SERVER}/demo/drop?key=${enc(key)}`)).json();
  equal(dropped, 0, 'connections the server still had open after close()');
});

test('close() before open: no open, no error, no events', async (ctx) => {
  const source = open(ctx, sse({ script: [w('data: 1\n\n'), HANG] }));
  const seen = record(source);
  source.close();
  equal(source.readyState, 2);
  await sleep(300);
  equal(seen.length, 0);
});

test('CR, LF and CRLF line endings, also split across chunks', async (ctx) => {
  const source = open(ctx, sse({
    script: [w('data: cr\r\rdata: lf\n\ndata: crlf\r'), pause(30), w('\n\r\n'), pause(30), w('data: x\r'), pause(30), w('\ndata: y\r\n\r\n'), HANG],
  }));
  const seen = record(source, ['message']);
  await until(() => seen.length === 4);
  await sleep(50);
  equal(seen.map((s) => s.data), ['cr', 'lf', 'crlf', 'x\ny']);
});

test('UTF-8 split across chunks, invalid bytes become U+FFFD', async (ctx) => {
  const euro = [0xe2, 0x82, 0xac];
  const source = open(ctx, sse({
    script: [`w:${enc('data: ')}${enc([euro[0]])}`, pause(30), `w:${enc([euro[1]])}`, pause(30),
      `w:${enc([euro[2]])}${enc('\n\n')}`, `w:${enc('data: a')}%FF${enc('b\n\n')}`, HANG],
  }));
  const seen = record(source, ['message']);
  await until(() => seen.length === 2);
  equal(seen.map((s) => s.data), ['€', 'a\uFFFDb']);
});

test('one leading BOM is stripped, a second one is content', async (ctx) => {
  const source = open(ctx, sse({ script: ['w:%EF%BB%BF%EF%BB%BF' + enc('data: 1\n\ndata: 2\n\n'), HANG] }));
  const seen = record(source, ['message']);
  await until(() => seen.length === 1);
  await sleep(100);
  equal(seen.map((s) => s.data), ['2'], 'the first block has field "\\uFEFFdata"');
});

test('a leading BOM split across reads is stripped', async (ctx) => {
  const source = open(ctx, sse({ script: ['w:%EF', pause(50), 'w:%BB%BF', pause(50), w('data: 1\n\n'), HANG] }));
  const event = await next(source, 'message');
  equal(event.data, '1');
}, { notNativeOn: { webkit: 'stalls on a leading BOM split across reads (no event ever)' } });

test('field parsing: one space stripped, no colon, case-sensitive, comments, unknown fields', async (ctx) => {
  const source = open(ctx, sse({
    script: [w(': comment\ndata:  two spaces\n\ndata\n\nData: no\nfoo: bar\ndata:x\n\n'), HANG],
  }));
  const seen = record(source, ['message']);
  await until(() => seen.length === 3);
  equal(seen.map((s) => s.data), [' two spaces', '', 'x']);
});

test('an empty data buffer dispatches nothing; the last event ID is still updated', async (ctx) => {
  const source = open(ctx, sse({ script: [w('id: 5\n\nevent: x\n\n\n\ndata: y\n\n'), HANG] }));
  const seen = record(source, ['message', 'x']);
  await until(() => seen.length === 1);
  equal(seen[0].data, 'y');
  equal(seen[0].lastEventId, '5');
}, { notNativeOn: { firefox: 'sets the last event ID only when it dispatches an event with data' } });

test('id rules: persists, empty resets, a NUL makes the field ignored', async (ctx) => {
  const source = open(ctx, sse({
    script: [w('id: 1\ndata: a\n\ndata: b\n\nid: 2\u0000x\ndata: c\n\nid\ndata: d\n\n'), HANG],
  }));
  const seen = record(source, ['message']);
  await until(() => seen.length === 4);
  equal(seen.map((s) => s.lastEventId), ['1', '1', '1', '']);
}, { notNativeOn: { firefox: 'an id field containing U+0000 drops the whole event (the spec ignores only the field)' } });

test('U+0000 in data is kept', async (ctx) => {
  const source = open(ctx, sse({ script: [w('data: a\u0000b\n\n'), HANG] }));
  const event = await next(source, 'message');
  equal(event.data, 'a\u0000b');
}, { notNativeOn: { firefox: 'strips U+0000 from data' } });

test('an event without a final blank line at end of stream is discarded', async (ctx) => {
  const key = newKey('eof');
  const source = open(ctx, sse({ key, scripts: [[w('retry: 10000\ndata: a\n\ndata: b\n'), END]] }));
  const seen = record(source);
  await until(() => types(seen).includes('error'));
  equal(types(seen), ['open', 'message', 'error']);
  equal(seen[1].data, 'a');
});

// --- Reconnection ---------------------------------------------------------------------

test('end of stream reconnects: error with CONNECTING, then Last-Event-ID', async (ctx) => {
  const key = newKey('reconnect');
  const source = open(ctx, sse({
    key,
    scripts: [[w('retry: 100\nid: 7\ndata: a\n\n'), END], [w('data: b\n\n'), HANG]],
  }));
  const seen = record(source);
  await until(() => seen.filter((s) => s.type === 'message').length === 2);
  equal(types(seen), ['open', 'message', 'error', 'open', 'message']);
  equal(seen[2].readyState, 0, 'readyState during the error');
  equal(seen[4].lastEventId, '7');
  const requests = await streamRequests(key);
  equal(requests.map((r) => r.headers['last-event-id']), [undefined, '7']);
  assert(requests[1].t - requests[0].t >= 90, `waited ${requests[1].t - requests[0].t} ms`);
});

test('retry: sets the reconnection time (and bogus values are ignored)', async (ctx) => {
  const key = newKey('retry');
  const source = open(ctx, sse({
    key,
    scripts: [[w('retry: 700\nretry: 1000x\nretry: +5\nretry: -1\nretry: 1 0\ndata: a\n\n'), END], [HANG]],
  }));
  await next(source, 'error');
  const requests = await streamRequests(key, { wait: 2, timeout: 5000 });
  equal(requests.length, 2);
  const waited = requests[1].t - requests[0].t;
  assert(waited >= 650 && waited < 2500, `reconnected after ${waited} ms`);
}, { notNativeOn: { webkit: 'takes "retry: +5" as 5 ms (the spec ignores a value that is not only ASCII digits)' } });

test('an empty id resets: no Last-Event-ID on reconnection', async (ctx) => {
  const key = newKey('idreset');
  const source = open(ctx, sse({
    key,
    scripts: [[w('retry: 50\nid: 3\ndata: a\n\nid\ndata: b\n\n'), END], [HANG]],
  }));
  await next(source, 'error');
  const requests = await streamRequests(key, { wait: 2, timeout: 5000 });
  equal(requests.map((r) => r.headers['last-event-id']), [undefined, undefined]);
});

test('a non-ASCII id is sent as its UTF-8 bytes', async (ctx) => {
  const key = newKey('utf8id');
  const source = open(ctx, sse({
    key,
    scripts: [[w('retry: 50\nid: é€\ndata: a\n\n'), END], [HANG]],
  }));
  await next(source, 'error');
  const requests = await streamRequests(key, { wait: 2, timeout: 5000 });
  equal(requests[1].headers['last-event-id'], '\u00c3\u00a9\u00e2\u0082\u00ac');
}, { limitOn: { webkit: 'its fetch encodes header values as UTF-8 again: the UTF-8 bytes passed as a ByteString arrive double-encoded (c3 83 c2 a9 …)' } });

test('a network error mid-body reconnects', async (ctx) => {
  const key = newKey('abort');
  const source = open(ctx, sse({
    key,
    scripts: [[w('retry: 50\ndata: a\n\n'), pause(20), ABORT], [w('data: b\n\n'), HANG]],
  }));
  const seen = record(source);
  await until(() => seen.filter((s) => s.type === 'message').length === 2);
  equal(types(seen), ['open', 'message', 'error', 'open', 'message']);
});

test('a network error before any response reestablishes (CONNECTING), it does not fail', async (ctx) => {
  // Nothing listens on port 1: the connection is refused before any response.
  const source = open(ctx, 'http://127.0.0.1:1/unreachable');
  const seen = record(source);
  await until(() => seen.length > 0, { what: 'error' });
  equal(types(seen), ['error']);
  equal(seen[0].readyState, 0, 'readyState during the error');
  equal(source.readyState, 0, 'still CONNECTING: a reconnection is scheduled');
}, {
  notNativeOn: {
    firefox: 'fails (CLOSED) on a port that fetch blocks (port 1 is a bad port): fetch makes that a network error, which reestablishes',
    webkit: 'never fires error on a port that fetch blocks (port 1 is a bad port)',
  },
});

test('close() in the error handler stops the reconnection', async (ctx) => {
  const key = newKey('closeonerror');
  const source = open(ctx, sse({ key, scripts: [[w('retry: 50\ndata: a\n\n'), END], [HANG]] }));
  source.onerror = () => source.close();
  await next(source, 'error');
  await sleep(300);
  equal(source.readyState, 2);
  equal((await serverLog(key)).count, 1);
});

test('a redirect is followed; origin is the final URL\'s; reconnection goes to the final URL', async (ctx) => {
  const key = newKey('redirect');
  const target = sse({ key, origin: SERVER, scripts: [[w('retry: 50\ndata: a\n\n'), END], [w('data: b\n\n'), HANG]] });
  const url = `${SERVER}/redirect?key=${enc(key)}&status=307&to=${enc(target)}`;
  const source = open(ctx, url);
  const seen = record(source, ['message']);
  await until(() => seen.length === 2);
  equal(source.url, url);
  equal(seen[0].origin, SERVER);
  const log = await serverLog(key);
  // whatwg/html#503: the reestablished fetch reuses the request, whose current URL is the
  // redirect target; `url` still reports the original.
  equal(log.requests.filter((r) => r.path.startsWith('/redirect')).length, 1, 'redirects followed');
  equal(log.requests.filter((r) => r.path.startsWith('/sse')).length, 2, 'stream requests');
}, { notNativeOn: { firefox: REDIRECT_ORIGINAL, webkit: REDIRECT_ORIGINAL } });

test('a cross-origin redirect without caller headers: reconnection goes to the final URL', async (ctx) => {
  const key = newKey('xredirect');
  const target = sse({ key, origin: CROSS, scripts: [[w('retry: 50\ndata: a\n\n'), END], [w('data: b\n\n'), HANG]] });
  const source = open(ctx, `${SERVER}/redirect?key=${enc(key)}&status=307&to=${enc(target)}`);
  const seen = record(source, ['message']);
  await until(() => seen.length === 2);
  equal(seen.map((s) => s.origin), [CROSS, CROSS]);
  const log = await serverLog(key);
  equal(log.requests.filter((r) => r.path.startsWith('/redirect')).length, 1, 'redirects followed');
}, { notNative: 'Firefox and WebKit reconnect to the original URL; Chromium and the spec to the final one' });

/** A stream behind a 307 from `SERVER` to `origin`: two connections, events a then b. */
function redirectedStream(key, origin) {
  const target = sse({ key, origin, scripts: [[w('retry: 50\ndata: a\n\n'), END], [w('data: b\n\n'), HANG]] });
  return `${SERVER}/redirect?key=${enc(key)}&status=307&to=${enc(target)}`;
}

for (const [what, init] of [
  ['headers', { headers: { Authorization: 'Bearer secret-token', 'X-Api-Key': 'secret-key' } }],
  ['a headers function', { headers: () => ({ Authorization: 'Bearer secret-token', 'X-Api-Key': 'secret-key' }) }],
  ['credentials: "include"', { withCredentials: true }],
]) {
  test(`caller ${what} never go straight to another origin: after a cross-origin redirect, reconnection goes to the named URL`, async (ctx) => {
    const key = newKey('leak');
    const source = open(ctx, redirectedStream(key, CROSS), init);
    const seen = record(source, ['message']);
    await until(() => seen.length === 2);
    equal(seen.map((s) => s.origin), [CROSS, CROSS]);
    const log = await serverLog(key);
    const redirects = log.requests.filter((r) => r.path.startsWith('/redirect'));
    equal(redirects.length, 2, 'every attempt starts at the named URL');
    if (init.headers) {
      equal(redirects.map((r) => r.headers.authorization), ['Bearer secret-token', 'Bearer secret-token'],
        'the named origin gets the headers');
      const streams = log.requests.filter((r) => r.method !== 'OPTIONS' && r.path.startsWith('/sse'));
      equal(streams.length, 2);
      // fetch drops Authorization on a cross-origin redirect hop; no reconnection may
      // send it there directly.
      equal(streams.map((r) => r.headers.authorization), [undefined, undefined], 'Authorization at the other origin');
    }
  }, { nonSpec: true });
}

test('caller headers follow a same-origin redirect: reconnection goes to the final URL', async (ctx) => {
  const key = newKey('sameredirect');
  const source = open(ctx, redirectedStream(key, SERVER), { headers: { Authorization: 'Bearer t' } });
  const seen = record(source, ['message']);
  await until(() => seen.length === 2);
  const log = await serverLog(key);
  equal(log.requests.filter((r) => r.path.startsWith('/redirect')).length, 1, 'redirects followed');
  const streams = log.requests.filter((r) => r.method !== 'OPTIONS' && r.path.startsWith('/sse'));
  equal(streams.map((r) => r.headers.authorization), ['Bearer t', 'Bearer t']);
}, { nonSpec: true });

// --- fromReadableStream (whatwg/html 2026) ---------------------------------------------

test('fromReadableStream: url, origin "null", open, events, then error + CLOSED without reconnection', async (ctx) => {
  if (typeof ctx.EventSource.fromReadableStream !== 'function') throw new Error('not supported');
  const source = ctx.EventSource.fromReadableStream(streamOf(['da', 'ta: hel', 'lo\n\nid: 42\nretry: 5000\ndata: x\n\n']));
  ctx.cleanup(() => source.close());
  equal([source.url, source.withCredentials, source.readyState], ['about:event-stream', false, 0]);
  assert(source.reconnectionTime > 0, 'reconnectionTime > 0');
  const seen = record(source);
  await until(() => types(seen).includes('error'));
  await sleep(100);
  equal(types(seen), ['open', 'message', 'message', 'error']);
  equal(seen[1].data, 'hello');
  equal(seen[1].origin, 'null');
  equal(seen[3].readyState, 2);
  equal([source.lastEventId, source.reconnectionTime], ['42', 5000]);
}, { notNative: 'not shipped in Chromium yet' });

test('fromReadableStream: a locked stream or a non-stream throws TypeError', async (ctx) => {
  const stream = new ReadableStream();
  stream.getReader();
  await throws(() => ctx.EventSource.fromReadableStream(stream), (e) => assert(e instanceof TypeError, `${e}`));
  await throws(() => ctx.EventSource.fromReadableStream('data: x'), (e) => assert(e instanceof TypeError, `${e}`));
}, { notNative: 'not shipped in Chromium yet' });

test('fromReadableStream: a stream error fires error and closes', async (ctx) => {
  const stream = new ReadableStream({ start(c) { c.error(new Error('boom')); } });
  const source = ctx.EventSource.fromReadableStream(stream);
  const error = await next(source, 'error');
  equal([error.type, source.readyState], ['error', 2]);
}, { notNative: 'not shipped in Chromium yet' });

test('reset() discards a partially received event', async (ctx) => {
  const ts = new TransformStream();
  const writer = ts.writable.getWriter();
  const source = ctx.EventSource.fromReadableStream(ts.readable);
  ctx.cleanup(() => source.close());
  const seen = record(source, ['message']);
  const bytes = (s) => new TextEncoder().encode(s);
  await writer.write(bytes('data: stale\n'));
  await sleep(50);
  source.reset();
  await writer.write(bytes('data: fresh\n\n'));
  await until(() => seen.length === 1);
  equal(seen[0].data, 'fresh');
}, { notNative: 'not shipped in Chromium yet' });

// --- Beyond the native API: request options (issue 5) ------------------------------------

const nonSpec = { nonSpec: true };
const data = (seen) => seen.filter((s) => s.type === 'message').map((s) => s.data);

test('headers: an object, a Headers or pairs are sent; Accept can be overridden', async (ctx) => {
  const key = newKey('headers');
  const inits = [
    { 'X-Token': 'object' },
    new Headers({ 'X-Token': 'headers' }),
    [['X-Token', 'pairs'], ['Accept', 'text/event-stream, application/json']],
  ];
  for (const headers of inits) await next(open(ctx, sse({ key, script: [PRIME, HANG] }), { headers }), 'open');
  const requests = await streamRequests(key);
  equal(requests.map((r) => r.headers['x-token']), ['object', 'headers', 'pairs']);
  equal(requests.map((r) => r.headers.accept),
    ['text/event-stream', 'text/event-stream', 'text/event-stream, application/json']);
}, nonSpec);

test('headers: a function (sync or async) runs before every attempt: the server sees the refreshed token', async (ctx) => {
  for (const async of [false, true]) {
    const key = newKey('headersfn');
    let n = 0;
    const headers = () => {
      n += 1;
      const value = { Authorization: `Bearer token-${n}` };
      return async ? sleep(10).then(() => value) : value;
    };
    const source = open(ctx, sse({ key, scripts: [[w('retry: 30\ndata: a\n\n'), END], [HANG]] }), { headers });
    await next(source, 'error');
    const requests = await streamRequests(key, { wait: 2, timeout: 5000 });
    equal(requests.map((r) => r.headers.authorization), ['Bearer token-1', 'Bearer token-2'], `async ${async}`);
    source.close();
  }
}, nonSpec);

test('method and body: a POST with a string or URLSearchParams body reaches the server', async (ctx) => {
  const source = open(ctx, `${SERVER}/echo`, {
    method: 'POST', body: JSON.stringify({ q: 'é' }), headers: { 'Content-Type': 'application/json' },
  });
  const echo = JSON.parse((await next(source, 'message')).data);
  equal([echo.method, echo.body, echo.headers['content-type']], ['POST', '{"q":"é"}', 'application/json']);
  const form = open(ctx, `${SERVER}/echo`, { method: 'PUT', body: new URLSearchParams({ a: '1', b: 'x y' }) });
  const echoed = JSON.parse((await next(form, 'message')).data);
  equal([echoed.method, echoed.body, echoed.headers['content-type']],
    ['PUT', 'a=1&b=x+y', 'application/x-www-form-urlencoded;charset=UTF-8']);
}, nonSpec);

test('body: a Blob or an ArrayBuffer is sent again on every attempt', async (ctx) => {
  for (const body of [new Blob(['blob-body']), new TextEncoder().encode('bytes-body').buffer]) {
    const key = newKey('bodyreplay');
    const source = open(ctx, sse({ key, scripts: [[w('retry: 30\ndata: a\n\n'), END], [HANG]] }), { method: 'POST', body });
    await next(source, 'error');
    const requests = await streamRequests(key, { wait: 2, timeout: 5000 });
    const expected = body instanceof Blob ? 'blob-body' : 'bytes-body';
    equal(requests.map((r) => r.body), [expected, expected]);
    source.close();
  }
}, nonSpec);

test('body: a function is called for a fresh body before every attempt', async (ctx) => {
  const key = newKey('bodyfn');
  let n = 0;
  const source = open(ctx, sse({ key, scripts: [[w('retry: 30\ndata: a\n\n'), END], [HANG]] }), {
    method: 'POST', body: async () => `attempt-${++n}`,
  });
  await next(source, 'error');
  const requests = await streamRequests(key, { wait: 2, timeout: 5000 });
  equal(requests.map((r) => [r.method, r.body]), [['POST', 'attempt-1'], ['POST', 'attempt-2']]);
  equal(n, 2);
}, nonSpec);

test('bad options throw a TypeError: a ReadableStream body, a GET body, unknown enum values, non-functions', async (ctx) => {
  const url = sse({ script: [HANG] });
  const bad = [
    { method: 'POST', body: new ReadableStream() },
    { body: 'a GET cannot have a body' },
    { method: 'POST', mode: 'navigate' },
    { credentials: 'sometimes' },
    { redirect: 'maybe' },
    { headers: { 'Bad Name': 'x' } },
    { fetch: 'fetch' },
    { onAuthError: true },
    { onComment: 'log' },
    { url: 'https://example.com/' },
    { signal: {} },
    { reconnect: { jitter: 2 } },
    { reconnect: { maxRetries: -1 } },
    { reconnect: { retryOnStatus: [503, 'x'] } },
    { highWaterMark: 0 },
    { maxEventSize: Number.NaN },
    { inactivityTimeout: -5 },
  ];
  for (const init of bad) {
    await throws(() => new ctx.EventSource(url, init), (e) => assert(e instanceof TypeError, `${JSON.stringify(Object.keys(init))}: ${e}`),
      `no exception for ${JSON.stringify(init)}`);
  }
  await throws(() => new ctx.EventSource(url, { method: 'POST', body: new ReadableStream() }),
    (e) => assert(/ReadableStream/.test(e.message) && /function/.test(e.message), e.message));
}, nonSpec);

test('credentials: wins over withCredentials (omit sends no cookie, and withCredentials reads false)', async (ctx) => {
  const key = newKey('credentials');
  document.cookie = `es-cred=${key}; path=/`;
  ctx.cleanup(() => { document.cookie = 'es-cred=; path=/; max-age=0'; });
  const omit = open(ctx, sse({ key, script: [PRIME, HANG] }), { withCredentials: true, credentials: 'omit' });
  equal(omit.withCredentials, false);
  await next(omit, 'open');
  const include = open(ctx, sse({ key, script: [PRIME, HANG] }), { credentials: 'include' });
  equal(include.withCredentials, true);
  await next(include, 'open');
  const requests = await streamRequests(key);
  equal(requests.map((r) => (r.headers.cookie ?? '').includes(key)), [false, true]);
}, { ...nonSpec, windowOnly: true });

test('redirect, mode, referrerPolicy and integrity are passed to fetch', async (ctx) => {
  const key = newKey('passthrough');
  const target = sse({ key, script: [w('data: x\n\n'), HANG] });
  const failures = [
    [`${SERVER}/redirect?status=302&to=${enc(target)}`, { redirect: 'error' }],
    [sse({ key, script: [PRIME, HANG], origin: CROSS }), { mode: 'same-origin' }],
    [sse({ key, script: [w('data: x\n\n'), END] }), { integrity: 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }],
  ];
  for (const [url, init] of failures) {
    const source = open(ctx, url, init);
    const errors = errorsOf(source);
    await next(source, 'error');
    equal([errors[0].phase, source.readyState], ['connect', 0], JSON.stringify(Object.keys(init)));
    source.close();
  }
  const referrer = open(ctx, sse({ key, script: [PRIME, HANG] }), { referrerPolicy: 'no-referrer' });
  await next(referrer, 'open');
  const plain = open(ctx, sse({ key, script: [PRIME, HANG] }), { referrer: '' });
  await next(plain, 'open');
  const control = open(ctx, sse({ key, script: [PRIME, HANG] }));
  await next(control, 'open');
  const requests = (await streamRequests(key)).slice(-3);
  equal(requests.map((r) => r.headers.referer === undefined), [true, true, false], 'Referer sent');
}, nonSpec);

test('keepalive is passed to fetch: a keepalive body over 64 KiB is never sent', async (ctx) => {
  const key = newKey('keepalive');
  const source = open(ctx, sse({ key, script: [PRIME, HANG] }), { method: 'POST', body: 'x'.repeat(70000), keepalive: true });
  const errors = errorsOf(source);
  await next(source, 'error');
  equal([errors[0].phase, source.readyState], ['connect', 0]);
  equal((await serverLog(key)).count, 0, 'the keepalive request exceeding 64 KiB was never sent');
}, { ...nonSpec, limitOn: { firefox: 'its fetch sends a keepalive request over 64 KiB (no inflight keepalive limit), so keepalive cannot be observed' } });

test('fetch: a custom fetch is called with the Request of every attempt', async (ctx) => {
  const key = newKey('customfetch');
  const calls = [];
  const source = open(ctx, sse({ key, scripts: [[w('retry: 30\ndata: a\n\n'), END], [w('data: b\n\n'), HANG]] }), {
    fetch: (request) => {
      assert(request instanceof Request, 'called with a Request');
      calls.push([request.method, request.headers.get('accept'), request.signal instanceof AbortSignal]);
      const headers = new Headers(request.headers);
      headers.set('X-Through', `custom-${calls.length}`);
      return fetch(request.url, { headers, signal: request.signal });
    },
  });
  const seen = record(source, ['message']);
  await until(() => seen.length === 2);
  equal(calls, [['GET', 'text/event-stream', true], ['GET', 'text/event-stream', true]]);
  const requests = await streamRequests(key);
  equal(requests.map((r) => r.headers['x-through']), ['custom-1', 'custom-2']);
}, nonSpec);

test('lastEventId: seeds the cursor, sent as Last-Event-ID from the first request', async (ctx) => {
  const key = newKey('seed');
  const source = open(ctx, sse({ key, scripts: [[w('retry: 30\ndata: a\n\n'), END], [HANG]] }), { lastEventId: 'seed-42' });
  equal(source.lastEventId, 'seed-42');
  const message = await next(source, 'message');
  equal(message.lastEventId, 'seed-42');
  const requests = await streamRequests(key, { wait: 2, timeout: 5000 });
  equal(requests.map((r) => r.headers['last-event-id']), ['seed-42', 'seed-42']);
}, nonSpec);

test('signal: aborting closes the source (no error, no reconnection); an aborted signal closes it at once', async (ctx) => {
  const key = newKey('signal');
  const controller = new AbortController();
  const source = open(ctx, sse({ key, scripts: [[w('retry: 30\ndata: a\n\n'), HANG]] }), { signal: controller.signal });
  const seen = record(source);
  await next(source, 'message');
  controller.abort();
  equal(source.readyState, 2, 'closed synchronously by abort()');
  await sleep(200);
  equal(types(seen), ['open', 'message']);
  equal((await serverLog(key)).count, 1);

  const preKey = newKey('presignal');
  const aborted = open(ctx, sse({ key: preKey, script: [w('data: a\n\n'), HANG] }), { signal: AbortSignal.abort() });
  equal(aborted.readyState, 2);
  const none = record(aborted);
  await sleep(200);
  equal(none.length, 0);
  equal((await serverLog(preKey)).count, 0, 'no request made');
}, nonSpec);

test('close() removes the listeners it added (abort on the signal, online on the global scope)', async (ctx) => {
  const spy = (target) => {
    const added = [];
    const removed = [];
    target.addEventListener = function add(type, listener, options) {
      added.push([type, listener]);
      return EventTarget.prototype.addEventListener.call(this, type, listener, options);
    };
    target.removeEventListener = function remove(type, listener, options) {
      removed.push([type, listener]);
      return EventTarget.prototype.removeEventListener.call(this, type, listener, options);
    };
    ctx.cleanup(() => { delete target.addEventListener; delete target.removeEventListener; });
    return { added, removed };
  };
  const { signal } = new AbortController();
  const onSignal = spy(signal);
  const onGlobal = spy(self);
  ctx.cleanup(stubOnLine({ current: false }));
  const source = open(ctx, sse({ script: [w('retry: 10\ndata: a\n\n'), END] }), { signal });
  await next(source, 'error');
  await sleep(50); // now waiting for `online`
  const online = onGlobal.added.filter(([type]) => type === 'online');
  equal([onSignal.added.length, online.length], [1, 1]);
  source.close();
  equal(onSignal.removed.map(([type]) => type), ['abort']);
  assert(onSignal.removed[0][1] === onSignal.added[0][1], 'the same abort listener');
  assert(onGlobal.removed.some(([type, listener]) => type === 'online' && listener === online[0][1]), 'online listener removed');
}, nonSpec);

// --- Beyond the native API: numeric options, converted like WebIDL -----------------------

/** The TypeError message of `init`, or null when the constructor accepts it. */
function constructError(ctx, init) {
  try {
    open(ctx, sse({ script: [HANG] }), init).close();
    return null;
  } catch (error) {
    if (!(error instanceof TypeError)) throw new Error(`not a TypeError for ${String(Object.keys(init))}: ${error}`);
    return error.message;
  }
}

test('numeric options: ToNumber like WebIDL (numeric strings, valueOf), fractions truncated toward zero', async (ctx) => {
  const ms = (value) => open(ctx, sse({ script: [HANG] }), { reconnect: { initialDelay: value } }).reconnectionTime;
  equal([ms('1234'), ms(' 42 '), ms({ valueOf: () => 50.9 }), ms(7.99), ms(-0.5), ms(null), ms(true), ms('')],
    [1234, 42, 50, 7, 0, 0, 1, 0], 'reconnect.initialDelay via the reconnectionTime getter');
  const accepted = [
    { inactivityTimeout: '250' }, { inactivityTimeout: { valueOf: () => 250 } }, { inactivityTimeout: 0 },
    { maxEventSize: '100' }, { maxEventSize: 1 }, { maxEventSize: 2 ** 53 - 1 },
    { highWaterMark: '8' }, { highWaterMark: 1.9 }, { highWaterMark: 2 ** 32 - 1 },
    { reconnect: { maxDelay: '1000', retryAfterCap: { valueOf: () => 10 }, multiplier: '2.5', jitter: '0.5' } },
    { reconnect: { multiplier: 0, jitter: 1 } },
    { reconnect: { maxRetries: Infinity } }, { reconnect: { maxRetries: 'Infinity' } }, { reconnect: { maxRetries: '3' } },
    { reconnect: { maxRetries: 2.9 } }, { reconnect: { maxRetries: 2 ** 32 - 1 } },
    { reconnect: { retryOnStatus: ['503', 429.9, { valueOf: () => 502 }] } }, { reconnect: { retryOnStatus: new Set([503]) } },
    { reconnect: { retryOnStatus: [100, 599] } }, { reconnect: null },
  ];
  for (const init of accepted) equal(constructError(ctx, init), null, JSON.stringify(init));
}, nonSpec);

test('numeric options: NaN, ±Infinity, out of range, Symbol and BigInt throw the platform\'s TypeError', async (ctx) => {
  const prefix = "Failed to construct 'EventSource': Failed to read the 'inactivityTimeout' property from 'EventSourceInit': ";
  const messages = [
    [{ inactivityTimeout: Number.NaN }, `${prefix}Value is not of type 'unsigned long long'.`],
    [{ inactivityTimeout: 'ten' }, `${prefix}Value is not of type 'unsigned long long'.`],
    [{ inactivityTimeout: {} }, `${prefix}Value is not of type 'unsigned long long'.`],
    [{ inactivityTimeout: Infinity }, `${prefix}Value is infinite and not of type 'unsigned long long'.`],
    [{ inactivityTimeout: -Infinity }, `${prefix}Value is infinite and not of type 'unsigned long long'.`],
    [{ inactivityTimeout: -1 }, `${prefix}Value is outside the 'unsigned long long' value range.`],
    [{ inactivityTimeout: 2 ** 53 }, `${prefix}Value is outside the 'unsigned long long' value range.`],
  ];
  for (const [init, message] of messages) equal(constructError(ctx, init), message, String(init.inactivityTimeout));
  // ToNumber's own TypeError.
  assert(/symbol/i.test(constructError(ctx, { inactivityTimeout: Symbol('x') })), 'a Symbol');
  assert(/bigint/i.test(constructError(ctx, { inactivityTimeout: 10n })), 'a BigInt');
  equal(constructError(ctx, { highWaterMark: 0 }),
    "Failed to construct 'EventSource': Failed to read the 'highWaterMark' property from 'EventSourceInit': The value must be at least 1.");
  const rejected = [
    { maxEventSize: 0 }, { maxEventSize: 0.5 }, { maxEventSize: Number.NaN }, { maxEventSize: Infinity },
    { highWaterMark: 0 }, { highWaterMark: 0.5 }, { highWaterMark: 2 ** 32 }, { highWaterMark: -1 }, { highWaterMark: '' },
    { reconnect: { initialDelay: -1 } }, { reconnect: { initialDelay: Infinity } }, { reconnect: { maxDelay: Number.NaN } },
    { reconnect: { retryAfterCap: -5 } }, { reconnect: { retryAfterCap: Infinity } },
    { reconnect: { multiplier: -1 } }, { reconnect: { multiplier: Infinity } }, { reconnect: { multiplier: Number.NaN } },
    { reconnect: { jitter: 1.5 } }, { reconnect: { jitter: -0.1 } }, { reconnect: { jitter: Number.NaN } },
    { reconnect: { maxRetries: -1 } }, { reconnect: { maxRetries: Number.NaN } }, { reconnect: { maxRetries: -Infinity } },
    { reconnect: { maxRetries: 2 ** 32 } },
    { reconnect: { retryOnStatus: '503' } }, { reconnect: { retryOnStatus: 503 } }, { reconnect: { retryOnStatus: { 0: 503, length: 1 } } },
    { reconnect: { retryOnStatus: [99] } }, { reconnect: { retryOnStatus: [600] } }, { reconnect: { retryOnStatus: [Number.NaN] } },
    { reconnect: 5 },
  ];
  for (const init of rejected) assert(constructError(ctx, init) !== null, `no TypeError for ${JSON.stringify(init)} (${String(Object.values(init))})`);
  equal(constructError(ctx, { reconnect: { jitter: Number.NaN } }),
    "Failed to construct 'EventSource': Failed to read the 'reconnect' property from 'EventSourceInit': Failed to read the 'jitter' property from 'ReconnectOptions': The provided double value is non-finite.");
  // A valueOf that throws propagates as it is.
  const mine = new Error('mine');
  await throws(() => new ctx.EventSource(sse({ script: [HANG] }), { maxEventSize: { valueOf() { throw mine; } } }),
    (e) => assert(e === mine, `${e}`));
}, nonSpec);

test('inactivityTimeout: 0.5 truncates to 0, which is off (the stream is not aborted); "300" is 300 ms', async (ctx) => {
  const key = newKey('halfms');
  const source = open(ctx, sse({ key, script: [w('retry: 30\ndata: a\n\n'), HANG] }), { inactivityTimeout: 0.5 });
  const errors = errorsOf(source);
  await next(source, 'message');
  await sleep(300);
  equal([errors.length, source.readyState], [0, 1], 'no timeout, still OPEN');
  equal((await serverLog(key)).count, 1);

  for (const inactivityTimeout of ['300', { valueOf: () => 300.7 }]) {
    // Timed from the construction, which precedes the last chunk, so 300 ms is a hard lower
    // bound (from the message event it was not: a loaded machine delays that event).
    const t = performance.now();
    const timed = open(ctx, sse({ script: [w('retry: 5000\ndata: a\n\n'), HANG] }), { inactivityTimeout });
    const timedErrors = errorsOf(timed);
    await next(timed, 'message');
    await until(() => timedErrors.length > 0, { what: 'the timeout' });
    const after = timedErrors[0].t - t;
    equal(timedErrors[0].phase, 'timeout');
    assert(after >= 300 && after < 3000, `timed out ${after} ms after the construction`);
    timed.close();
  }
}, nonSpec);

test('numeric options reach their own setting: maxEventSize "100", maxRetries "0", retryAfterCap caps Retry-After', async (ctx) => {
  const big = ctx.EventSource.fromReadableStream(streamOf([`data: small\n\ndata: ${'x'.repeat(300)}\n\n`]), { maxEventSize: '100' });
  ctx.cleanup(() => big.close());
  const seen = record(big);
  const bigErrors = errorsOf(big);
  await until(() => big.readyState === 2, { what: 'CLOSED' });
  equal(data(seen), ['small']);
  equal(bigErrors[0].phase, 'parse-limit');

  const key = newKey('maxretries0');
  const once = open(ctx, sse({ key, script: [w('retry: 30\ndata: a\n\n'), END] }), { reconnect: { maxRetries: '0' } });
  const onceErrors = errorsOf(once);
  await until(() => once.readyState === 2, { what: 'CLOSED' });
  equal(onceErrors.map((e) => e.willRetry), [false]);

  const capped = open(ctx, sse({ status: 503, headers: ['Retry-After:2'] }), {
    reconnect: { retryOnStatus: ['503'], retryAfterCap: { valueOf: () => 100.9 }, initialDelay: 3000 },
  });
  const cappedErrors = errorsOf(capped);
  await until(() => cappedErrors.length > 0, { what: 'the 503' });
  equal([cappedErrors[0].status, cappedErrors[0].willRetry, cappedErrors[0].delay], [503, true, 100]);
}, nonSpec);

test('the init dictionary is read in lexicographic order, each member converted before the next is read', async (ctx) => {
  const log = [];
  const init = {};
  const values = {
    highWaterMark: 8, inactivityTimeout: 1000, maxEventSize: 1000, lastEventId: 'x', withCredentials: false,
    waitForOnline: true, finite: false, keepalive: false, method: 'GET', mode: 'cors', redirect: 'follow',
    referrer: '', referrerPolicy: 'no-referrer', integrity: '', credentials: 'same-origin', body: null,
    headers: {}, fetch: (r) => fetch(r), onAuthError: () => {}, signal: new AbortController().signal,
    reconnect: { initialDelay: 100, jitter: 0, maxDelay: 1000, maxRetries: 1, multiplier: 1, retryAfterCap: 10, retryOnStatus: [] },
  };
  const numeric = new Set(['highWaterMark', 'inactivityTimeout', 'maxEventSize', 'initialDelay', 'maxDelay', 'maxRetries', 'multiplier', 'jitter', 'retryAfterCap']);
  const watch = (target, source) => {
    for (const [name, value] of Object.entries(source)) {
      Object.defineProperty(target, name, {
        enumerable: true,
        get() {
          log.push(name);
          if (numeric.has(name)) return { valueOf() { log.push(`${name}.valueOf`); return value; } };
          if (name === 'reconnect') return watch({}, value);
          return value;
        },
      });
    }
    return target;
  };
  open(ctx, sse({ script: [HANG] }), watch(init, values));
  const expected = [];
  for (const name of Object.keys(values).sort()) {
    expected.push(name);
    if (numeric.has(name)) expected.push(`${name}.valueOf`);
    if (name === 'reconnect') {
      for (const inner of Object.keys(values.reconnect).sort()) {
        expected.push(inner);
        if (numeric.has(inner)) expected.push(`${inner}.valueOf`);
      }
    }
  }
  equal(log, expected);
}, nonSpec);

// --- Beyond the native API: reconnection policy -------------------------------------------

test('reconnect: backoff delays grow with the multiplier (measured by the server)', async (ctx) => {
  const key = newKey('backoff');
  // Each connection opens and ends without a byte: never healthy, so the backoff grows.
  const source = open(ctx, sse({ key, script: [END] }), { reconnect: { initialDelay: 100, multiplier: 2, maxDelay: 1000 } });
  const errors = errorsOf(source);
  const requests = await streamRequests(key, { wait: 4, timeout: 5000 });
  source.close();
  equal(errors.slice(0, 3).map((e) => e.delay), [100, 200, 400]);
  const gaps = requests.slice(1, 4).map((r, i) => r.t - requests[i].t);
  assert(gaps[0] >= 90 && gaps[1] >= 190 && gaps[2] >= 390, `gaps ${gaps}`);
  assert(gaps[2] > gaps[0] * 2.5, `gaps grow: ${gaps}`);
}, nonSpec);

test('reconnect: maxRetries gives up: error with willRetry false, CLOSED', async (ctx) => {
  const key = newKey('maxretries');
  const source = open(ctx, sse({ key, script: [END] }), { reconnect: { initialDelay: 30, maxRetries: 2 } });
  const errors = errorsOf(source);
  await until(() => source.readyState === 2, { what: 'CLOSED' });
  await sleep(200);
  equal(errors.map((e) => [e.willRetry, e.attempt]), [[true, 1], [true, 2], [false, 3]]);
  equal((await serverLog(key)).count, 3);
}, nonSpec);

test('reconnect: retryOnStatus 503 honours Retry-After: 2 (reconnects after ~2 s)', async (ctx) => {
  const key = newKey('retryafter');
  const source = open(ctx, sse({ key, status: 503, headers: ['Retry-After:2'] }), {
    // Without Retry-After the reconnection would come after 100 ms.
    reconnect: { retryOnStatus: [503], initialDelay: 100 },
  });
  const errors = errorsOf(source);
  const requests = await streamRequests(key, { wait: 2, timeout: 6000 });
  source.close();
  equal(requests.length, 2);
  const waited = requests[1].t - requests[0].t;
  assert(waited >= 1800 && waited < 4000, `reconnected after ${waited} ms`);
  equal([errors[0].phase, errors[0].status, errors[0].willRetry, errors[0].delay, errors[0].readyState],
    ['response', 503, true, 2000, 0]);
}, nonSpec);

test('onAuthError: on 401 the hook is awaited, then the source reconnects at once keeping Last-Event-ID', async (ctx) => {
  const key = newKey('auth');
  const ok = sse({ key, scripts: [[w('id: 7\ndata: a\n\n'), END], [HANG], [w('data: b\n\n'), HANG]] });
  const unauthorized = sse({ key, status: 401 });
  let attempts = 0;
  const hook = [];
  const source = open(ctx, ok, {
    reconnect: { initialDelay: 600 },
    // The second attempt is answered 401 by the server (its URL asks for it).
    fetch: (request) => {
      attempts += 1;
      return attempts === 2 ? fetch(unauthorized, { headers: request.headers, signal: request.signal }) : fetch(request);
    },
    onAuthError: async (info) => {
      hook.push({ ...info, t: performance.now() });
      await sleep(100);
    },
  });
  const errors = errorsOf(source);
  const seen = record(source, ['message']);
  await until(() => seen.length === 2, { what: 'the message after the refresh' });
  equal(hook.map((h) => h.status), [401]);
  equal(errors.map((e) => [e.phase, e.status, e.willRetry]), [['body', null, true], ['auth', 401, true]]);
  const requests = await streamRequests(key);
  equal(requests.map((r) => r.headers['last-event-id']), [undefined, '7', '7']);
  const gap = requests[2].t - requests[1].t;
  assert(gap >= 90 && gap < 500, `reconnected ${gap} ms after the 401 (hook 100 ms, backoff 600 ms)`);
}, nonSpec);

test('onAuthError: a hook that throws fails the source (phase auth)', async (ctx) => {
  const key = newKey('authfail');
  const source = open(ctx, sse({ key, status: 403 }), { onAuthError: () => { throw new Error('no token'); } });
  const errors = errorsOf(source);
  await until(() => source.readyState === 2, { what: 'CLOSED' });
  await sleep(100);
  equal(errors.map((e) => [e.phase, e.status, e.willRetry]), [['auth', 403, true], ['auth', 403, false]]);
  equal((await serverLog(key)).count, 1);
}, nonSpec);

test('inactivityTimeout: a stalled stream is aborted and reconnected; comments keep it alive', async (ctx) => {
  const key = newKey('inactivity');
  // Heartbeats 100 ms apart against a 600 ms timeout: a loaded machine may stretch a gap
  // by 500 ms before the timeout fires early (it was 150 ms, and flaked). Without the
  // heartbeats resetting it the timeout would fire ~600 ms after opening, not 900.
  const heartbeat = [w('retry: 30\n:\n'), pause(100), w(':\n'), pause(100), w(':\n'), pause(100), w(':\n'), HANG];
  const source = open(ctx, sse({ key, scripts: [heartbeat, [w('data: again\n\n'), HANG]] }), { inactivityTimeout: 600 });
  const opened = performance.now();
  const errors = errorsOf(source);
  const message = await next(source, 'message', { timeout: 5000 });
  equal(message.data, 'again');
  equal([errors.length, errors[0].phase, errors[0].willRetry], [1, 'timeout', true]);
  const after = errors[0].t - opened;
  assert(after >= 850 && after < 4000, `timed out ${after} ms after opening (heartbeats for 300 ms, then 600 ms idle)`);
  equal((await serverLog(key)).count, 2);
}, nonSpec);

test('finite: a clean end closes instead of reconnecting; a network error still reconnects', async (ctx) => {
  const key = newKey('finite');
  const source = open(ctx, sse({ key, script: [w('retry: 30\ndata: a\n\n'), END] }), { finite: true });
  const seen = record(source);
  const errors = errorsOf(source);
  await until(() => source.readyState === 2, { what: 'CLOSED' });
  await sleep(200);
  equal(types(seen), ['open', 'message', 'error']);
  equal([errors[0].phase, errors[0].willRetry], ['body', false]);
  equal((await serverLog(key)).count, 1);

  const dropKey = newKey('finitedrop');
  const dropped = open(ctx, sse({ key: dropKey, scripts: [[w('retry: 30\ndata: a\n\n'), pause(20), ABORT], [w('data: b\n\n'), END]] }), { finite: true });
  const seenDropped = record(dropped, ['message']);
  await until(() => dropped.readyState === 2, { what: 'CLOSED after the second connection' });
  equal(data(seenDropped), ['a', 'b']);
}, { ...nonSpec, limitOn: { webkit: 'its fetch ends the body cleanly when the connection closes inside a chunked body (no last chunk), so that drop reads as a clean end' } });

test('waitForOnline: while navigator.onLine is false, waits for the online event, then reconnects at once', async (ctx) => {
  const online = { current: false };
  ctx.cleanup(stubOnLine(online));
  const key = newKey('offline');
  const calls = [];
  const source = open(ctx, sse({ key, scripts: [[w('retry: 30\ndata: a\n\n'), END], [w('data: b\n\n'), HANG]] }), {
    fetch: (request) => { calls.push(request.url); return fetch(request); },
  });
  const controlKey = newKey('offlinecontrol');
  const control = open(ctx, sse({ key: controlKey, scripts: [[w('retry: 30\ndata: a\n\n'), END], [HANG]] }), { waitForOnline: false });
  await next(source, 'error');
  await sleep(400);
  equal((await serverLog(key)).count, 1, 'no reconnection while offline');
  equal((await serverLog(controlKey)).count, 2, 'waitForOnline: false reconnects anyway');
  online.current = true;
  const reconnected = next(source, 'message');
  self.dispatchEvent(new Event('online'));
  // "At once" as an order, not a time bound (300 ms flaked under load): the event itself
  // starts the reconnection, before a 10 ms timer set right after it (a sleep of the
  // 30 ms reconnection time or a poll would come after).
  await sleep(10);
  equal(calls.length, 2, 'fetch calls 10 ms after the online event');
  await reconnected;
  equal((await serverLog(key)).count, 2);
  control.close();
}, nonSpec);

test('maxEventSize: an event over the limit fails the source with phase parse-limit', async (ctx) => {
  const key = newKey('maxsize');
  const source = open(ctx, sse({ key, script: [w(`retry: 30\ndata: small\n\ndata: ${'x'.repeat(300)}\n\n`), HANG] }), { maxEventSize: 100 });
  const seen = record(source);
  const errors = errorsOf(source);
  await until(() => source.readyState === 2, { what: 'CLOSED' });
  await sleep(200);
  equal(types(seen), ['open', 'message', 'error']);
  equal(seen[1].data, 'small');
  equal([errors[0].phase, errors[0].willRetry], ['parse-limit', false]);
  equal((await serverLog(key)).count, 1);
}, nonSpec);

// --- Beyond the native API: for await / stream() -------------------------------------------

test('for await: yields every event as {type, data, lastEventId, origin}, skips listeners, ends on close()', async (ctx) => {
  const source = open(ctx, sse({ script: [w('id: 1\ndata: a\n\nevent: ping\ndata: b\n\n'), pause(50), w('data: c\n\n'), HANG] }));
  const dom = record(source, ['open', 'message', 'ping']);
  const events = [];
  for await (const event of source) {
    events.push(event);
    if (events.length === 3) source.close();
  }
  equal(events, [
    { type: 'message', data: 'a', lastEventId: '1', origin: SERVER },
    { type: 'ping', data: 'b', lastEventId: '1', origin: SERVER },
    { type: 'message', data: 'c', lastEventId: '1', origin: SERVER },
  ]);
  equal(types(dom), ['open'], 'message listeners get nothing while iterated; open still fires');
}, nonSpec);

test('for await: break closes the source; a finite stream completes the loop; a failure throws', async (ctx) => {
  const key = newKey('iterbreak');
  const source = open(ctx, sse({ key, script: [w('data: a\n\ndata: b\n\n'), HANG] }));
  for await (const event of source) {
    equal(event.data, 'a');
    break;
  }
  equal(source.readyState, 2, 'break closed the source');

  const finite = open(ctx, sse({ script: [w('data: a\n\ndata: b\n\n'), END] }), { finite: true });
  const received = [];
  for await (const event of finite) received.push(event.data);
  equal(received, ['a', 'b']);

  const failing = open(ctx, sse({ script: [w('retry: 30\ndata: a\n\n'), END] }), { reconnect: { maxRetries: 0 } });
  const before = [];
  await throws(async () => { for await (const event of failing) before.push(event.data); }, (e) => {
    assert(e instanceof Error, `${e}`);
    equal([e.phase, e.willRetry], ['body', false]);
  });
  equal(before, ['a'], 'queued events are delivered before the failure');
  const notFound = open(ctx, sse({ status: 404 }));
  await throws(async () => { for await (const event of notFound) throw new Error(`unexpected ${event.data}`); },
    (e) => equal([e.phase, e.status, /404/.test(e.message)], ['response', 404, true]));
}, nonSpec);

test('stream(): a ReadableStream of events; one consumer at a time; cancel() closes the source', async (ctx) => {
  const source = open(ctx, sse({ script: [w('data: a\n\n'), HANG] }));
  const stream = source.stream();
  assert(stream instanceof ReadableStream, 'a ReadableStream');
  await throws(() => source.stream(), (e) => assert(e instanceof TypeError, `${e}`));
  const reader = stream.getReader();
  const { value } = await reader.read();
  equal([value.type, value.data], ['message', 'a']);
  await reader.cancel();
  equal(source.readyState, 2);
  const { done } = await source.stream().getReader().read();
  equal(done, true, 'a closed source gives an empty stream');
}, nonSpec);

test('for await: backpressure stops reading the body while the consumer stalls, then resumes', async (ctx) => {
  const count = 200000; // 2.8 MB of `data: 000042\n\n`
  const meter = meteredFetch(4096);
  const source = open(ctx, `${SERVER}/stream?gen=tiny&count=${count}`, {
    fetch: meter.fetch, highWaterMark: 16, inactivityTimeout: 300,
  });
  const errors = errorsOf(source);
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  equal(first.value.data, '000000');
  await sleep(400);
  const stalled = meter.bytes;
  // highWaterMark 16 + at most 1 KiB of events + one 4 KiB piece: a few KiB, not 2.8 MB.
  assert(stalled <= 16 * 1024, `read ${stalled} bytes while the consumer stalled`);
  await sleep(200);
  equal(meter.bytes, stalled, 'no reading while stalled');
  equal(errors.length, 0, 'the inactivity timer is paused while the consumer stalls');
  let n = 1;
  for (;;) {
    const { value, done } = await iterator.next();
    assert(!done, 'ended before the done event');
    if (value.type === 'done') break;
    if (n % 50000 === 0) equal(value.data, String(n).padStart(6, '0'));
    n += 1;
  }
  equal(n, count);
  await iterator.return();
  equal(source.readyState, 2);
  assert(meter.bytes >= count * 14, `read ${meter.bytes} bytes in the end`);
}, nonSpec);

test('fromReadableStream + for await: the source is pulled only as the queue needs', async (ctx) => {
  let pulls = 0;
  let cancelled = false;
  const chunk = new TextEncoder().encode('data: x\n\n'.repeat(10));
  // 10 events per pull; ends after 1000 pulls (so that a source without backpressure
  // fails this test instead of spinning forever).
  const infinite = new ReadableStream({
    pull(controller) {
      pulls += 1;
      if (pulls > 1000) controller.close(); else controller.enqueue(chunk);
    },
    cancel() { cancelled = true; },
  }, { highWaterMark: 0 });
  const source = ctx.EventSource.fromReadableStream(infinite, { highWaterMark: 8 });
  ctx.cleanup(() => source.close());
  const iterator = source[Symbol.asyncIterator]();
  equal((await iterator.next()).value.data, 'x');
  await sleep(200);
  assert(pulls <= 3, `pulled ${pulls} chunks for a queue of 8 events`);
  for (let i = 0; i < 100; i += 1) equal((await iterator.next()).value.data, 'x');
  assert(pulls >= 10 && pulls <= 14, `pulled ${pulls} chunks for 101 events`);
  await iterator.return();
  equal([source.readyState, cancelled], [2, true]);
}, { ...nonSpec, notNative: 'not shipped in Chromium yet' });

test('fromReadableStream + for await: after a long event, one long parse step at most, then short ones again', async (ctx) => {
  // One chunk: a 192 KiB event (parsed in steps that double while they complete
  // nothing, up to 64 KiB), then 40,000 tiny events with ids (14-19 bytes each).
  const tiny = Array.from({ length: 40000 }, (_, i) => `id: ${i + 1}\ndata: x\n\n`).join('');
  const body = new TextEncoder().encode(`data: ${'y'.repeat(192 * 1024)}\n\n${tiny}`);
  const stream = new ReadableStream({
    start(controller) { controller.enqueue(body); controller.close(); },
  });
  const source = ctx.EventSource.fromReadableStream(stream, { highWaterMark: 4 });
  ctx.cleanup(() => source.close());
  const iterator = source[Symbol.asyncIterator]();
  equal((await iterator.next()).value.data.length, 192 * 1024);
  await sleep(100);
  // `lastEventId` is the id of the last event parsed (queued or not): the step that
  // ended the long event queued at most 64 KiB of tiny events, not all 40,000.
  const first = Number(source.lastEventId);
  assert(first >= 1 && first <= 4700, `parsed up to event ${first} while the consumer stalled`);
  let id = 0;
  while (id < first) id = Number((await iterator.next()).value.lastEventId);
  await sleep(100);
  // Back to 1 KiB steps (at most ~73 events each) once a step has completed events.
  const second = Number(source.lastEventId);
  assert(second - first <= 200, `parsed on to event ${second} after draining to ${first}`);
  await iterator.return();
}, { ...nonSpec, notNative: 'not shipped in Chromium yet' });

test('for await: next() called again before the first settles: the reads are queued and get the events in order', async (ctx) => {
  const source = open(ctx, sse({ script: [pause(100), w('data: a\n\n'), pause(50), w('data: b\n\ndata: c\n\n'), HANG] }));
  const iterator = source[Symbol.asyncIterator]();
  const reads = [iterator.next(), iterator.next(), iterator.next()];
  const settled = await Promise.race([Promise.all(reads), sleep(3000).then(() => 'timeout')]);
  assert(settled !== 'timeout', 'a queued next() never settled');
  equal(settled.map((r) => [r.value.data, r.done]), [['a', false], ['b', false], ['c', false]]);
  await iterator.return();
}, nonSpec);

test('for await: queued next() calls all settle on close() and return() (done), and on a failure (the first rejects, the rest are done)', async (ctx) => {
  const race = (promises) => Promise.race([Promise.allSettled(promises), sleep(3000).then(() => 'timeout')]);
  const outcome = (r) => (r.status === 'fulfilled' ? ['done', r.value.done] : ['rejected', r.reason?.phase]);

  const closed = open(ctx, sse({ script: [HANG] }));
  const closedIterator = closed[Symbol.asyncIterator]();
  const onClose = [closedIterator.next(), closedIterator.next()];
  await sleep(50);
  closed.close();
  const afterClose = await race(onClose);
  assert(afterClose !== 'timeout', 'close(): a queued next() never settled');
  equal(afterClose.map(outcome), [['done', true], ['done', true]]);

  const returned = open(ctx, sse({ script: [HANG] }));
  const returnedIterator = returned[Symbol.asyncIterator]();
  const onReturn = [returnedIterator.next(), returnedIterator.next()];
  await sleep(50);
  equal(await returnedIterator.return('r'), { value: 'r', done: true });
  const afterReturn = await race(onReturn);
  assert(afterReturn !== 'timeout', 'return(): a queued next() never settled');
  equal(afterReturn.map(outcome), [['done', true], ['done', true]]);
  equal(returned.readyState, 2);

  const failing = open(ctx, sse({ status: 404 }));
  const failingIterator = failing[Symbol.asyncIterator]();
  const afterFailure = await race([failingIterator.next(), failingIterator.next(), failingIterator.next()]);
  assert(afterFailure !== 'timeout', 'failure: a queued next() never settled');
  equal(afterFailure.map(outcome), [['rejected', 'response'], ['done', true], ['done', true]]);
  equal(await failingIterator.next(), { done: true }, 'later calls are done');
}, nonSpec);

// --- Beyond the native API: fromReadableStream options --------------------------------------

test('fromReadableStream: reads only highWaterMark, lastEventId, maxEventSize, onComment and signal; ignores the others', async (ctx) => {
  const read = [];
  const options = {};
  const values = {
    body: new ReadableStream(), headers: 5, method: 'POST', reconnect: 'x', inactivityTimeout: -1, fetch: 1,
    withCredentials: true, credentials: 'bogus', onAuthError: 2, finite: true, url: 3,
    highWaterMark: 4, lastEventId: 'seed', maxEventSize: 1000, signal: new AbortController().signal,
    onComment: () => {},
  };
  for (const [name, value] of Object.entries(values)) {
    Object.defineProperty(options, name, { enumerable: true, get() { read.push(name); return value; } });
  }
  const source = ctx.EventSource.fromReadableStream(streamOf(['data: a\n\n']), options);
  ctx.cleanup(() => source.close());
  equal(read, ['highWaterMark', 'lastEventId', 'maxEventSize', 'onComment', 'signal'], 'members read, in order');
  equal([source.lastEventId, source.withCredentials], ['seed', false]);
  const event = await next(source, 'message');
  equal([event.data, event.lastEventId], ['a', 'seed']);
}, { ...nonSpec, notNative: 'not shipped in Chromium yet' });

test('fromReadableStream: the options that apply are checked, with the method\'s TypeError', async (ctx) => {
  const prefix = "Failed to execute 'fromReadableStream' on 'EventSource': ";
  const cases = [
    [{ highWaterMark: 0 }, `${prefix}Failed to read the 'highWaterMark' property from 'FromReadableStreamOptions': The value must be at least 1.`],
    [{ maxEventSize: -1 }, `${prefix}Failed to read the 'maxEventSize' property from 'FromReadableStreamOptions': Value is outside the 'unsigned long long' value range.`],
    [{ signal: {} }, `${prefix}Failed to read the 'signal' property from 'FromReadableStreamOptions': Failed to convert value to 'AbortSignal'.`],
    [5, `${prefix}The provided value is not of type 'FromReadableStreamOptions'.`],
  ];
  for (const [options, message] of cases) {
    await throws(() => ctx.EventSource.fromReadableStream(streamOf([]), options),
      (e) => equal([e instanceof TypeError, e.message], [true, message]), `no exception for ${JSON.stringify(options)}`);
  }
}, { ...nonSpec, notNative: 'not shipped in Chromium yet' });

test('fromReadableStream: signal closes the source when aborted (no error event, the input is cancelled)', async (ctx) => {
  let controller;
  let cancelled = false;
  const input = new ReadableStream({
    start(c) { controller = c; },
    cancel() { cancelled = true; },
  });
  const abort = new AbortController();
  const source = ctx.EventSource.fromReadableStream(input, { signal: abort.signal });
  ctx.cleanup(() => source.close());
  const seen = record(source);
  controller.enqueue(new TextEncoder().encode('data: a\n\n'));
  await until(() => data(seen).length === 1, { what: 'the first message' });
  abort.abort();
  equal(source.readyState, 2, 'closed synchronously by abort()');
  try { controller.enqueue(new TextEncoder().encode('data: b\n\n')); } catch { /* cancelled already */ }
  await sleep(100);
  equal(types(seen), ['open', 'message'], 'no error event, nothing after the abort');
  equal(cancelled, true, 'the input stream was cancelled');
}, { ...nonSpec, notNative: 'not shipped in Chromium yet' });

test('fromReadableStream: an already-aborted signal closes the source at once, without reading the input', async (ctx) => {
  let pulls = 0;
  const input = new ReadableStream({
    pull(c) { pulls += 1; c.enqueue(new TextEncoder().encode('data: a\n\n')); },
  }, { highWaterMark: 0 });
  const source = ctx.EventSource.fromReadableStream(input, { signal: AbortSignal.abort() });
  ctx.cleanup(() => source.close());
  equal(source.readyState, 2, 'CLOSED at once');
  const seen = record(source);
  await sleep(150);
  equal([seen.length, pulls], [0, 0], 'no event, nothing read');
}, { ...nonSpec, notNative: 'not shipped in Chromium yet' });

// --- Polyfill entry ----------------------------------------------------------------------

test('the polyfill entry installs the class as globalThis.EventSource', async () => {
  const native = globalThis.EventSource;
  try {
    const { EventSource } = await import('../../js/index.js');
    const polyfill = await import('../../js/polyfill.js');
    equal(globalThis.EventSource, EventSource);
    equal(polyfill.EventSource, EventSource);
  } finally {
    globalThis.EventSource = native;
  }
}, { nonSpec: true });

// --- Re-entrancy: page code that wraps globals and touches the source from inside ---------
// (zone.js and many monitoring scripts wrap setTimeout, addEventListener and friends.)
// Each wrapper reads the source's getters or closes it while the source is inside the
// wrapped call; nothing may throw, and the source must keep working.

/** Uncaught errors and unhandled rejections while the test runs. */
function watchErrors(ctx) {
  const errors = [];
  const onError = (event) => errors.push(`error: ${event.message ?? event.error}`);
  const onRejection = (event) => errors.push(`unhandled rejection: ${event.reason}`);
  self.addEventListener('error', onError);
  self.addEventListener('unhandledrejection', onRejection);
  ctx.cleanup(() => {
    self.removeEventListener('error', onError);
    self.removeEventListener('unhandledrejection', onRejection);
  });
  return errors;
}

/**
 * What a wrapper does to the source: reads `readyState` and `lastEventId` (and calls
 * `close()` when `close` is set), recording values or the exceptions thrown.
 */
function toucher({ close = false } = {}) {
  const touch = { source: null, seen: [], failures: [], close };
  touch.run = () => {
    const { source } = touch;
    if (source === null) return;
    try {
      touch.seen.push([source.readyState, source.lastEventId]);
      if (touch.close && source.readyState !== 2) source.close();
    } catch (error) {
      touch.failures.push(String(error));
    }
  };
  return touch;
}

/**
 * Asserts that nothing threw and that the getters still work; `touched`: whether the
 * wrapper must have run (false: it must not have).
 */
function assertHealthy(touch, errors, source, { touched = true } = {}) {
  equal(touch.failures, [], 'exceptions inside the wrapper');
  equal(errors, [], 'uncaught errors');
  if (touched) assert(touch.seen.length > 0, 'the wrapper never touched the source');
  else equal(touch.seen, [], 'a page setter ran on an internal object of the source');
  equal([typeof source.readyState, typeof source.lastEventId, typeof source.reconnectionTime],
    ['number', 'string', 'number'], 'getters afterwards');
}

for (const close of [false, true]) {
  test(`re-entrancy: a wrapped setTimeout that ${close ? 'closes the source' : 'reads its getters'} while it schedules a reconnection`, async (ctx) => {
    const errors = watchErrors(ctx);
    const touch = toucher({ close });
    const original = globalThis.setTimeout;
    // The source's reconnection timer: the `retry:` below.
    globalThis.setTimeout = function setTimeout(handler, ms, ...rest) {
      if (ms === 123) touch.run();
      return original.call(this, handler, ms, ...rest);
    };
    ctx.cleanup(() => { globalThis.setTimeout = original; });
    const key = newKey('reentrytimer');
    const source = open(ctx, sse({ key, scripts: [[w('retry: 123\nid: 1\ndata: a\n\n'), END], [w('data: b\n\n'), HANG]] }));
    touch.source = source;
    const seen = record(source);
    await until(() => touch.seen.length + touch.failures.length > 0, { what: 'the reconnection timer' });
    if (close) await sleep(400);
    else await until(() => data(seen).length === 2 || touch.failures.length > 0, { what: 'the message after the reconnection' });
    assertHealthy(touch, errors, source);
    if (close) {
      equal(source.readyState, 2, 'closed from inside setTimeout');
      equal((await serverLog(key)).count, 1, 'no reconnection after close()');
    } else {
      equal(data(seen), ['a', 'b']);
      equal(source.lastEventId, '1');
    }
  }, nonSpec);

  test(`re-entrancy: a wrapped addEventListener that ${close ? 'closes the source' : 'reads its getters'} while it waits for online`, async (ctx) => {
    const errors = watchErrors(ctx);
    const touch = toucher({ close });
    const original = EventTarget.prototype.addEventListener;
    EventTarget.prototype.addEventListener = function addEventListener(type, ...rest) {
      if (type === 'online') touch.run();
      return original.call(this, type, ...rest);
    };
    ctx.cleanup(() => { EventTarget.prototype.addEventListener = original; });
    const online = { current: false };
    ctx.cleanup(stubOnLine(online));
    const key = newKey('reentryonline');
    const source = open(ctx, sse({ key, scripts: [[w('retry: 30\nid: 1\ndata: a\n\n'), END], [w('data: b\n\n'), HANG]] }));
    touch.source = source;
    const seen = record(source);
    await until(() => touch.seen.length + touch.failures.length > 0, { what: 'the online listener' });
    online.current = true;
    self.dispatchEvent(new Event('online'));
    if (close) await sleep(300);
    else await until(() => data(seen).length === 2 || touch.failures.length > 0, { what: 'the message after online' });
    assertHealthy(touch, errors, source);
    if (close) {
      equal(source.readyState, 2, 'closed from inside addEventListener');
      equal((await serverLog(key)).count, 1, 'no reconnection after close()');
    } else {
      equal(data(seen), ['a', 'b']);
    }
  }, nonSpec);
}

test('re-entrancy: a navigator.onLine getter that reads the getters, then closes the source once the reconnection is due', async (ctx) => {
  const errors = watchErrors(ctx);
  const touch = toucher();
  // The source reads onLine when its reconnection is due (after the `retry:` wait
  // below) to decide whether to wait for `online`; the getter closes it then.
  let due = false;
  Object.defineProperty(self.navigator, 'onLine', {
    configurable: true,
    get() {
      touch.close = due;
      touch.run();
      return true;
    },
  });
  ctx.cleanup(() => { delete self.navigator.onLine; });
  const key = newKey('reentrynavigator');
  const source = open(ctx, sse({ key, scripts: [[w('retry: 200\ndata: a\n\n'), END], [w('data: b\n\n'), HANG]] }));
  touch.source = source;
  source.addEventListener('error', () => { setTimeout(() => { due = true; }, 50); });
  await next(source, 'error');
  await sleep(600);
  assertHealthy(touch, errors, source);
  equal(source.readyState, 2, 'closed from inside the onLine getter');
  equal((await serverLog(key)).count, 1, 'no reconnection after close()');
}, nonSpec);

for (const name of ['closed', 'consumer']) {
  test(`re-entrancy: a setter for "${name}" on Object.prototype (that would read the source's getters) never runs for the source's own objects`, async (ctx) => {
    const errors = watchErrors(ctx);
    const touch = toucher();
    // Stores the value on the object itself, so plain objects keep working.
    Object.defineProperty(Object.prototype, name, {
      configurable: true,
      get() { return undefined; },
      set(value) {
        Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
        touch.run();
      },
    });
    ctx.cleanup(() => { delete Object.prototype[name]; });
    const source = open(ctx, sse({ script: [w('id: 1\ndata: a\n\n'), pause(50), w('data: b\n\n'), HANG] }));
    touch.source = source;
    const received = [];
    if (name === 'closed') {
      await next(source, 'message');
      source.close();
    } else {
      for await (const event of source) {
        received.push(event.data);
        if (received.length === 2) break;
      }
    }
    assertHealthy(touch, errors, source, { touched: false });
    equal([received, source.readyState], [name === 'closed' ? [] : ['a', 'b'], 2]);
  }, nonSpec);
}

// --- Reconnection storms (tests/browser/storms.js) ---------------------------------------

tests.push(...storms);

// --- Faults against the real server (tests/browser/faults.js) --------------------------------
tests.push(...faultTests);

// --- Hostile servers: memory and CPU (tests/browser/hostile.js) ------------------------------
tests.push(...hostileTests);

// --- Failure semantics (tests/browser/failures.js) -------------------------------------------
tests.push(...failureTests);

// --- Resume cursor and sharing one connection (tests/browser/share.js) -----------------------
tests.push(...shareTests);

// --- onComment and the url option (tests/browser/comments.js) -------------------------

tests.push(...commentTests);
