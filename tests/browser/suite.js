// The browser conformance suite: one test per rule of WHATWG HTML "Server-sent events"
// (and, tagged [NON-SPEC], per extension), run against the real loopback server by
// tests/browser/run.test.mjs in a window, in a dedicated worker, and (spec tests only)
// against the browser's native EventSource to prove each test encodes native behaviour.
import {
  SERVER, CROSS, enc, w, pause, END, HANG, ABORT, newKey, sse, serverLog, streamRequests,
  sleep, record, until, next, assert, equal, throws, streamOf,
} from './helpers.js';

export const tests = [];
/**
 * @param {string} name
 * @param {(ctx: {EventSource: any, impl: string, context: string, cleanup: Function}) => Promise<void>} fn
 * @param {{nonSpec?: boolean, notNative?: string, windowOnly?: boolean}} [options]
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
  const source = open(ctx, sse({ key, script: [HANG] }));
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
  const same = open(ctx, sse({ key, script: [HANG] }));
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
}, { notNative: 'Chromium fails a non-UTF-8 charset; the spec ignores it (WPT format-utf-8)' });

test('open fires with readyState OPEN; the error event is a plain Event', async (ctx) => {
  const source = open(ctx, sse({ status: 404 }));
  const error = await next(source, 'error');
  assert(!(error instanceof MessageEvent), 'error is not a MessageEvent');
  equal([error.bubbles, error.cancelable], [false, false]);
  equal(error.target, source);
  const ok = open(ctx, sse({ script: [HANG] }));
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
});

test('id rules: persists, empty resets, a NUL makes the field ignored', async (ctx) => {
  const source = open(ctx, sse({
    script: [w('id: 1\ndata: a\n\ndata: b\n\nid: 2\u0000x\ndata: c\n\nid\ndata: d\n\n'), HANG],
  }));
  const seen = record(source, ['message']);
  await until(() => seen.length === 4);
  equal(seen.map((s) => s.lastEventId), ['1', '1', '1', '']);
});

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
});

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
});

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
});

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
