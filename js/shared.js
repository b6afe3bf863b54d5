// Sharing (`shared: true | 'key'`): sources with the same key in same-origin tabs,
// frames and workers share ONE network connection. The tab holding the Web Lock named
// after the key (`navigator.locks`) is the leader: it runs the wasm core with its own
// options and relays what the core dispatches (open, messages, errors) over a
// BroadcastChannel of the same name; every other tab replays those as its own events.
//
// - A joining tab says `hello`; the leader answers with its state (open or not, the last
//   event ID, the reconnection time), so the newcomer fires `open` if the connection is.
// - `close()` leaves the group: a leader closes its core and releases the lock, so the
//   next waiting tab leads and reconnects at once with the last event ID it saw; the
//   last tab to close ends the connection.
// - A leader that crashes or is discarded loses the lock with its page; a leader frozen
//   or put in the back/forward cache lets go itself (js/lifecycle.js). Either way the
//   next tab leads within moments (not after the reconnection time).
// - Every tab sees a change of leader as a dropped and re-established connection: if it
//   was OPEN, `error` (readyState CONNECTING, `willRetry: true`), then `open`. The new
//   leader resumes from its last event ID; a tab that got further than the new leader
//   drops the replayed events whose ids it has already seen, so no tab misses or repeats
//   an event when the server sends ids.
// - Only the leader's options shape the request (headers functions, body, fetch,
//   reconnect policy run in the leader only); a follower's options are validated (a bad
//   one throws) and used when that tab becomes leader. Per tab: `signal` (closes that tab
//   only), `highWaterMark`, `resume`, `onComment`.
// - Comments are relayed like events, in stream order: each tab's own `onComment` gets
//   them, whichever tab leads (so the leader's parser always reports comments).

import { carriedInit, overlay, pinSuspended, watchLifecycle, unwatchLifecycle } from './lifecycle.js';

/** The prefix of the lock and channel names. */
export const SHARED_PREFIX = 'eventsource-wasm:shared:';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
/** How many recent ids a tab remembers to drop replayed events after a change of leader. */
const SEEN_LIMIT = 1024;

/** @type {WeakMap<object, SharedSource>} The shared core of each shared EventSource. */
const sharedOf = new WeakMap();

/**
 * Whether `source` (an EventSource) holds its group's connection: true or false for a
 * shared source, null for any other.
 * @param {object} source
 * @returns {boolean | null}
 */
export function isSharedLeader(source) {
  const shared = sharedOf.get(source);
  return shared === undefined ? null : shared.leader;
}

/** Whether this global can share (Web Locks and BroadcastChannel). */
export function canShare() {
  return typeof BroadcastChannel === 'function' &&
    typeof globalThis.navigator?.locks?.request === 'function';
}

/**
 * A relayed event: what crosses the channel.
 * @typedef {{ t: string, from?: string, [k: string]: any }} Note
 */

/** @param {any} event @returns {Record<string, unknown>} */
function errorDetails(event) {
  return {
    phase: event.phase, status: event.status, willRetry: event.willRetry,
    attempt: event.attempt, delay: event.delay,
  };
}

/** The Error a `stream()`/`for await` consumer gets when the shared connection fails. */
/** @param {Record<string, any>} details */
function failureOf(details) {
  const status = details.status === null || details.status === undefined ? '' : ` ${details.status}`;
  return Object.assign(new Error(`EventSource failed (${details.phase}${status})`), details);
}

/** @param {string} type @param {Record<string, unknown> | undefined} details */
function plainEvent(type, details) {
  const event = new Event(type);
  if (details !== undefined) Object.assign(event, details);
  return event;
}

/** The wasm-core-like object behind a shared EventSource. */
export class SharedSource {
  /** @type {EventTarget} */ #shell;
  /** @type {any} */ #init;
  /** @type {(shell: any, url: string, init: any) => any} */ #create;
  /** @type {import('./resume.js').ResumeCursor | null} */ #cursor;
  #url;
  #withCredentials;
  #name;
  #highWaterMark;
  #me = Math.random().toString(36).slice(2) + Date.now().toString(36);
  /** @type {BroadcastChannel | null} */ #channel = null;
  /** @type {AbortController | null} The pending lock request. */ #waiting = null;
  /** @type {(() => void) | null} Releases the held lock. */ #release = null;
  /** @type {any} The wasm core, while leading. */ #core = null;
  /** @type {{ status?: number, headers?: [string, string][] } | null} */ #lastOpen = null;
  #readyState = CONNECTING;
  #lastEventId = '';
  #reconnectionTime;
  #closed = false;
  #suspended = false;
  /** @type {unknown} */ #failure = undefined;
  /** @type {any} */ #consumer = null;
  /** @type {((text: string) => void) | undefined} This tab's `onComment`. */ #onComment;
  /** @type {Set<string>} */ #seen = new Set();
  #catchUp = false;
  #persistQueued = false;

  /**
   * @param {EventTarget} shell the user's EventSource object
   * @param {string} url
   * @param {any} init
   * @param {(shell: any, url: string, init: any) => any} create makes a wasm core
   * @param {true | string} key `true` for the resolved URL plus withCredentials
   * @param {import('./resume.js').ResumeCursor | null} cursor
   * @param {string | null} storedId
   */
  constructor(shell, url, init, create, key, cursor, storedId) {
    // A core that never connects (its signal is already aborted): it validates every
    // option and resolves the URL exactly as a connecting one would.
    const probe = create(new EventTarget(), url, overlay(init, { signal: AbortSignal.abort() }));
    this.#shell = shell;
    this.#init = init;
    this.#create = create;
    this.#cursor = cursor;
    sharedOf.set(shell, this);
    this.#url = probe.url;
    this.#withCredentials = probe.withCredentials;
    this.#highWaterMark = probe.highWaterMark;
    this.#reconnectionTime = probe.reconnectionTime;
    this.#lastEventId = storedId ?? probe.lastEventId;
    probe.free?.();
    // (The probe has checked that it is a function or undefined.)
    this.#onComment = init === undefined || init === null ? undefined : init.onComment;
    this.#name = SHARED_PREFIX + (key === true ? `${this.#url}\n${this.#withCredentials}` : key);
    /** @type {AbortSignal | undefined} */
    const signal = init === undefined || init === null ? undefined : init.signal;
    if (signal !== undefined && signal !== null) {
      if (signal.aborted) {
        this.#closed = true;
        this.#readyState = CLOSED;
        return;
      }
      signal.addEventListener('abort', () => this.close(), { once: true });
    }
    this.#join();
    watchLifecycle(this);
  }

  get dead() { return this.#closed; }
  get url() { return this.#url; }
  get withCredentials() { return this.#withCredentials; }
  get readyState() { return this.#readyState; }
  get lastEventId() { return this.#core === null ? this.#lastEventId : this.#core.lastEventId; }
  get reconnectionTime() { return this.#core === null ? this.#reconnectionTime : this.#core.reconnectionTime; }
  get highWaterMark() { return this.#highWaterMark; }
  /** Whether this tab holds the connection (for tests and the demo). */
  get leader() { return this.#core !== null; }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#readyState = CLOSED;
    unwatchLifecycle(this);
    this.persist();
    this.#leave();
    if (this.#consumer !== null) this.#consumer.close();
  }

  reset() { if (this.#core !== null) this.#core.reset(); }

  /** @param {any} consumer */
  attach(consumer) {
    if (this.#closed) {
      // Like the core: a closed source ends every new consumer at once.
      if (this.#failure === undefined) consumer.close();
      else consumer.error(this.#failure);
      return;
    }
    if (this.#consumer !== null) {
      throw new TypeError('This EventSource is already being consumed by stream() or for await.');
    }
    this.#consumer = consumer;
  }

  /** Nothing to wake: a shared connection never waits for one tab's consumer. */
  pull() {}

  persist() {
    if (this.#cursor !== null) this.#cursor.write(this.lastEventId);
  }

  #persistSoon() {
    if (this.#cursor === null || this.#persistQueued) return;
    this.#persistQueued = true;
    queueMicrotask(() => {
      this.#persistQueued = false;
      this.persist();
    });
  }

  /** Entering the back/forward cache or frozen: leave the group, silently. */
  suspend() {
    if (this.#closed || this.#suspended) return;
    this.#suspended = true;
    pinSuspended(this, true);
    this.persist();
    this.#leave();
    if (this.#readyState === OPEN) this.#readyState = CONNECTING;
  }

  /** Restored or resumed: join again (as a follower, or leading if no one else does). */
  wake() {
    if (this.#closed || !this.#suspended) return;
    this.#suspended = false;
    pinSuspended(this, false);
    this.#join();
  }

  #join() {
    const channel = new BroadcastChannel(this.#name);
    channel.onmessage = (event) => this.#receive(event.data);
    this.#channel = channel;
    this.#post({ t: 'hello' });
    const waiting = new AbortController();
    this.#waiting = waiting;
    navigator.locks.request(this.#name, { signal: waiting.signal }, () => this.#lead(waiting))
      .catch(() => { /* aborted: this tab left before it could lead */ });
  }

  /** Leaves the group: closes the connection if leading, withdraws otherwise. */
  #leave() {
    const core = this.#core;
    this.#core = null;
    if (core !== null) core.close();
    this.#release?.();
    this.#release = null;
    this.#waiting?.abort();
    this.#waiting = null;
    this.#channel?.close();
    this.#channel = null;
  }

  /** @param {Record<string, unknown>} note */
  #post(note) {
    try {
      this.#channel?.postMessage({ ...note, from: this.#me });
    } catch (error) {
      if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
    }
  }

  /**
   * The lock is ours: open the connection and relay it until we leave.
   * @param {AbortController} waiting
   */
  #lead(waiting) {
    if (this.#waiting !== waiting || this.#closed || this.#suspended) return undefined;
    this.#waiting = null;
    this.#post({ t: 'leader' });
    this.#leaderChanged();
    this.#catchUp = false;
    const held = new Promise((resolve) => { this.#release = () => resolve(undefined); });
    /** @type {any} */
    let core = null;
    const relay = { dispatchEvent: (/** @type {Event} */ event) => this.#relay(core, event) };
    const onComment = (/** @type {string} */ text) => this.#relayComment(core, text);
    try {
      core = this.#create(relay, this.#url,
        carriedInit(this.#init, this.#lastEventId, this.#reconnectionTime, { signal: undefined, onComment }));
    } catch (error) {
      // An options getter threw this time: this tab cannot lead; let another try.
      if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
      this.#release?.();
      this.#release = null;
      this.close();
      return held;
    }
    this.#core = core;
    return held;
  }

  /**
   * An event the leader's core dispatches: relayed to the other tabs, then replayed here.
   * @param {any} core
   * @param {Event} event
   */
  #relay(core, event) {
    if (core === null || this.#core !== core) return true;
    if (event instanceof MessageEvent) {
      const note = { t: 'msg', type: event.type, data: event.data, id: event.lastEventId, origin: event.origin };
      this.#post(note);
      this.#deliver(note, event);
    } else if (event.type === 'open') {
      const any = /** @type {any} */ (event);
      const headers = any.headers instanceof Headers ? [...any.headers] : undefined;
      this.#lastOpen = { status: any.status, headers };
      this.#post({ t: 'open', ...this.#lastOpen });
      this.#readyState = OPEN;
      this.#shell.dispatchEvent(event);
    } else if (event.type === 'error') {
      const details = errorDetails(event);
      const closed = core.readyState === CLOSED;
      this.#lastEventId = core.lastEventId;
      this.#reconnectionTime = core.reconnectionTime;
      this.#lastOpen = null;
      this.#post({ t: 'error', details, closed, id: this.#lastEventId, time: this.#reconnectionTime });
      this.#failed(details, closed, event);
    }
    return true;
  }

  /**
   * A comment line the leader's core read: relayed to the other tabs, then given to this
   * tab's `onComment`.
   * @param {any} core
   * @param {string} text
   */
  #relayComment(core, text) {
    if (core === null || this.#core !== core) return;
    this.#post({ t: 'comment', text });
    this.#comment(text);
  }

  /**
   * Calls this tab's `onComment` (an exception is reported, as the core does).
   * @param {unknown} text
   */
  #comment(text) {
    const hook = this.#onComment;
    if (this.#closed || typeof hook !== 'function' || typeof text !== 'string') return;
    try {
      hook(text);
    } catch (error) {
      if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
      else queueMicrotask(() => { throw error; });
    }
  }

  /** @param {Note} note */
  #receive(note) {
    if (this.#closed || this.#suspended || note === null || typeof note !== 'object') return;
    if (note.t === 'hello') {
      if (this.#core !== null) {
        this.#post({
          t: 'state', to: note.from, state: this.#readyState, open: this.#lastOpen,
          id: this.#core.lastEventId, time: this.#core.reconnectionTime,
        });
      }
      return;
    }
    if (this.#core !== null) return;
    switch (note.t) {
      case 'state':
        if (note.to !== this.#me) return;
        this.#lastEventId = note.id;
        this.#reconnectionTime = note.time;
        if (note.state === OPEN && this.#readyState === CONNECTING) this.#opened(note.open);
        return;
      case 'leader':
        this.#catchUp = this.#seen.size > 0;
        this.#leaderChanged();
        return;
      case 'open':
        this.#opened(note);
        return;
      case 'msg':
        this.#deliver(note, undefined);
        return;
      case 'comment':
        this.#comment(note.text);
        return;
      case 'error':
        this.#lastEventId = note.id;
        this.#reconnectionTime = note.time;
        this.#failed(note.details, note.closed, undefined);
        return;
      default:
    }
  }

  /** @param {{ status?: number, headers?: [string, string][], [k: string]: any } | null} info */
  #opened(info) {
    this.#readyState = OPEN;
    this.#shell.dispatchEvent(plainEvent('open', info === null ? undefined : {
      status: info.status,
      headers: info.headers === undefined ? undefined : new Headers(info.headers),
    }));
  }

  /** A new leader: to this tab, the connection dropped and is being re-established. */
  #leaderChanged() {
    if (this.#readyState !== OPEN) return;
    this.#readyState = CONNECTING;
    this.#shell.dispatchEvent(plainEvent('error', {
      phase: 'body', status: null, willRetry: true, attempt: 1, delay: 0,
    }));
  }

  /**
   * @param {Record<string, any>} details
   * @param {boolean} closed the connection failed for good
   * @param {Event | undefined} event the core's own event (leader)
   */
  #failed(details, closed, event) {
    if (closed) {
      this.#closed = true;
      this.#readyState = CLOSED;
      this.#failure = failureOf(details);
      unwatchLifecycle(this);
      this.persist();
      // The leader keeps the lock a moment, so that no follower leads (and connects
      // again) before it has heard of the failure.
      const core = this.#core;
      const release = this.#release;
      this.#core = null;
      this.#release = null;
      if (release !== null) setTimeout(release, 200);
      this.#waiting?.abort();
      this.#waiting = null;
      this.#channel?.close();
      this.#channel = null;
      if (core !== null) core.close();
    } else {
      this.#readyState = CONNECTING;
    }
    this.#persistSoon();
    this.#shell.dispatchEvent(event ?? plainEvent('error', details));
    if (closed && this.#consumer !== null) this.#consumer.error(this.#failure);
  }

  /**
   * A message event, here: dropped if it is a replay of one already seen (after a change
   * of leader), else dispatched (or queued for a stream consumer).
   * @param {Note} note
   * @param {MessageEvent | undefined} event the core's own event (leader)
   */
  #deliver(note, event) {
    if (this.#closed) return;
    const id = note.id;
    if (this.#catchUp) {
      if (id !== '' && this.#seen.has(id)) return;
      this.#catchUp = false;
    }
    if (id !== '') {
      this.#seen.delete(id);
      this.#seen.add(id);
      if (this.#seen.size > SEEN_LIMIT) {
        const oldest = this.#seen.values().next();
        if (!oldest.done) this.#seen.delete(oldest.value);
      }
    }
    this.#lastEventId = id;
    this.#persistSoon();
    if (this.#consumer !== null) {
      this.#consumer.enqueue({ type: note.type, data: note.data, lastEventId: id, origin: note.origin });
    } else {
      this.#shell.dispatchEvent(event ?? new MessageEvent(note.type, {
        data: note.data, origin: note.origin, lastEventId: id,
      }));
    }
  }
}
