/**
 * eventsource-wasm: a spec-exact `EventSource` (server-sent events) whose parser is Rust
 * compiled to WebAssembly, with headers, POST bodies and reconnection controls on top.
 *
 * `new EventSource(url)` behaves like the platform's; the second argument accepts
 * everything `EventSourceInit` does plus the options below (all non-standard).
 *
 * Browsers: Chrome/Edge 91+, Firefox 90+, Safari 16.4+ (WebAssembly SIMD, private class
 * methods); Node.js 20+, Deno 2, Bun.
 */

/** The `{status}` passed to {@link EventSourceOptions.onAuthError}. */
export interface AuthErrorInfo {
  /** 401 or 403. */
  status: number;
}

/**
 * Reconnection policy. Defaults reproduce the browser: a constant delay, forever.
 * Numbers are converted like WebIDL's (numeric strings work, integers truncate toward
 * zero; NaN, ±Infinity and out-of-range values throw a TypeError).
 */
export interface ReconnectOptions {
  /** Delay before the first reconnection, until the server sends `retry:`. Integer ms ≥ 0. Default 3000 ms. */
  initialDelay?: number;
  /** Upper bound of the backoff. Integer ms ≥ 0. Default 30000 ms (used only when `multiplier > 1`). */
  maxDelay?: number;
  /** Backoff growth per consecutive failure, ≥ 0 (≤ 1 is constant). Default 1. */
  multiplier?: number;
  /** Random spread of each delay, as a ratio in [0, 1]. Default 0. */
  jitter?: number;
  /** Give up after this many consecutive failed reconnections (integer ≥ 0). Default `Infinity` (never). */
  maxRetries?: number;
  /** HTTP statuses (100–599) that reconnect (honouring `Retry-After`) instead of failing. Default none. */
  retryOnStatus?: Iterable<number>;
  /** Cap for a `Retry-After` delay. Integer ms ≥ 0. Default 60000 ms. */
  retryAfterCap?: number;
}

/** A request body, or a function returning a fresh one for every attempt. */
export type EventSourceBody =
  | string
  | URLSearchParams
  | FormData
  | Blob
  | ArrayBuffer
  | ArrayBufferView
  | (() => BodyInit | null | undefined | Promise<BodyInit | null | undefined>);

/** Request headers, or a (sync or async) function called before every attempt. */
export type EventSourceHeaders =
  | HeadersInit
  | (() => HeadersInit | Promise<HeadersInit>);

/** The constructor's second argument: `EventSourceInit` plus request and policy options. */
export interface EventSourceOptions extends EventSourceInit {
  /** Request headers (e.g. `Authorization`), re-evaluated before every attempt when a function. */
  headers?: EventSourceHeaders;
  /** HTTP method. Default `GET`. */
  method?: string;
  /** Request body, or a function returning a fresh body per attempt. A ReadableStream must come from a function. */
  body?: EventSourceBody;
  /** Fetch credentials mode; overrides `withCredentials` when given. */
  credentials?: RequestCredentials;
  /** Fetch mode. Default `cors`. */
  mode?: RequestMode;
  /** Fetch redirect mode. Default `follow`. */
  redirect?: RequestRedirect;
  /** Fetch referrer. */
  referrer?: string;
  /** Fetch referrer policy. */
  referrerPolicy?: ReferrerPolicy;
  /** Subresource integrity metadata (fetch then waits for the whole body: finite streams only). */
  integrity?: string;
  /** Fetch `keepalive`. */
  keepalive?: boolean;
  /** A `fetch`-compatible function used instead of the global one. */
  fetch?: (input: Request) => Promise<Response>;
  /** The cursor to resume from: sent as `Last-Event-ID` from the first request on. */
  lastEventId?: string;
  /**
   * Carry the cursor in this query parameter instead of the `Last-Event-ID` header (which
   * makes a cross-origin fetch preflighted): each request whose last event ID is non-empty
   * goes to the URL with `name=<id>` set (replacing any parameter of that name). A
   * non-empty string.
   */
  lastEventIdParam?: string;
  /** Closes the source when aborted (an already-aborted signal closes it at once). */
  signal?: AbortSignal;
  /**
   * Computes the URL of every attempt (tokens in the query string), resolved against the
   * base URL like the `url` argument, which stays the `url` getter's value. Throwing or
   * rejecting fails the attempt (reconnects); a result that does not parse or cannot be
   * fetched fails the source.
   */
  url?: () => string | URL | Promise<string | URL>;
  /**
   * Called with each comment line's text (after the colon and one optional space:
   * `: hello` → `"hello"`), in order with the events. Comments are never events. Absent,
   * comment lines are skipped undecoded.
   */
  onComment?: (text: string) => void;
  /** Reconnection policy (backoff, jitter, max retries, retryable statuses). */
  reconnect?: ReconnectOptions;
  /** A clean end of the stream closes instead of reconnecting (request/response streams). */
  finite?: boolean;
  /** Called on 401/403; when it resolves the source reconnects at once, keeping Last-Event-ID. */
  onAuthError?: (info: AuthErrorInfo) => void | Promise<void>;
  /** No bytes (not even a comment) for this many ms counts as a dropped connection. Integer ms; `0` (or below 1) is off. */
  inactivityTimeout?: number;
  /** While `navigator.onLine` is false, wait for `online` before reconnecting. Default true. */
  waitForOnline?: boolean;
  /** Largest buffered event (line + data) in bytes (integer ≥ 1) before the source fails. Default 16 MiB. */
  maxEventSize?: number;
  /** Events (integer ≥ 1) the iterator/stream queue holds before reading pauses. Default 64. */
  highWaterMark?: number;
  /**
   * Keep the last event ID in `sessionStorage` or `localStorage` (key: the resolved URL,
   * or `resumeKey`) and start from it after a reload (sent as `Last-Event-ID`). An empty
   * `id:` clears it. Storage that is unavailable or full is ignored.
   */
  resume?: 'session' | 'local';
  /** The storage key of `resume` instead of the resolved URL (a non-empty string). */
  resumeKey?: string;
  /**
   * Share one connection with every source of the same key in same-origin tabs, frames
   * and workers (Web Locks elect the tab that connects; events reach the others over
   * BroadcastChannel). `true`: the key is the resolved URL plus `withCredentials`; a
   * non-empty string: that key. Where Web Locks or BroadcastChannel are missing the
   * source connects on its own.
   */
  shared?: boolean | string;
}

/**
 * Options for {@link EventSource.fromReadableStream}: the only members read (the
 * constructor's other options concern requests and reconnections and are ignored).
 */
export interface FromReadableStreamOptions {
  /** Largest buffered event (line + data) in bytes (integer ≥ 1) before the source fails. */
  maxEventSize?: number;
  /** Events (integer ≥ 1) the iterator/stream queue holds before reading pauses. */
  highWaterMark?: number;
  /** The initial last event ID. */
  lastEventId?: string;
  /** Called with each comment line's text, in order with the events. */
  onComment?: (text: string) => void;
  /** Closes the source when aborted (an already-aborted signal closes it at once, unread). */
  signal?: AbortSignal;
}

/** Where a connection failed, as reported on `error` events (non-standard). */
export type EventSourceErrorPhase =
  | 'connect' | 'response' | 'content-type' | 'body' | 'parse-limit' | 'timeout' | 'auth';

/** The `open` event: a plain `Event` with the response's status and headers (non-standard). */
export interface EventSourceOpenEvent extends Event {
  readonly status?: number;
  readonly headers?: Headers;
}

/** The `error` event: a plain `Event` carrying a description of the failure (non-standard). */
export interface EventSourceErrorEvent extends Event {
  readonly phase?: EventSourceErrorPhase;
  /** The HTTP status, when a response caused the error. */
  readonly status?: number | null;
  /** Whether the source will reconnect (`readyState` is CONNECTING). */
  readonly willRetry?: boolean;
  /** The attempt that failed (1 = the first connection). */
  readonly attempt?: number;
  /** Milliseconds until the next attempt, when `willRetry`. */
  readonly delay?: number | null;
}

/**
 * An event delivered by the async iterator / `stream()`. `Type` is the union of the event
 * names the source was declared with and `'message'` (plain `string` by default).
 */
export interface EventSourceMessage<Type extends string = string> {
  readonly type: Type;
  readonly data: string;
  readonly lastEventId: string;
  readonly origin: string;
}

export interface EventSourceEventMap {
  open: EventSourceOpenEvent;
  message: MessageEvent<string>;
  error: EventSourceErrorEvent;
}

/**
 * A drop-in `EventSource`: an `EventTarget` dispatching real `MessageEvent`s.
 *
 * `Events` optionally names the event types the server sends (`event:` lines):
 * `new EventSource<'price' | 'news'>(url)` types `addEventListener('price', e => …)` with a
 * `MessageEvent<string>`, rejects any other name (`'prices'`) at compile time (`open`,
 * `message` and `error` always work), and types the iterator's `type` as
 * `'price' | 'news' | 'message'`. Left out, any name is accepted, as with the platform's.
 */
export declare class EventSource<Events extends string = string> extends EventTarget {
  constructor(url: string | URL, init?: EventSourceOptions);

  /** Parses an event stream from any byte stream (whatwg/html, 2026). */
  static fromReadableStream<Events extends string = string>(
    stream: ReadableStream<Uint8Array>,
    options?: FromReadableStreamOptions,
  ): EventSource<Events>;

  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSED: 2;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;

  /** The resolved URL (`about:event-stream` for stream sources). */
  readonly url: string;
  readonly withCredentials: boolean;
  readonly readyState: 0 | 1 | 2;
  /** The last event ID string (whatwg/html, 2026). */
  readonly lastEventId: string;
  /** The reconnection time in ms (whatwg/html, 2026). */
  readonly reconnectionTime: number;

  // `this` is typed as the platform interface so that instances stay assignable to it.
  onopen: ((this: globalThis.EventSource, ev: EventSourceOpenEvent) => any) | null;
  onmessage: ((this: globalThis.EventSource, ev: MessageEvent<string>) => any) | null;
  onerror: ((this: globalThis.EventSource, ev: EventSourceErrorEvent) => any) | null;

  /** Aborts the connection and any pending reconnection; `readyState` becomes CLOSED. */
  close(): void;
  /** Discards data buffered for an event not dispatched yet (whatwg/html, 2026). */
  reset(): void;
  [Symbol.dispose](): void;

  /** Events as an async iterable with a bounded queue; reading pauses when it is full. */
  [Symbol.asyncIterator](): AsyncIterator<EventSourceMessage<Events | 'message'>>;
  /** Events as a ReadableStream with backpressure. */
  stream(): ReadableStream<EventSourceMessage<Events | 'message'>>;

  addEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: (this: EventSource<Events>, ev: EventSourceEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: Events,
    listener: (this: EventSource<Events>, event: MessageEvent<string>) => any,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: Events | keyof EventSourceEventMap,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: (this: EventSource<Events>, ev: EventSourceEventMap[K]) => any,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: Events,
    listener: (this: EventSource<Events>, event: MessageEvent<string>) => any,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: Events | keyof EventSourceEventMap,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}

export default EventSource;

/**
 * Whether `source` holds the connection of its `shared` group: true or false for a shared
 * source, null for any other.
 */
export declare function isSharedLeader(source: EventSource): boolean | null;

/**
 * Sets `globalThis.EventSource` to this package's class (always, or only where the
 * platform has none) and returns the class installed afterwards.
 */
export declare function installEventSource(options?: {
  onlyIfMissing?: boolean;
}): typeof globalThis.EventSource;
