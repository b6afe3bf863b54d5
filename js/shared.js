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
// - Backpressure is group-wide, so that no tab's queue grows with what the server sends:
//   the leader's core delivers into a group queue whose room is the least of every
//   consumer's (its own `stream()`/`for await`, and each follower's, known by credit). A
//   follower with a consumer grants the leader events up to a number (`credit`: the
//   count it has received plus its queue's room); while any consumer is full the
//   leader's core stops reading the body, as a lone source's does. A follower holds a
//   lock of its own while it grants, so that a stalled leader can tell a tab that went
//   away (its lock is gone) from a slow one, and stops waiting for it.

import { carriedInit, overlay, pinSuspended, report, watchLifecycle, unwatchLifecycle } from './lifecycle.js';

/** The prefix of the lock and channel names. */
export const SHARED_PREFIX = 'eventsource-wasm:shared:';
/** The prefix of the lock a tab with a consumer holds while in a group: `<prefix><tab>\n<group>`. */
const TAB_PREFIX = 'eventsource-wasm:tab:';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
/** How many recent ids a tab remembers to drop replayed events after a change of leader. */
const SEEN_LIMIT = 1024;
/** While the group waits for a follower's room, how often the leader checks it is there. */
const LIVENESS_MS = 1000;

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

/**
 * The tabs of group `name` that hold (or have asked for) their tab lock, in a Web Locks
 * snapshot.
 * @param {{ held?: { name?: string }[], pending?: { name?: string }[] }} snapshot
 * @param {string} name
 */
function tabsOf(snapshot, name) {
  const tabs = [];
  for (const lock of [...(snapshot.held ?? []), ...(snapshot.pending ?? [])]) {
    const lockName = lock.name ?? '';
    if (!lockName.startsWith(TAB_PREFIX)) continue;
    const rest = lockName.slice(TAB_PREFIX.length);
    const end = rest.indexOf('\n');
    if (end > 0 && rest.slice(end + 1) === name) tabs.push(rest.slice(0, end));
  }
  return tabs;
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
  // Leading: the messages relayed since this tab took the lead, each follower's credit
  // (the count it accepts up to), and the pending check for followers that went away.
  #sent = 0;
  /** @type {Map<string, number>} */ #credits = new Map();
  /** @type {ReturnType<typeof setTimeout> | null} */ #livenessTimer = null;
  // Following: the leader's id and the count of its messages received (null until known),
  // the credit last granted, and the release of this tab's own lock.
  /** @type {string | null} */ #leaderId = null;
  /** @type {number | null} */ #got = null;
  #granted = -1;
  /** @type {(() => void) | null} */ #releaseTabLock = null;

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
    this.#holdTabLock();
    this.#grant(true);
  }

  /** The consumer has room again: wake the core if leading, else grant the leader more. */
  pull() {
    if (this.#core !== null) this.#core.pull();
    else this.#grant(false);
  }

  /**
   * Following with a consumer: tells the leader how far it may go (what this tab has
   * received plus its queue's room). Unless `force`d, only when that moves the limit by at
   * least half a queue: a message per half queue, not per event read.
   * @param {boolean} force
   */
  #grant(force) {
    const consumer = this.#consumer;
    if (this.#core !== null || consumer === null || this.#closed || this.#suspended) return;
    if (this.#got === null || this.#leaderId === null) return;
    const room = Math.max(0, consumer.desiredSize ?? 0);
    const limit = this.#got + room;
    if (!force && limit - this.#granted < Math.max(1, this.#highWaterMark / 2)) return;
    this.#granted = limit;
    this.#post({ t: 'credit', to: this.#leaderId, limit });
  }

  /**
   * With a consumer, in the group: holds this tab's lock (until it leaves the group or its
   * document goes away), by which a leader knows it is there.
   */
  #holdTabLock() {
    if (this.#releaseTabLock !== null || this.#consumer === null || this.#channel === null) return;
    if (this.#release !== null) return; // leading
    const held = new Promise((resolve) => { this.#releaseTabLock = () => resolve(undefined); });
    navigator.locks.request(`${TAB_PREFIX}${this.#me}\n${this.#name}`, () => held).catch(() => {});
  }

  /**
   * Leading: the room of the group queue the core delivers into — the least of this tab's
   * consumer's and every follower's credit.
   */
  #room() {
    let room = this.#consumer === null ? Infinity : (this.#consumer.desiredSize ?? 0);
    let waitsForFollower = false;
    for (const limit of this.#credits.values()) {
      const left = limit - this.#sent;
      if (left <= 0) waitsForFollower = true;
      room = Math.min(room, left);
    }
    if (waitsForFollower) this.#checkLiveness();
    return room;
  }

  /**
   * While the group waits for a follower, checks every `LIVENESS_MS` that each follower
   * it waits for still holds its lock (a document that went away has released it), and
   * stops waiting for those that do not. Then it wakes the core, which reads the room
   * again (`#room`), and so schedules the next check while it still waits.
   */
  #checkLiveness() {
    if (this.#livenessTimer !== null) return;
    this.#livenessTimer = setTimeout(() => {
      this.#livenessTimer = null;
      if (this.#core === null) return;
      navigator.locks.query().then((snapshot) => {
        if (this.#core === null) return;
        const alive = new Set(tabsOf(snapshot, this.#name));
        for (const [tab, limit] of this.#credits) {
          if (limit <= this.#sent && !alive.has(tab)) this.#credits.delete(tab);
        }
        this.#core.pull();
      }, () => {});
    }, LIVENESS_MS);
  }

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
    this.#holdTabLock();
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
    // Withdraw from the flow (to whichever tab leads: a leader may count this tab from
    // its tab lock before any credit of it arrived).
    if (this.#granted >= 0 || this.#releaseTabLock !== null) this.#post({ t: 'credit', limit: null });
    this.#endFlow();
    this.#release?.();
    this.#release = null;
    this.#waiting?.abort();
    this.#waiting = null;
    this.#channel?.close();
    this.#channel = null;
  }

  /** Forgets the flow state of either role (leaving the group, or taking the lead). */
  #endFlow() {
    this.#releaseTabLock?.();
    this.#releaseTabLock = null;
    if (this.#livenessTimer !== null) clearTimeout(this.#livenessTimer);
    this.#livenessTimer = null;
    this.#credits.clear();
    this.#sent = 0;
    this.#leaderId = null;
    this.#got = null;
    this.#granted = -1;
  }

  /** @param {Record<string, unknown>} note */
  #post(note) {
    try {
      this.#channel?.postMessage({ ...note, from: this.#me });
    } catch (error) {
      report(error);
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
    this.#endFlow();
    const held = new Promise((resolve) => { this.#release = () => resolve(undefined); });
    const release = this.#release;
    // The followers with a consumer (each holds its tab lock) hold the group back until
    // their first credit arrives (they grant on hearing `leader`), so that nothing piles
    // up in theirs before this tab knows their room.
    navigator.locks.query().then((snapshot) => snapshot, () => ({})).then((snapshot) => {
      if (this.#release !== release || this.#closed || this.#suspended) return;
      for (const tab of tabsOf(snapshot, this.#name)) {
        if (tab !== this.#me && !this.#credits.has(tab)) this.#credits.set(tab, 0);
      }
      this.#connect();
    });
    return held;
  }

  /** Leading: opens the connection, its messages delivered into the group queue. */
  #connect() {
    /** @type {any} */
    let core = null;
    const relay = { dispatchEvent: (/** @type {Event} */ event) => this.#relay(core, event) };
    const onComment = (/** @type {string} */ text) => this.#relayComment(core, text);
    const self = this;
    // The group queue: the core delivers every message here, and reads its room.
    const group = {
      get desiredSize() { return self.#core === core ? self.#room() : 0; },
      enqueue: (/** @type {any} */ item) => this.#relayMessage(core, item),
      close() {},
      error() {},
    };
    try {
      core = this.#create(relay, this.#url,
        carriedInit(this.#init, this.#lastEventId, this.#reconnectionTime, { signal: undefined, onComment }));
      core.attach(group);
    } catch (error) {
      // An options getter threw this time: this tab cannot lead; let another try.
      report(error);
      this.#release?.();
      this.#release = null;
      this.close();
      return;
    }
    this.#core = core;
  }

  /**
   * An event the leader's core dispatches: relayed to the other tabs, then replayed here.
   * @param {any} core
   * @param {Event} event
   */
  #relay(core, event) {
    if (core === null || this.#core !== core) return true;
    if (event.type === 'open') {
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
   * A message the leader's core delivered into the group queue: relayed to the other
   * tabs (numbered, for their credit), then delivered here.
   * @param {any} core
   * @param {{ type: string, data: string, lastEventId: string, origin: string }} item
   */
  #relayMessage(core, item) {
    if (core === null || this.#core !== core) return;
    this.#sent += 1;
    const note = { t: 'msg', type: item.type, data: item.data, id: item.lastEventId, origin: item.origin, n: this.#sent };
    this.#post(note);
    this.#deliver(note);
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
      report(error);
    }
  }

  /** @param {Note} note */
  #receive(note) {
    if (this.#closed || this.#suspended || note === null || typeof note !== 'object') return;
    if (note.t === 'hello') {
      if (this.#core !== null) {
        this.#post({
          t: 'state', to: note.from, state: this.#readyState, open: this.#lastOpen,
          id: this.#core.lastEventId, time: this.#core.reconnectionTime, n: this.#sent,
        });
      }
      return;
    }
    if (note.t === 'credit') {
      // (Leading: this tab holds the lock, its connection open or about to be.)
      if (this.#release === null || typeof note.from !== 'string') return;
      if (note.limit === null) {
        this.#credits.delete(note.from);
      } else if (note.to === this.#me && typeof note.limit === 'number') {
        this.#credits.set(note.from, note.limit);
      } else {
        return;
      }
      this.#core?.pull();
      return;
    }
    if (this.#core !== null) return;
    switch (note.t) {
      case 'state':
        if (note.to !== this.#me) return;
        this.#lastEventId = note.id;
        this.#reconnectionTime = note.time;
        this.#following(note.from, note.n);
        if (note.state === OPEN && this.#readyState === CONNECTING) this.#opened(note.open);
        return;
      case 'leader':
        this.#catchUp = this.#seen.size > 0;
        this.#following(note.from, 0);
        this.#leaderChanged();
        return;
      case 'open':
        this.#opened(note);
        return;
      case 'msg':
        if (this.#leaderId === null) this.#following(note.from, note.n);
        else if (note.from === this.#leaderId && typeof note.n === 'number') this.#got = note.n;
        this.#deliver(note);
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

  /**
   * Following `leader`, of whose messages this tab has received `count`: a consumer's
   * credit goes to it from now on.
   * @param {unknown} leader
   * @param {unknown} count
   */
  #following(leader, count) {
    if (typeof leader !== 'string' || typeof count !== 'number') return;
    if (leader !== this.#leaderId) this.#granted = -1;
    this.#leaderId = leader;
    this.#got = count;
    this.#grant(true);
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
      this.#endFlow();
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
   */
  #deliver(note) {
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
      this.#shell.dispatchEvent(new MessageEvent(note.type, {
        data: note.data, origin: note.origin, lastEventId: id,
      }));
    }
  }
}
