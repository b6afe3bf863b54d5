// @ts-check
// The constructor's second argument: `EventSourceInit` (`withCredentials`) plus this
// package's non-standard options, read the way WebIDL converts a dictionary (members in
// lexicographic order, getter exceptions propagate), and the fetch `Request` built from
// them for each attempt. Imported by the wasm core (a wasm-bindgen module snippet), which
// gets the converted values as one plain object (`Read`) of own data properties.
//
// Numbers are converted as WebIDL converts them to the type each option declares
// (docs/options.md lists them): ToNumber first (so `"10"` and an object's `valueOf`
// work), then `[EnforceRange]` integers throw on NaN and ±Infinity, truncate toward
// zero and throw outside their type's range, and `double`s throw unless finite; an
// option's own range (e.g. `highWaterMark >= 1`) is checked last. The exceptions are
// `TypeError`s worded like Chromium's.

/**
 * What the core reads (see `src/web/options.rs`). `n` holds the numbers, NaN where not
 * given: [initialDelay, maxDelay, multiplier, jitter, maxRetries (Infinity: no limit),
 * retryAfterCap, highWaterMark, inactivityTimeout, maxEventSize, withCredentials (0/1),
 * finite (0/1), waitForOnline (0/1), onAuthError given (0/1), cors mode (0/1)].
 * @typedef {{ n: number[], statuses: number[] | undefined, lastEventId: string | undefined,
 *   lastEventIdParam: string | undefined, headers: unknown, body: unknown,
 *   fetch: Function | undefined, onAuthError: Function | undefined,
 *   onComment: Function | undefined, url: Function | undefined,
 *   signal: AbortSignal | undefined, init: Record<string, unknown> }} Read
 */

/** @typedef {{ context: string, name: string }} Dictionary */

const CONSTRUCT = "Failed to construct 'EventSource': ";
/** @type {Dictionary} */
const INIT = { context: CONSTRUCT, name: 'EventSourceInit' };
/** @type {Dictionary} */
const STREAM_INIT = {
  context: "Failed to execute 'fromReadableStream' on 'EventSource': ",
  name: 'FromReadableStreamOptions',
};
/** @type {Dictionary} */
const RECONNECT = {
  context: `${CONSTRUCT}Failed to read the 'reconnect' property from 'EventSourceInit': `,
  name: 'ReconnectOptions',
};

// The WebIDL numeric types: [name in messages, largest value].
/** @typedef {[string, number]} Numeric */
/** @type {Numeric} */
const UNSIGNED_SHORT = ['unsigned short', 65535];
/** @type {Numeric} */
const UNSIGNED_LONG = ['unsigned long', 4294967295];
/** @type {Numeric} */
const UNSIGNED_LONG_LONG = ['unsigned long long', Number.MAX_SAFE_INTEGER];
/** @type {Numeric} */
const DOUBLE = ['double', Number.MAX_VALUE];

/** @typedef {[number, number, string]} Range */
/** @type {Range} */
const ANY = [0, Number.MAX_VALUE, ''];
/** @type {Range} */
const AT_LEAST_1 = [1, Number.MAX_VALUE, 'at least 1'];

/**
 * A `TypeError` about `member`'s value.
 * @param {Dictionary} dict @param {string} member @param {string} what
 */
function fail(dict, member, what) {
  return new TypeError(`${dict.context}Failed to read the '${member}' property from '${dict.name}': ${what}`);
}

/**
 * WebIDL's dictionary check: `undefined` and `null` are an empty dictionary; another
 * non-object is a `TypeError`.
 * @param {Dictionary} dict @param {unknown} init
 */
function check(dict, init) {
  if (init != null && typeof init !== 'object' && typeof init !== 'function') {
    throw new TypeError(`${dict.context}The provided value is not of type '${dict.name}'.`);
  }
}

/**
 * ECMAScript ToNumber (a `valueOf` that throws propagates; a Symbol or a BigInt throws
 * the engine's own `TypeError`).
 * [spec] WebIDL ConvertToInt / `double`: "Let x be ? ToNumber(V)."
 * @param {unknown} value
 */
const toNumber = (value) => (typeof value === 'number' ? value : Math.max(/** @type {any} */ (value)));

/**
 * The IDL part of the conversion, on a number.
 * @param {Dictionary} dict @param {string} member @param {number} n @param {Numeric} ty
 */
function convert(dict, member, n, ty) {
  let what;
  if (ty === DOUBLE) {
    // [spec] WebIDL `double`: "If x is NaN, +∞, or −∞, then throw a TypeError."
    if (Number.isFinite(n)) return n;
    what = 'The provided double value is non-finite.';
  } else if (Number.isNaN(n)) {
    // [spec] WebIDL ConvertToInt, [EnforceRange]: "If x is NaN, +∞, or −∞, then throw a
    // TypeError. Set x to IntegerPart(x). If x < lowerBound or x > upperBound, then
    // throw a TypeError."
    what = `Value is not of type '${ty[0]}'.`;
  } else if (!Number.isFinite(n)) {
    what = `Value is infinite and not of type '${ty[0]}'.`;
  } else {
    // IntegerPart truncates toward zero; `+ 0` turns −0 into 0.
    const x = Math.trunc(n) + 0;
    if (x >= 0 && x <= ty[1]) return x;
    what = `Value is outside the '${ty[0]}' value range.`;
  }
  throw fail(dict, member, what);
}

/**
 * WebIDL's conversion of `value` to `ty`, then the option's own range.
 * @param {Dictionary} dict @param {string} member @param {unknown} value @param {Numeric} ty
 * @param {Range} range
 */
function number(dict, member, value, ty, [min, max, rule]) {
  const n = convert(dict, member, toNumber(value), ty);
  if (n < min || n > max) throw fail(dict, member, `The value must be ${rule}.`);
  return n;
}

/**
 * WebIDL `USVString` conversion (`ToString`, which throws for a Symbol).
 * @param {unknown} value
 */
export function usvString(value) {
  if (typeof value === 'symbol') throw new TypeError('Cannot convert a Symbol value to a string');
  return String(value);
}

/**
 * A function, or a `TypeError`.
 * @param {Dictionary} dict @param {string} member @param {unknown} value
 */
function func(dict, member, value) {
  if (typeof value !== 'function') throw fail(dict, member, 'The provided value is not a function.');
  return value;
}

/**
 * `retryOnStatus`: `sequence<[EnforceRange] unsigned short>` of HTTP statuses (100 to 599).
 * @param {Dictionary} dict @param {string} member @param {any} value
 */
function statuses(dict, member, value) {
  if ((typeof value !== 'object' || value === null) && typeof value !== 'function' ||
      typeof value[Symbol.iterator] !== 'function') {
    throw fail(dict, member, 'The provided value cannot be converted to a sequence.');
  }
  // The whole sequence is read first, then each status converted.
  return Array.from(value).map((status) =>
    number(dict, member, status, UNSIGNED_SHORT, [100, 599, 'an HTTP status (100 to 599)']));
}

const MEMBERS = ['body', 'credentials', 'fetch', 'finite', 'headers', 'highWaterMark',
  'inactivityTimeout', 'integrity', 'keepalive', 'lastEventId', 'lastEventIdParam',
  'maxEventSize', 'method', 'mode', 'onAuthError', 'onComment', 'reconnect', 'redirect',
  'referrer', 'referrerPolicy', 'signal', 'url', 'waitForOnline', 'withCredentials'];
const STREAM_MEMBERS = ['highWaterMark', 'lastEventId', 'maxEventSize', 'onComment', 'signal'];
const RECONNECT_MEMBERS = ['initialDelay', 'jitter', 'maxDelay', 'maxRetries', 'multiplier',
  'retryAfterCap', 'retryOnStatus'];

/**
 * Reads the constructor's init dictionary (`stream`: the options of
 * `fromReadableStream`, of which only `highWaterMark`, `lastEventId`, `maxEventSize`,
 * `onComment` and `signal` are read) in WebIDL's lexicographic order, each member
 * converted before the next is read.
 * @param {any} init @param {boolean} stream
 * @returns {Read}
 */
export function readOptions(init, stream) {
  const dict = stream ? STREAM_INIT : INIT;
  const n = [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0, 0, 1, 0, 1];
  /** @type {Read} */
  const read = {
    n, statuses: undefined, lastEventId: undefined, lastEventIdParam: undefined,
    headers: undefined, body: undefined, fetch: undefined, onAuthError: undefined,
    onComment: undefined, url: undefined, signal: undefined,
    init: { method: 'GET', mode: 'cors', cache: 'no-store' },
  };
  /** @type {string | undefined} */
  let credentials;
  check(dict, init);
  for (const name of stream ? STREAM_MEMBERS : MEMBERS) {
    const value = init == null ? undefined : init[name];
    if (value === undefined) continue;
    switch (name) {
      case 'body':
        if (value instanceof ReadableStream) {
          throw fail(dict, name, 'A ReadableStream cannot be sent again on reconnection: pass a function that returns a new stream for every attempt.');
        }
        read.body = value ?? undefined;
        break;
      case 'fetch': read.fetch = func(dict, name, value); break;
      case 'finite': n[10] = +!!value; break;
      case 'headers':
        // A copy now, like fetch: later changes to the caller's object do not apply.
        read.headers = typeof value === 'function' || value === null ? value ?? undefined : new Headers(value);
        break;
      case 'highWaterMark': n[6] = number(dict, name, value, UNSIGNED_LONG, AT_LEAST_1); break;
      // 0 (and so 0.5, truncated to 0) is "off".
      case 'inactivityTimeout': n[7] = number(dict, name, value, UNSIGNED_LONG_LONG, ANY); break;
      case 'keepalive': read.init[name] = !!value; break;
      case 'lastEventId': read.lastEventId = usvString(value); break;
      case 'lastEventIdParam':
        // A `USVString` that must not be empty (a nameless parameter is no cursor).
        read.lastEventIdParam = usvString(value);
        if (read.lastEventIdParam === '') throw fail(dict, name, 'The value must not be empty.');
        break;
      case 'maxEventSize': n[8] = number(dict, name, value, UNSIGNED_LONG_LONG, AT_LEAST_1); break;
      case 'onAuthError': read.onAuthError = func(dict, name, value); n[12] = 1; break;
      // Called with each comment line's text; absent, the parser skips comments unread.
      case 'onComment': read.onComment = func(dict, name, value); break;
      case 'reconnect': reconnect(value, n, read); break;
      case 'signal':
        if (!(value instanceof AbortSignal)) throw fail(dict, name, "Failed to convert value to 'AbortSignal'.");
        read.signal = value;
        break;
      // Called before every attempt for the URL to fetch (the `url` argument stays the
      // `url` getter's value).
      case 'url': read.url = func(dict, name, value); break;
      case 'waitForOnline': n[11] = +!!value; break;
      case 'withCredentials': n[9] = +!!value; break;
      default: {
        // RequestInit members: strings the platform validates (see `validate`).
        const string = usvString(value);
        read.init[name] = string;
        if (name === 'credentials') credentials = string;
      }
    }
  }
  // `credentials` wins over `withCredentials` when both are given.
  if (credentials !== undefined) n[9] = +(credentials === 'include');
  else read.init.credentials = n[9] ? 'include' : 'same-origin';
  n[13] = +(read.init.mode === 'cors');
  return read;
}

/**
 * Reads the `reconnect` dictionary into `n` and `read.statuses`.
 * @param {any} value @param {number[]} n @param {Read} read
 */
function reconnect(value, n, read) {
  check(RECONNECT, value);
  for (const name of RECONNECT_MEMBERS) {
    const v = value == null ? undefined : value[name];
    if (v === undefined) continue;
    switch (name) {
      case 'initialDelay': n[0] = number(RECONNECT, name, v, UNSIGNED_LONG_LONG, ANY); break;
      case 'jitter': n[3] = number(RECONNECT, name, v, DOUBLE, [0, 1, 'from 0 to 1']); break;
      case 'maxDelay': n[1] = number(RECONNECT, name, v, UNSIGNED_LONG_LONG, ANY); break;
      case 'maxRetries': {
        // `unrestricted double`: Infinity is "no limit"; any other value is converted as
        // an `[EnforceRange] unsigned long`.
        const x = toNumber(v);
        n[4] = x === Infinity ? x : convert(RECONNECT, name, x, UNSIGNED_LONG);
        break;
      }
      case 'multiplier': n[2] = number(RECONNECT, name, v, DOUBLE, [0, Number.MAX_VALUE, 'at least 0']); break;
      case 'retryAfterCap': n[5] = number(RECONNECT, name, v, UNSIGNED_LONG_LONG, ANY); break;
      default: read.statuses = statuses(RECONNECT, name, v);
    }
  }
}

/**
 * The request for one attempt: the fixed members, `Accept: text/event-stream` (unless
 * the headers set their own `Accept`), `headers` (the fixed copy or what the headers
 * function returned), `Last-Event-ID` when given, the body, and the attempt's signal.
 * @param {Read} read @param {string} url @param {string | undefined} lastEventId
 * @param {AbortSignal | undefined} signal @param {any} headers @param {any} body
 */
export function buildRequest(read, url, lastEventId, signal, headers, body) {
  const list = new Headers(headers ?? undefined);
  if (!list.has('accept')) list.set('Accept', 'text/event-stream');
  if (lastEventId !== undefined) list.set('Last-Event-ID', lastEventId);
  /** @type {Record<string, unknown>} */
  const init = Object.assign({}, read.init);
  init.headers = list;
  if (signal !== undefined) init.signal = signal;
  if (body != null) {
    init.body = body;
    // Required by fetch for a streaming upload.
    if (body instanceof ReadableStream) init.duplex = 'half';
  }
  return new Request(url, /** @type {RequestInit} */ (init));
}

/**
 * Builds a request from the fixed members only, so that an invalid `method`, `mode`,
 * `credentials`, header, body… throws the platform's `TypeError` from the constructor
 * rather than failing every attempt. The URL is a fixed placeholder.
 * @param {Read} read
 */
export function validate(read) {
  const fixed = (/** @type {unknown} */ v) => (typeof v === 'function' ? undefined : v);
  buildRequest(read, 'about:blank', undefined, undefined, fixed(read.headers), fixed(read.body));
}
