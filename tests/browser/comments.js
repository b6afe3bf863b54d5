// Issue #14: the `onComment(text)` option (comment lines and heartbeats, in stream order
// with the events, costing nothing when absent) and the `url` option (the URL computed
// before every attempt, for tokens carried in the query string). Entries have the shape
// of suite.js's `tests` (suite.js appends them); all are non-standard.
import {
  SERVER, CROSS, enc, w, pause, END, HANG, newKey, sse, serverLog, streamRequests, sleep, next, until, assert, equal,
  throws, streamOf, errorsOf,
} from './helpers.js';

export const tests = [];
const notNative = 'non-standard option';
function test(name, fn) {
  tests.push({ name: `[NON-SPEC] ${name}`, fn, module: 'comments', nonSpec: true, notNative });
}

/** Opens a source that is closed after the test whatever happens. */
function open(ctx, url, init) {
  const source = new ctx.EventSource(url, init);
  ctx.cleanup(() => source.close());
  return source;
}

/** Records messages (`m:data`) and comments (`c:text`) in one log, in delivery order. */
function logOf(source) {
  const log = [];
  source.addEventListener('message', (event) => log.push(`m:${event.data}`));
  return { log, onComment: (text) => log.push(`c:${text}`) };
}

/** The query parameter `name` of each logged request. */
const param = (requests, name) => requests.map((r) => new URL(r.path, SERVER).searchParams.get(name));

// --- onComment ----------------------------------------------------------------------

test('onComment: each comment\'s text (after the colon and one space), in order with the events', async (ctx) => {
  let onComment;
  const source = open(ctx, sse({
    script: [
      w(': hello\n'),
      // Two events and a comment in one chunk: the comment comes between their listeners.
      w('data: a\n\n: mid\ndata: b\n\n'),
      // A comment split across chunks (and a CR ending, then CRLF, a bare colon).
      w(':  tw'), pause(40), w('o\r'), pause(40), w('\n:\r\n: \u00e9\u{1F600}\n: id: 9\nretry: 5000\ndata: c\n\n'),
      w(':\n'), HANG,
    ],
  }), { onComment: (text) => onComment(text) });
  const recorded = logOf(source);
  onComment = recorded.onComment;
  await until(() => recorded.log.length === 10, { what: 'ten deliveries' });
  await sleep(50);
  equal(recorded.log, ['c:hello', 'm:a', 'c:mid', 'm:b', 'c: two', 'c:', 'c:\u00e9\u{1F600}', 'c:id: 9', 'm:c', 'c:']);
});

test('onComment: comments are no events (no message, lastEventId unchanged) and are reported from fromReadableStream too', async (ctx) => {
  const texts = [];
  const events = [];
  const source = ctx.EventSource.fromReadableStream(
    streamOf(['id: 1\ndata: a\n\n: ping\n', ': id: 2\n\n', ':\n']),
    { onComment: (text) => texts.push([text, source.lastEventId]) },
  );
  ctx.cleanup(() => source.close());
  source.addEventListener('message', (event) => events.push([event.data, event.lastEventId]));
  await next(source, 'error');
  equal(events, [['a', '1']]);
  equal(texts, [['ping', '1'], ['id: 2', '1'], ['', '1']]);
  equal(source.lastEventId, '1');
});

test('onComment: read once, a non-function throws a TypeError; absent, comment lines are never decoded', async (ctx) => {
  let reads = 0;
  const texts = [];
  const init = { get onComment() { reads += 1; return (text) => texts.push(text); } };
  const source = open(ctx, sse({ script: [w(': one\n: two\ndata: x\n\n'), HANG] }), init);
  await next(source, 'message');
  equal([reads, texts], [1, ['one', 'two']]);
  await throws(() => new ctx.EventSource(sse({ script: [HANG] }), { onComment: 'log' }),
    (e) => assert(e instanceof TypeError && /onComment/.test(e.message) && /not a function/.test(e.message), e.message));
  await throws(() => ctx.EventSource.fromReadableStream(streamOf([]), { onComment: {} }),
    (e) => assert(e instanceof TypeError && /onComment/.test(e.message), e.message));
  // A comment of 20 invalid bytes fits a 32-byte limit as received (21 bytes), but its
  // text decoded (20 U+FFFD, 60 bytes) would not: only a parser that reports comments
  // decodes it and fails. Without onComment the line is skipped unread.
  const bytes = () => streamOf([new Uint8Array([0x3a, ...new Array(20).fill(0xff), 0x0a]), 'data: after\n\n']);
  const silent = ctx.EventSource.fromReadableStream(bytes(), { maxEventSize: 32 });
  ctx.cleanup(() => silent.close());
  equal((await next(silent, 'message')).data, 'after');
  const reported = [];
  const reporting = ctx.EventSource.fromReadableStream(bytes(), { maxEventSize: 32, onComment: (t) => reported.push(t) });
  ctx.cleanup(() => reporting.close());
  const messages = [];
  reporting.addEventListener('message', (event) => messages.push(event.data));
  await next(reporting, 'error');
  equal([messages, reported, reporting.readyState], [[], [], 2]);
});

test('onComment: an exception is reported like a listener\'s (global error event) and the stream goes on', async (ctx) => {
  const reported = [];
  const onError = (event) => {
    if (event.error?.message?.startsWith('boom')) {
      reported.push(event.error.message);
      event.preventDefault();
    }
  };
  self.addEventListener('error', onError);
  ctx.cleanup(() => self.removeEventListener('error', onError));
  const texts = [];
  const source = open(ctx, sse({ script: [w(': 1\ndata: a\n\n: 2\ndata: b\n\n: 3\n'), HANG] }), {
    onComment: (text) => { texts.push(text); throw new Error(`boom comment ${text}`); },
  });
  const messages = [];
  source.addEventListener('message', (event) => {
    messages.push(event.data);
    if (event.data === 'a') throw new Error('boom listener a');
  });
  await until(() => texts.length === 3, { what: 'three comments' });
  await sleep(50);
  equal([texts, messages, source.readyState], [['1', '2', '3'], ['a', 'b'], 1]);
  equal(reported, ['boom comment 1', 'boom listener a', 'boom comment 2', 'boom comment 3']);
});

// --- url ----------------------------------------------------------------------------

test('url: a function (sync or async, a string or a URL) names every attempt\'s URL; the server sees each token', async (ctx) => {
  for (const async of [false, true]) {
    const key = newKey('urlfn');
    const named = sse({ key, scripts: [[w('retry: 30\nid: 7\ndata: a\n\n'), END], [HANG]] });
    let n = 0;
    const url = () => {
      n += 1;
      const computed = `${named}&token=t${n}`;
      return async ? sleep(10).then(() => new URL(computed)) : computed;
    };
    const source = open(ctx, named, { url, lastEventIdParam: 'cursor' });
    await next(source, 'error');
    const requests = await streamRequests(key, { wait: 2, timeout: 5000 });
    equal(param(requests, 'token'), ['t1', 't2'], `async ${async}: tokens`);
    // lastEventIdParam applies to the computed URL.
    equal(param(requests, 'cursor'), [null, '7'], `async ${async}: cursor`);
    // The url getter stays the constructor's URL.
    equal(source.url, named);
    source.close();
  }
});

test('url: every attempt starts at the function\'s URL, also after a cross-origin redirect', async (ctx) => {
  const key = newKey('urlredirect');
  const target = sse({ key, origin: CROSS, scripts: [[w('retry: 50\ndata: a\n\n'), END], [w('data: b\n\n'), HANG]] });
  let n = 0;
  const source = open(ctx, sse({ script: [HANG] }), {
    url: () => `${SERVER}/redirect?key=${enc(key)}&status=307&token=t${++n}&to=${enc(target)}`,
  });
  const messages = [];
  source.addEventListener('message', (event) => messages.push([event.data, event.origin]));
  await until(() => messages.length === 2, { what: 'two messages' });
  equal(messages, [['a', CROSS], ['b', CROSS]]);
  const redirects = (await serverLog(key)).requests.filter((r) => r.path.startsWith('/redirect'));
  equal(param(redirects, 'token'), ['t1', 't2']);
});

test('url: a relative result resolves against the base URL; the function is read once and must be callable', async (ctx) => {
  const key = newKey('urlrel');
  let reads = 0;
  const init = { get url() { reads += 1; return () => `/sse?key=${key}&s=hang&token=rel`; } };
  const source = open(ctx, `${SERVER}/sse?s=hang`, init);
  const requests = await streamRequests(key, { wait: 1, timeout: 5000 });
  equal([param(requests, 'token'), reads], [['rel'], 1]);
  await throws(() => new ctx.EventSource(`${SERVER}/sse?s=hang`, { url: `${SERVER}/sse` }),
    (e) => assert(e instanceof TypeError && /'url'/.test(e.message) && /not a function/.test(e.message), e.message));
});

test('url: a function that throws or rejects fails the attempt like a headers function (reconnects)', async (ctx) => {
  for (const reject of [false, true]) {
    const key = newKey('urlthrow');
    let n = 0;
    const source = open(ctx, sse({ key, script: [HANG] }), {
      reconnect: { initialDelay: 20 },
      url: () => {
        n += 1;
        if (n === 1) {
          if (reject) return Promise.reject(new Error('no token yet'));
          throw new Error('no token yet');
        }
        return sse({ key, script: [w('data: ok\n\n'), HANG] });
      },
    });
    const errors = errorsOf(source);
    equal((await next(source, 'message')).data, 'ok');
    equal(errors.map((e) => [e.phase, e.willRetry]), [['connect', true]], `reject ${reject}`);
    equal((await streamRequests(key)).length, 1);
    source.close();
  }
});

test('url: a result that is not a string or URL, does not parse, or cannot be fetched fails the source', async (ctx) => {
  for (const result of [42, undefined, 'http://[bad', 'ftp://example.com/sse', Promise.resolve('about:blank')]) {
    let calls = 0;
    const source = open(ctx, sse({ script: [HANG] }), { url: () => { calls += 1; return result; } });
    const errors = errorsOf(source);
    const messages = [];
    source.addEventListener('message', () => messages.push(1));
    await until(() => source.readyState === 2, { what: `CLOSED for ${String(result)}` });
    await sleep(50);
    equal([errors.map((e) => [e.phase, e.willRetry]), calls, messages.length],
      [[['connect', false]], 1, 0], String(result));
  }
});
