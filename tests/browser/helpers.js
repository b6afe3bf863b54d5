// Helpers for tests/browser/suite.js: scripted server URLs, event recording, waiting.
// The page is served by the SSE test server itself, so `SERVER` is same-origin and
// `CROSS` (localhost instead of 127.0.0.1) is the same server as another origin.

export const SERVER = self.location.origin;
export const CROSS = SERVER.replace('127.0.0.1', 'localhost');

const encoder = new TextEncoder();

/** Percent-encodes every byte that is not unreserved (so `|`, `:`, CR, LF… survive). */
export function enc(input) {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Script steps for the server's /sse endpoint. */
export const w = (data) => `w:${enc(data)}`;
export const pause = (ms) => `s:${ms}`;
export const END = 'end';
export const HANG = 'hang';
export const ABORT = 'abort';
/** TCP reset (SO_LINGER 0 then close): the client sees ECONNRESET. */
export const RST = 'rst';
/** The connection is accepted and never answered (not even a status line). */
export const NOANSWER = 'noanswer';
/** From here on one byte per write, each followed by `ms` (0: off). */
export const drip = (ms) => `drip:${ms}`;
/** `n` bytes of the server's fill pattern (see `fillText`). */
export const fill = (n) => `f:${n}`;

const ALPHA = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** What the `f:n` step writes: `ALPHA[j % 62]` for j in 0..n. */
export function fillText(n) {
  return ALPHA.repeat(Math.ceil(n / ALPHA.length)).slice(0, n);
}

let counter = 0;
/** A key unique to one test, grouping its requests in the server log. */
export function newKey(name = 't') {
  counter += 1;
  return `${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}-${counter}`;
}

/**
 * URL of a scripted stream. `scripts` is a list of step lists, one per connection
 * number (the last one repeats); `script` is shorthand for one list used for all.
 */
export function sse({ key, status, ctype, headers = [], script, scripts, origin = SERVER } = {}) {
  const q = [];
  if (key) q.push(`key=${enc(key)}`);
  if (status !== undefined) q.push(`status=${status}`);
  if (ctype !== undefined) q.push(`ctype=${enc(ctype)}`);
  for (const h of headers) q.push(`header=${enc(h)}`);
  if (script) q.push(`s=${script.join('|')}`);
  if (scripts) {
    scripts.forEach((steps, i) => q.push(`s${i}=${steps.join('|')}`));
    q.push(`s=${scripts[scripts.length - 1].join('|')}`);
  }
  return `${origin}/sse?${q.join('&')}`;
}

/** The server's record of a key: `{count, requests: [{method, path, headers, body, t}]}`. */
export async function serverLog(key, { wait, timeout } = {}) {
  const q = new URLSearchParams({ key });
  if (wait !== undefined) q.set('wait', String(wait));
  if (timeout !== undefined) q.set('timeout', String(timeout));
  const response = await fetch(`${SERVER}/log?${q}`);
  return response.json();
}

/** The GET/POST (not preflight) requests of a key. */
export async function streamRequests(key, options) {
  const log = await serverLog(key, options);
  return log.requests.filter((r) => r.method !== 'OPTIONS' && r.path.startsWith('/sse'));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Records events of `types` on `source` as plain objects, in order, with the readyState
 * seen during dispatch.
 */
export function record(source, types = ['open', 'message', 'error']) {
  const seen = [];
  for (const type of types) {
    source.addEventListener(type, (event) => {
      seen.push({
        type: event.type,
        data: event.data,
        lastEventId: event.lastEventId,
        origin: event.origin,
        readyState: source.readyState,
        event,
      });
    });
  }
  return seen;
}

/** Resolves once `predicate()` is true (polling), rejects after `timeout` ms. */
export async function until(predicate, { timeout = 8000, what = 'condition' } = {}) {
  const start = performance.now();
  while (!predicate()) {
    if (performance.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Resolves with the next event of `type` on `target`. */
export function next(target, type, { timeout = 8000 } = {}) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event within ${timeout} ms`)), timeout);
    target.addEventListener(type, (event) => {
      clearTimeout(timer);
      resolve(event);
    }, { once: true });
  });
}

export function assert(condition, message = 'assertion failed') {
  if (!condition) throw new Error(message);
}

export function equal(actual, expected, message = '') {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message ? `${message}: ` : ''}expected ${e}, got ${a}`);
}

export async function throws(fn, check, message = 'expected an exception') {
  let thrown;
  try {
    await fn();
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) throw new Error(message);
  check(thrown);
}

/** A ReadableStream of the given chunks (strings are UTF-8 encoded), then closed. */
export function streamOf(chunks, { close = true } = {}) {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) {
        controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      }
      if (close) controller.close();
    },
  });
}

/** The `error` events of `source` (their non-standard details included), in order. */
export function errorsOf(source) {
  const errors = [];
  source.addEventListener('error', (event) => {
    errors.push({
      phase: event.phase, status: event.status, willRetry: event.willRetry,
      attempt: event.attempt, delay: event.delay, readyState: source.readyState,
      t: performance.now(),
    });
  });
  return errors;
}

/** Stubs `navigator.onLine` (an own property shadowing the prototype getter). */
export function stubOnLine(value) {
  Object.defineProperty(self.navigator, 'onLine', { configurable: true, get: () => value.current });
  return () => { delete self.navigator.onLine; };
}

/**
 * A `fetch` for the `fetch` option that hands the body on in pieces of at most `piece`
 * bytes, only when the reader asks (highWaterMark 0), counting what it handed on in
 * `meter.bytes`: a probe of how much of the response the source has read. `win`: the
 * realm whose `fetch`, streams and `Response` it uses (a source in a frame checks that it
 * gets its own realm's `Response`).
 */
export function meteredFetch(piece = 4096, win = globalThis) {
  const { fetch, ReadableStream, Response } = win;
  const meter = { bytes: 0, fetch: null };
  meter.fetch = async (request) => {
    const response = await fetch(request);
    const reader = response.body.getReader();
    let rest = new Uint8Array(0);
    const body = new ReadableStream({
      async pull(controller) {
        if (rest.length === 0) {
          const { done, value } = await reader.read();
          if (done) {
            controller.close();
            return;
          }
          rest = value;
        }
        const chunk = rest.subarray(0, piece);
        rest = rest.subarray(chunk.length);
        meter.bytes += chunk.length;
        controller.enqueue(chunk);
      },
      cancel(reason) { return reader.cancel(reason); },
    }, { highWaterMark: 0 });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return meter;
}
