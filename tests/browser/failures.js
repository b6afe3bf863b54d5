// Failure semantics (issue #11): which failures end a source for good (one `error`,
// CLOSED, no reconnection) and which reestablish it, compared with the browser's native
// EventSource; URLs the constructor must refuse; no unhandled promise rejection on any
// path; the query-parameter cursor for cross-origin servers that cannot allow
// `Last-Event-ID`. Entries have the shape of suite.js's `tests` (suite.js appends them).
import {
  SERVER, CROSS, w, pause, END, HANG, RST, NOANSWER, newKey, sse, serverLog, streamRequests, sleep,
  record, next, assert, equal, throws, streamOf, errorsOf,
} from './helpers.js';

export const tests = [];
function test(name, fn, options = {}) {
  tests.push({ name: options.nonSpec ? `[NON-SPEC] ${name}` : name, fn, module: 'failures', ...options });
}
const nonSpec = { nonSpec: true };

/**
 * A comment line: Firefox's fetch settles (resolves, or rejects for CORS) only with the
 * first body byte, so a test that needs the response or its CORS check before any event
 * has the server send one (as suite.js's PRIME).
 */
const PRIME = w(':\n');

const FIREFOX_RESET = 'its fetch settles only with the first body byte: a reset after the headers rejects it '
  + 'as a CORS failure does, and the no-cors probe then finds the server answering';

/** Opens a source that is closed after the test whatever happens. */
function open(ctx, url, init) {
  const source = init === undefined ? new ctx.EventSource(url) : new ctx.EventSource(url, init);
  ctx.cleanup(() => source.close());
  return source;
}

/** Resolves with the first `error`, recording the readyState its listeners saw. */
function firstError(source) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no error event within 8000 ms')), 8000);
    source.addEventListener('error', (event) => {
      clearTimeout(timer);
      resolve({ event, readyState: source.readyState });
    }, { once: true });
  });
}

/** Asserts that `source` failed for good: one `error` seen in CLOSED, nothing after. */
async function assertFailed(source, seen, what) {
  const { readyState } = await firstError(source);
  equal(readyState, 2, `${what}: readyState during the error event`);
  await sleep(300);
  equal(source.readyState, 2, `${what}: readyState afterwards`);
  equal(seen.filter((s) => s.type === 'error').length, 1, `${what}: error events`);
}

// --- URLs fetch cannot use for an event stream -------------------------------------------

// [spec] fetch "main fetch": in `cors` mode a URL whose scheme is not an HTTP(S) scheme is
// a network error (data: and same-origin blob: are fetched by "scheme fetch"); the HTML
// spec lets the user agent fail the connection when reestablishing it is futile, which
// every engine does (WPT eventsource/eventsource-constructor-non-same-origin).
for (const url of ['ftp://example.invalid/', 'about:blank', 'mailto:whoever@example.invalid',
  'javascript:void(0)', 'file:///etc/hostname', 'ws://127.0.0.1:1/', 'foo:bar']) {
  test(`a URL fetch cannot use fails at once: ${url}`, async (ctx) => {
    const source = open(ctx, url);
    equal(source.readyState, 0, 'CONNECTING until the failure');
    const seen = record(source);
    await assertFailed(source, seen, url);
    equal(seen.map((s) => s.type), ['error']);
  });
}

test('a data: URL is fetched: its events are dispatched', async (ctx) => {
  const source = open(ctx, 'data:text/event-stream,data%3A%20from%20data%0A%0A');
  const event = await next(source, 'message');
  equal(event.data, 'from data');
  source.close();
}, { notNativeOn: {
  firefox: 'fails (CLOSED) a data: URL at once: it fetches http(s) URLs only',
  webkit: 'fails (CLOSED) a data: URL at once',
} });

test('a same-origin blob: URL is fetched: its events are dispatched', async (ctx) => {
  const blob = new Blob(['data: from blob\n\n'], { type: 'text/event-stream' });
  const url = URL.createObjectURL(blob);
  ctx.cleanup(() => URL.revokeObjectURL(url));
  const source = open(ctx, url);
  const event = await next(source, 'message');
  equal(event.data, 'from blob');
  source.close();
}, { notNativeOn: { firefox: 'fails (CLOSED) a blob: URL at once: it fetches http(s) URLs only' } });

// --- URLs the constructor refuses ---------------------------------------------------------

// [spec] WHATWG URL, host parser: a domain containing a forbidden domain code point (a
// space, `<`, `^`, `|`, `%`, …; percent-decoded first) is a validation error and failure,
// so `new EventSource` throws a SyntaxError.
const encodedByChromium = ['http://exa mple.com/', 'http://exa%20mple.com/'];
for (const url of [...encodedByChromium, 'http://a<b.example/', 'http://a^b.example/',
  'https://a|b.example/', 'http://a%25b.example/']) {
  test(`a URL whose host has a forbidden code point throws a SyntaxError: ${url}`, async (ctx) => {
    await throws(() => open(ctx, url), (e) => {
      assert(e instanceof DOMException, `DOMException, got ${e}`);
      equal(e.name, 'SyntaxError');
    });
  }, encodedByChromium.includes(url)
    ? { notNative: "Chromium's URL parser accepts a space in a host (as %20)" } : {});
}

test('hosts without a forbidden code point are accepted (IDN, IPv6, ports, userinfo)', async (ctx) => {
  for (const url of ['http://例え.テスト/sse', 'http://[::1]:1/sse', 'http://u:p@a-b.example:8080/',
    'http://xn--r8jz45g.xn--zckzah/', 'http://a_b.example/']) {
    const source = open(ctx, url);
    source.close();
  }
});

// --- CORS failures fail; network errors reestablish -------------------------------------

/** A CROSS stream that the server answers but whose CORS check fails. */
const corsCases = [
  ['a wrong Access-Control-Allow-Origin', ['Access-Control-Allow-Origin:http://elsewhere'], undefined],
  ['credentials not allowed', ['Access-Control-Allow-Credentials:false'], { withCredentials: true }],
];
for (const [label, headers, init] of corsCases) {
  test(`a CORS failure (${label}) fails the connection`, async (ctx) => {
    const key = newKey('cors');
    const source = open(ctx, sse({ key, origin: CROSS, headers, script: [w('data: x\n\n'), HANG] }), init);
    const seen = record(source);
    await assertFailed(source, seen, label);
    equal(seen.map((s) => s.type), ['error']);
    const cors = (await streamRequests(key)).filter((r) => r.headers['sec-fetch-mode'] !== 'no-cors');
    equal(cors.length, 1, 'one CORS request, no reconnection');
  });
}

test('a missing Access-Control-Allow-Origin fails the connection', async (ctx) => {
  const key = newKey('cors-none');
  // A redirect to a CROSS URL whose response lacks the header is the same check; the
  // scripted server always sends one, so replace it with a value that matches nothing.
  const source = open(ctx, sse({ key, origin: CROSS, headers: ['Access-Control-Allow-Origin:null'], script: [PRIME, HANG] }));
  const seen = record(source);
  await assertFailed(source, seen, 'Access-Control-Allow-Origin: null');
});

test('a connection reset on a cross-origin URL still reestablishes the connection', async (ctx) => {
  const key = newKey('cross-rst');
  // The server sends its headers, a comment, then resets. Without the comment Firefox's
  // fetch (which settles only with the first body byte) rejects, and the `no-cors` probe
  // that tells a CORS failure from a network error finds the server answering: a reset
  // before the first body byte is taken for a CORS failure there (README, fetch limits).
  const source = open(ctx, sse({ key, origin: CROSS, scripts: [[PRIME, RST], [w('data: back\n\n'), HANG]] }));
  const seen = record(source);
  const { readyState } = await firstError(source);
  equal(readyState, 0, 'CONNECTING during the error event: it reconnects');
  const event = await next(source, 'message', { timeout: 6000 });
  equal(event.data, 'back');
});

test('a reset after the headers, before any body byte, on a cross-origin URL reestablishes the connection', async (ctx) => {
  const key = newKey('cross-rst-headers');
  const source = open(ctx, sse({ key, origin: CROSS, scripts: [[RST], [w('data: back\n\n'), HANG]] }));
  const { readyState } = await firstError(source);
  equal(readyState, 0, 'CONNECTING during the error event: it reconnects');
  const event = await next(source, 'message', { timeout: 6000 });
  equal(event.data, 'back');
}, {
  limitOn: { firefox: FIREFOX_RESET },
  notNativeOn: { firefox: 'fails (CLOSED) when a cross-origin stream is reset after its headers, before any body byte' },
});

test('a cross-origin server that is down reestablishes the connection', async (ctx) => {
  // The server listens on 127.0.0.1 only: the same port on 127.0.0.2 refuses connections.
  const source = open(ctx, `${SERVER.replace('127.0.0.1', '127.0.0.2')}/sse?s=hang`);
  const { readyState } = await firstError(source);
  equal(readyState, 0, 'CONNECTING during the error event: it reconnects');
}, { notNativeOn: { firefox: 'fails (CLOSED) when the connection is refused, a network error after which the spec reestablishes' } });

// --- Aborted by the page ------------------------------------------------------------------

// [spec] "If res is an aborted network error, then fail the connection." A fetch-based
// client sees the page's abort only as the engine reports it: an `AbortError` while the
// source's own AbortController was not aborted (Firefox and WebKit for `window.stop()`).
// Chromium rejects the fetch (and errors the body) with the very TypeError of a network
// error (same name, same message, no `cause`), so there our source reestablishes the
// connection, as after a network error; the test checks that the two are indeed
// indistinguishable, so it fails the day Chromium tells them apart.

/** How `during` reports to a pending fetch (`connecting`) or a body read (`open`). */
async function rejectionOf(phase, url, during = () => {}) {
  const describe = (e) => `${e.name}: ${e.message}`;
  if (phase === 'connecting') {
    const pending = fetch(url).then(() => 'resolved', describe);
    await sleep(100);
    during();
    return pending;
  }
  const reader = (await fetch(url)).body.getReader();
  await reader.read();
  const pending = (async () => { for (;;) if ((await reader.read()).done) return 'done'; })().catch(describe);
  await sleep(50);
  during();
  return pending;
}

for (const phase of ['open', 'connecting']) {
  test(`window.stop() while ${phase}: an AbortError fails the connection, a TypeError reestablishes it`, async (ctx) => {
    const reported = await rejectionOf(phase, sse({ script: phase === 'open' ? [w(':\n'), HANG] : [NOANSWER] }), () => window.stop());
    // A network error of the same phase: a server that is down, a reset body.
    const network = reported.startsWith('AbortError') ? null : await rejectionOf(phase, phase === 'open'
      ? sse({ script: [w(':\n'), pause(100), RST] }) : `${SERVER.replace('127.0.0.1', '127.0.0.2')}/sse`);
    const key = newKey(`stop-${phase}`);
    const source = open(ctx, sse({ key, scripts: phase === 'open'
      ? [[w('data: a\n\n'), HANG]] : [[NOANSWER], [w('data: back\n\n'), HANG]] }));
    const seen = record(source);
    if (phase === 'open') await next(source, 'message');
    else await serverLog(key, { wait: 1 });
    window.stop();
    if (reported.startsWith('AbortError')) {
      await assertFailed(source, seen, `window.stop() while ${phase}`);
    } else {
      equal(reported, network, 'window.stop() is reported as a network error is');
      const { readyState } = await firstError(source);
      equal(readyState, 0, 'indistinguishable from a network error: reestablished');
    }
  }, { windowOnly: true, notNative: "Chromium's EventSource ignores window.stop() (Firefox fails it)" });
}

test('a fetch that rejects with an AbortError the source did not cause fails the connection', async (ctx) => {
  const page = new AbortController();
  const key = newKey('page-abort');
  const source = open(ctx, sse({ key, script: [NOANSWER] }), {
    fetch: (request) => fetch(request.url, { signal: page.signal, headers: request.headers }),
  });
  const errors = errorsOf(source);
  await serverLog(key, { wait: 1 });
  page.abort();
  const { readyState } = await firstError(source);
  equal(readyState, 2);
  await sleep(200);
  equal(errors.map((e) => [e.phase, e.willRetry]), [['connect', false]]);
}, nonSpec);

test('a body aborted by the page (not the source) fails the connection', async (ctx) => {
  const page = new AbortController();
  const source = open(ctx, sse({ script: [w('data: a\n\n'), HANG] }), {
    fetch: (request) => fetch(request.url, { signal: page.signal, headers: request.headers }),
  });
  const errors = errorsOf(source);
  await next(source, 'message');
  page.abort();
  const { readyState } = await firstError(source);
  equal(readyState, 2);
  await sleep(200);
  equal(errors.map((e) => [e.phase, e.willRetry]), [['body', false]]);
}, nonSpec);

test('the inactivity timeout (the source\'s own abort) still reestablishes the connection', async (ctx) => {
  const source = open(ctx, sse({ key: newKey('own-abort'), scripts: [[NOANSWER], [w('data: back\n\n'), HANG]] }), { inactivityTimeout: 200 });
  const errors = errorsOf(source);
  const event = await next(source, 'message');
  equal(event.data, 'back');
  equal(errors.map((e) => [e.phase, e.willRetry]), [['timeout', true]]);
}, nonSpec);

// --- No unhandled promise rejection -------------------------------------------------------

/** Collects `unhandledrejection` events on the global scope until cleanup. */
function watchRejections(ctx) {
  const reasons = [];
  const listener = (event) => reasons.push(String(event.reason?.stack ?? event.reason));
  self.addEventListener('unhandledrejection', listener);
  ctx.cleanup(() => self.removeEventListener('unhandledrejection', listener));
  return async () => {
    // Unhandled rejections are reported after a task or two.
    await sleep(100);
    equal(reasons, [], 'unhandled rejections');
  };
}

/** A byte stream that sends `chunks`, then errors (or ends, with `error` undefined). */
function endingStream(chunks, error) {
  const encoder = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      const chunk = chunks.shift();
      await sleep(10);
      if (chunk !== undefined) controller.enqueue(encoder.encode(chunk));
      else if (error) controller.error(error);
      else controller.close();
    },
  });
}

for (const [label, error] of [['ends', undefined], ['errors', new Error('upstream broke')]]) {
  test(`fromReadableStream: a piped stream that ${label} leaves no unhandled rejection`, async (ctx) => {
    const check = watchRejections(ctx);
    const piped = endingStream(['data: a\n\n', 'data: b\n\n'], error).pipeThrough(new TransformStream());
    const source = ctx.EventSource.fromReadableStream(piped);
    ctx.cleanup(() => source.close());
    const seen = record(source);
    await next(source, 'error');
    equal(seen.map((s) => s.type), ['open', 'message', 'message', 'error']);
    equal(source.readyState, 2);
    await check();
  }, nonSpec);

  test(`fromReadableStream piped to a consumer: a stream that ${label} leaves no unhandled rejection`, async (ctx) => {
    const check = watchRejections(ctx);
    const source = ctx.EventSource.fromReadableStream(endingStream(['data: a\n\n'], error));
    ctx.cleanup(() => source.close());
    const got = [];
    const piping = source.stream().pipeTo(new WritableStream({ write(event) { got.push(event.data); } }));
    const outcome = await piping.then(() => 'closed', (e) => `failed: ${e.message}`);
    equal(got, ['a']);
    equal(outcome, error ? 'failed: EventSource failed (body)' : 'closed');
    await check();
  }, nonSpec);
}

test('close() during pipeTo, cancel() and an early break leave no unhandled rejection', async (ctx) => {
  const check = watchRejections(ctx);
  const url = sse({ script: [w('data: a\n\ndata: b\n\n'), HANG] });
  // close() while a pipe reads the stream.
  const piped = open(ctx, url);
  const got = [];
  const piping = piped.stream().pipeTo(new WritableStream({ write(event) { got.push(event.data); } }));
  await next(piped, 'open');
  await sleep(50);
  piped.close();
  await piping;
  equal(got, ['a', 'b']);
  // cancel() of the stream, with a read pending.
  const cancelled = open(ctx, sse({ script: [HANG] }));
  const stream = cancelled.stream();
  const reader = stream.getReader();
  const pending = reader.read();
  await reader.cancel(new Error('not interested'));
  equal(await pending, { done: true });
  equal(cancelled.readyState, 2);
  // A stream cancelled before it is read, while the fetch is in flight.
  const early = open(ctx, sse({ script: [NOANSWER] }));
  await early.stream().cancel();
  equal(early.readyState, 2);
  // for await, left while a read is pending.
  const looped = open(ctx, url);
  for await (const event of looped) {
    equal(event.data, 'a');
    break;
  }
  equal(looped.readyState, 2);
  await check();
}, nonSpec);

test('failures with a consumer attached leave no unhandled rejection', async (ctx) => {
  const check = watchRejections(ctx);
  // Every failure path, with a stream() and an iterator nobody reads any more.
  const urls = [sse({ status: 500 }), 'ftp://example.invalid/',
    sse({ origin: CROSS, headers: ['Access-Control-Allow-Origin:http://elsewhere'] })];
  for (const url of urls) {
    const viaStream = open(ctx, url);
    viaStream.stream();
    const viaIterator = open(ctx, url);
    viaIterator[Symbol.asyncIterator]();
    await Promise.all([next(viaStream, 'error'), next(viaIterator, 'error')]);
    equal([viaStream.readyState, viaIterator.readyState], [2, 2], url);
  }
  await check();
}, nonSpec);

// --- The cursor in a query parameter --------------------------------------------------------

test('lastEventIdParam carries the cursor in the URL: no Last-Event-ID, no preflight', async (ctx) => {
  const key = newKey('id-param');
  const url = sse({ key, origin: CROSS, scripts: [[w('id: 7 é\nretry: 50\ndata: a\n\n'), END], [w('data: b\n\n'), HANG]] });
  const source = open(ctx, `${url}&lastEventId=stale`, { lastEventIdParam: 'lastEventId' });
  const seen = record(source, ['message']);
  await next(source, 'message');
  await next(source, 'message');
  equal(seen.map((s) => s.data), ['a', 'b']);
  const log = await serverLog(key);
  equal(log.requests.filter((r) => r.method === 'OPTIONS').length, 0, 'no preflight');
  const [first, second] = log.requests;
  equal(first.headers['last-event-id'], undefined);
  equal(new URL(first.path, SERVER).searchParams.getAll('lastEventId'), ['stale'], 'the first request is left as named');
  equal(second.headers['last-event-id'], undefined, 'no header');
  equal(new URL(second.path, SERVER).searchParams.getAll('lastEventId'), ['7 é'], 'the cursor replaces the parameter');
  equal(source.url, `${url}&lastEventId=stale`, 'url is the URL the caller named');
}, nonSpec);

test('lastEventIdParam with a lastEventId option sends it from the first request', async (ctx) => {
  const key = newKey('id-param-seed');
  const source = open(ctx, sse({ key, script: [PRIME, HANG] }), { lastEventId: '42', lastEventIdParam: 'cursor' });
  await next(source, 'open');
  const [request] = await streamRequests(key);
  equal(request.headers['last-event-id'], undefined);
  equal(new URL(request.path, SERVER).searchParams.get('cursor'), '42');
}, nonSpec);

test('without lastEventIdParam a cross-origin reconnection sends Last-Event-ID (preflighted)', async (ctx) => {
  const key = newKey('id-header');
  const source = open(ctx, sse({ key, origin: CROSS, scripts: [[w('id: 7\nretry: 50\ndata: a\n\n'), END], [w('data: b\n\n'), HANG]] }));
  await next(source, 'message');
  await next(source, 'message');
  const log = await serverLog(key);
  const options = log.requests.filter((r) => r.method === 'OPTIONS');
  equal(options.length, 1, 'one preflight, for the reconnection');
  assert(options[0].headers['access-control-request-headers'].includes('last-event-id'), 'the preflight asks for Last-Event-ID');
  const second = log.requests.filter((r) => r.method === 'GET')[1];
  equal(second.headers['last-event-id'], '7');
}, nonSpec);

test('lastEventIdParam is validated like the other options', async (ctx) => {
  for (const bad of ['', Symbol('x')]) {
    await throws(() => open(ctx, sse({ script: [HANG] }), { lastEventIdParam: bad }),
      (e) => assert(e instanceof TypeError, `TypeError for ${String(bad)}, got ${e}`));
  }
  // Any other value is converted to a string.
  const key = newKey('id-param-convert');
  const source = open(ctx, sse({ key, script: [PRIME, HANG] }), { lastEventId: 'x', lastEventIdParam: { toString: () => 'c' } });
  await next(source, 'open');
  const [request] = await streamRequests(key);
  equal(new URL(request.path, SERVER).searchParams.get('c'), 'x');
}, nonSpec);
