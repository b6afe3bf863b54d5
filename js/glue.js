// @ts-check
// The wasm glue's small JS helpers (imported by `src/web/sys.rs` as a wasm-bindgen module
// snippet): each does in one boundary call what would otherwise take several (build and
// dispatch an event; build and enqueue a stream item).

/**
 * What `deliver_batch` reads before each event (own data properties: see `new_route`).
 * `comment`: the `onComment` option, when given.
 * @typedef {{ closed: boolean, consumer: { enqueue(value: unknown): void } | undefined,
 *   id: string, comment: ((text: string) => void) | undefined }} Route
 */
const idEncoder = new TextEncoder();
const idDecoder = new TextDecoder();
// A long id as a string of its own: a slice of `text` would keep the whole batch alive,
// and (in Chromium) be copied again by every `MessageEvent` it is given to, whereas a
// decoder's string is shared. Once per id change, so in proportion to the input.
/** @param {string} slice */
function own_id(slice) {
  return slice.length > 1024 ? idDecoder.decode(idEncoder.encode(slice)) : slice;
}
// `meta` markers (see src/batch.rs): MESSAGE_TYPE / SAME_ID, COMMENT.
const SAME = 0xffffffff, COMMENT = 0xfffffffe;
/**
 * An exception thrown by `onComment` is reported the way one thrown by an event listener
 * is (the global `error` event; `reportError`), and delivery goes on.
 * @param {unknown} error
 */
function report(error) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else queueMicrotask(() => { throw error; });
}
/**
 * @param {EventTarget} target @param {Route} route @param {string} text
 * @param {Uint32Array} meta @param {string} origin
 */
export function deliver_batch(target, route, text, meta, origin) {
  // `meta` is a view into wasm memory, which a listener could grow (detaching it).
  meta = meta.slice();
  // An id length of 0xffffffff means the previous event's id, which may be in an
  // earlier batch: it is kept on `route`, so an unchanged id is never decoded again.
  // A record starting with COMMENT is a comment: [COMMENT, text length].
  let pos = 0, id = route.id ?? '', queued = 0, i = 0;
  // One init dictionary for the batch: `MessageEvent` copies its members when it is
  // constructed, and no listener can reach it.
  const init = { data: '', origin, lastEventId: id };
  try {
    while (i < meta.length) {
      if (meta[i] === COMMENT) {
        const comment = text.slice(pos, pos += meta[i + 1]);
        i += 2;
        if (route.closed === true) break;
        const hook = route.comment;
        if (hook !== undefined) {
          try { hook(comment); } catch (error) { report(error); }
        }
        continue;
      }
      let type = 'message';
      if (meta[i] !== SAME) type = text.slice(pos, pos += meta[i]);
      const data = text.slice(pos, pos += meta[i + 1]);
      if (meta[i + 2] !== SAME) route.id = id = own_id(text.slice(pos, pos += meta[i + 2]));
      i += 3;
      if (route.closed === true) break;
      const consumer = route.consumer;
      if (consumer !== undefined) {
        consumer.enqueue({ type, data, lastEventId: id, origin });
        queued += 1;
      } else {
        init.data = data;
        init.lastEventId = id;
        target.dispatchEvent(new MessageEvent(type, init));
      }
    }
  } finally {
    // Events left undelivered (closed, or a throw) still set the id the next batch
    // may refer to.
    while (i < meta.length) {
      if (meta[i] === COMMENT) {
        pos += meta[i + 1];
        i += 2;
        continue;
      }
      if (meta[i] !== SAME) pos += meta[i];
      pos += meta[i + 1];
      if (meta[i + 2] !== SAME) route.id = own_id(text.slice(pos, pos += meta[i + 2]));
      i += 3;
    }
  }
  return queued;
}
/** @param {EventTarget} target @param {string} type @param {object | undefined} details */
export function dispatch_simple(target, type, details) {
  const event = new Event(type);
  if (details !== undefined) Object.assign(event, details);
  return target.dispatchEvent(event);
}
/**
 * The description an `error` event carries (own data properties: a page's setters on
 * Object.prototype never run).
 * @param {string} phase @param {number | undefined} status @param {boolean} willRetry
 * @param {number} attempt @param {number | undefined} delay
 */
export function error_details(phase, status, willRetry, attempt, delay) {
  return { phase, status: status ?? null, willRetry, attempt, delay: delay ?? null };
}
/**
 * The `status` and `headers` an `open` event carries.
 * @param {Response} response
 */
export function open_details(response) {
  return { status: response.status, headers: response.headers };
}
/**
 * What `onAuthError` is called with.
 * @param {number} status
 */
export function auth_info(status) {
  return { status };
}
/** `document.baseURI` in a window, `location.href` in a worker; undefined if neither. */
function base_url() {
  try {
    const doc = globalThis.document;
    if (doc !== undefined && doc !== null && typeof doc.baseURI === 'string') return doc.baseURI;
    const href = globalThis.location?.href;
    return typeof href === 'string' ? href : undefined;
  } catch {
    return undefined;
  }
}
/**
 * `url` parsed against the base URL (as the constructor resolves its argument): its
 * `href`, or undefined when it does not parse.
 * @param {string} url
 */
export function resolve_url(url) {
  try {
    return new URL(url, base_url()).href;
  } catch {
    return undefined;
  }
}
/**
 * The text of what a `url` function gave: a string as is, a `URL` as its `href`;
 * undefined for anything else.
 * @param {unknown} value
 */
export function url_text(value) {
  if (typeof value === 'string') return value;
  return value instanceof URL ? value.href : undefined;
}
/**
 * The origin of `url` (`"null"` when it does not parse).
 * @param {string} url
 */
export function origin_of(url) {
  try {
    return new URL(url).origin;
  } catch {
    return 'null';
  }
}
/**
 * Adds (`on`) or removes `listener` for the global `online` event.
 * @param {EventListener} listener @param {boolean} on
 */
export function watch_online(listener, on) {
  try {
    if (on) globalThis.addEventListener('online', listener);
    else globalThis.removeEventListener('online', listener);
  } catch {}
}
/** @param {{ desiredSize: number | null }} controller */
export function desired_size(controller) {
  return controller.desiredSize ?? 0;
}
/** @param {{ close(): void, error(e: unknown): void }} controller @param {unknown} error */
export function end_stream(controller, error) {
  try {
    if (error === undefined) controller.close(); else controller.error(error);
  } catch {}
}
/** @param {{ phase: string, status: number | null }} details */
export function failure(details) {
  const status = details.status === null ? '' : ` ${details.status}`;
  return Object.assign(new Error(`EventSource failed (${details.phase}${status})`), details);
}
export function is_offline() {
  return globalThis.navigator?.onLine === false;
}
export function now() {
  return performance.timeOrigin + performance.now();
}
/**
 * @param {((text: string) => void) | undefined} comment the `onComment` option
 * @returns {Route}
 */
export function new_route(comment) {
  // Own data properties from the start, so that setting them never runs a setter a
  // page may have defined on Object.prototype.
  return { closed: false, consumer: undefined, id: '', comment };
}
/**
 * From now on `route` enqueues into `consumer`.
 * @param {Route} route @param {{ enqueue(value: unknown): void }} consumer
 */
export function route_to(route, consumer) {
  route.consumer = consumer;
}
/**
 * What the inactivity timer calls: aborts `controller`.
 * @param {AbortController} controller
 */
export function aborter(controller) {
  return () => controller.abort();
}
/** @param {Route} route */
export function mark_closed(route) {
  route.closed = true;
}
/** @param {Promise<unknown>} promise */
export function ignore_rejection(promise) {
  promise.then(undefined, () => {});
}
/** @param {any} error */
export function is_abort_error(error) {
  return error?.name === 'AbortError';
}
/** @param {unknown} error */
export function is_type_error(error) {
  return error instanceof TypeError;
}
export function global_origin() {
  return typeof globalThis.origin === 'string' ? globalThis.origin : undefined;
}
/**
 * @param {string} url @param {RequestCredentials} credentials
 * @param {AbortController} controller @param {number} ms
 */
export function probe(url, credentials, controller, ms) {
  const timer = setTimeout(() => controller.abort(), ms);
  return fetch(url, { mode: 'no-cors', cache: 'no-store', credentials, signal: controller.signal })
    .then(() => true, () => false)
    .finally(() => { clearTimeout(timer); controller.abort(); });
}
