// Page lifecycle (whatwg/html#12381, WPT eventsource-bfcache.window.js): when a page
// enters the back/forward cache (`pagehide` with `persisted`) or is frozen (`freeze`),
// every source lets go of its connection, with no `error` event and nothing that would
// keep the page out of the cache; when it comes back (`pageshow` with `persisted`, or
// `resume`) each reconnects at once, sending `Last-Event-ID`, with no reconnection
// delay. While hidden a source reports `readyState` CONNECTING: it has no connection,
// will reconnect without being asked, and reconnecting announces itself with `open`
// (the spec's reconnection steps set CONNECTING before `open`; #12381 leaves the
// hidden state open, and no script of the page runs in between anyway).
//
// `ManagedSource` is the core of a window's non-shared source: the wasm core plus
// swapping it for a fresh one on restore, and the resume cursor (js/resume.js).

/**
 * A source the page lifecycle manages.
 * @typedef {{ suspend(): void, wake(): void, persist(): void, readonly dead: boolean }} Member
 */

/**
 * The sources to notify, held weakly: a connected source is kept alive by its own task
 * (which holds its EventSource object), a closed one must stay collectable even if it
 * ended without `close()` (a failure, its signal).
 * @type {Set<WeakRef<Member>>}
 */
const members = new Set();
/** @type {WeakMap<Member, WeakRef<Member>>} */
const refs = new WeakMap();
/**
 * Sources suspended by the lifecycle, held strongly: nothing else keeps a source with no
 * connection alive, and it must reconnect on restore (as a CONNECTING EventSource with
 * listeners is never collected).
 * @type {Set<Member>}
 */
const suspended = new Set();

/**
 * Marks `member` suspended (kept alive) or not.
 * @param {Member} member
 * @param {boolean} on
 */
export function pinSuspended(member, on) {
  if (on) suspended.add(member);
  else suspended.delete(member);
}
let installed = false;
/** Prune collected and closed members once the set reaches this size (then double it). */
let pruneAt = 64;

/** Whether this global is a window (the lifecycle events exist only there). */
export const inWindow = typeof document === 'object' && document !== null &&
  typeof globalThis.addEventListener === 'function';

/** @param {(member: Member) => void} action */
function each(action) {
  for (const ref of [...members]) {
    const member = ref.deref();
    if (member === undefined) {
      members.delete(ref);
      continue;
    }
    try {
      action(member);
    } catch (error) {
      report(error);
    }
  }
}

/**
 * Reports an exception from a page's code the way one thrown by an event listener is
 * (the global `error` event, through `reportError`; rethrown in a microtask where there
 * is none), so that the code that called it goes on.
 * @param {unknown} error
 */
export function report(error) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else queueMicrotask(() => { throw error; });
}

function install() {
  if (installed || !inWindow) return;
  installed = true;
  // Listeners for pagehide/pageshow/freeze/resume/visibilitychange never make a page
  // ineligible for the back/forward cache (an `unload` listener would).
  globalThis.addEventListener('pagehide', (event) => {
    each((m) => ((/** @type {PageTransitionEvent} */ (event)).persisted ? m.suspend() : m.persist()));
  });
  globalThis.addEventListener('pageshow', (event) => {
    if ((/** @type {PageTransitionEvent} */ (event)).persisted) each((m) => m.wake());
  });
  document.addEventListener('freeze', () => each((m) => m.suspend()));
  document.addEventListener('resume', () => each((m) => m.wake()));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') each((m) => m.persist());
  });
}

/**
 * Registers `member` for the lifecycle events (windows only).
 * @param {Member} member
 */
export function watchLifecycle(member) {
  if (!inWindow) return;
  install();
  if (members.size >= pruneAt) {
    for (const ref of members) {
      const m = ref.deref();
      if (m === undefined || m.dead) members.delete(ref);
    }
    pruneAt = Math.max(64, members.size * 2);
  }
  const ref = new WeakRef(member);
  refs.set(member, ref);
  members.add(ref);
}

/** @param {Member} member */
export function unwatchLifecycle(member) {
  const ref = refs.get(member);
  if (ref !== undefined) members.delete(ref);
  suspended.delete(member);
}

/**
 * `base` with `props` as own data properties in front of it: the core reads every other
 * member through the prototype chain, exactly as from `base`.
 * @param {any} base
 * @param {Record<string, unknown>} props
 */
export function overlay(base, props) {
  /** @type {PropertyDescriptorMap} */
  const descriptors = {};
  for (const [name, value] of Object.entries(props)) {
    descriptors[name] = { value, enumerable: true, writable: true, configurable: true };
  }
  return Object.create(base === undefined || base === null ? null : base, descriptors);
}

/**
 * The init of a source created again (after a restore, or by a new leader): `lastEventId`
 * and the reconnection time carried over, every other option as the caller gave it.
 * @param {any} init
 * @param {string} lastEventId
 * @param {number} reconnectionTime
 * @param {Record<string, unknown>} [extra]
 */
export function carriedInit(init, lastEventId, reconnectionTime, extra = {}) {
  const reconnect = init === undefined || init === null ? undefined : init.reconnect;
  return overlay(init, {
    ...extra,
    lastEventId,
    reconnect: overlay(reconnect, { initialDelay: reconnectionTime }),
  });
}

const CLOSED = 2;

/**
 * A wrapper the EventSource class uses as its core: forwards to the wasm core, swaps it
 * for a new one after a back/forward cache restore, and keeps the resume cursor.
 */
export class ManagedSource {
  /** @type {EventTarget} */ #shell;
  /** @type {any} */ #init;
  /** @type {(shell: any, url: string, init: any) => any} */ #create;
  /** @type {any} */ #core;
  /** @type {import('./resume.js').ResumeCursor | null} */ #cursor;
  /** @type {any} */ #consumer = null;
  /** @type {{ live: boolean } | null} */ #proxy = null;
  /** @type {{ id: string, time: number, url: string } | null} While suspended: what the new core starts from. */
  #held = null;
  #closed = false;
  #persistQueued = false;

  /**
   * @param {EventTarget} shell the user's EventSource object
   * @param {string} url
   * @param {any} init
   * @param {(shell: any, url: string, init: any) => any} create makes a wasm core
   * @param {import('./resume.js').ResumeCursor | null} cursor
   * @param {string | null} storedId the cursor read from storage
   */
  constructor(shell, url, init, create, cursor, storedId) {
    this.#shell = shell;
    this.#init = init;
    this.#create = create;
    this.#cursor = cursor;
    const first = storedId === null ? init : overlay(init, { lastEventId: storedId });
    this.#core = create(this.#target(), url, first);
    watchLifecycle(this);
  }

  /** What the wasm core dispatches on: the shell, or (with a cursor) a relay noting ids. */
  #target() {
    if (this.#cursor === null) return this.#shell;
    const shell = this.#shell;
    return {
      dispatchEvent: (/** @type {Event} */ event) => {
        this.#persistSoon();
        return shell.dispatchEvent(event);
      },
    };
  }

  #persistSoon() {
    if (this.#persistQueued) return;
    this.#persistQueued = true;
    queueMicrotask(() => {
      this.#persistQueued = false;
      this.persist();
    });
  }

  /** Writes the last event ID to the resume cursor (if any). */
  persist() {
    if (this.#cursor !== null) this.#cursor.write(this.lastEventId);
  }

  get dead() { return this.#held === null && this.#core.readyState === CLOSED; }

  get url() { return this.#core.url; }
  get withCredentials() { return this.#core.withCredentials; }
  get readyState() { return this.#held === null ? this.#core.readyState : 0; }
  get lastEventId() { return this.#held === null ? this.#core.lastEventId : this.#held.id; }
  get reconnectionTime() { return this.#held === null ? this.#core.reconnectionTime : this.#held.time; }
  get highWaterMark() { return this.#core.highWaterMark; }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    unwatchLifecycle(this);
    if (this.#held !== null) {
      this.#held = null;
      if (this.#consumer !== null) this.#consumer.close();
    }
    this.#core.close();
    this.persist();
  }

  reset() { this.#core.reset(); }

  /** @param {any} consumer */
  attach(consumer) {
    if (this.#held === null) {
      // The core throws when it already has a consumer, and ends this one if closed.
      this.#attachTo(this.#core, consumer);
      this.#consumer = consumer;
    } else if (this.#consumer !== null) {
      throw new TypeError('This EventSource is already being consumed by stream() or for await.');
    } else {
      this.#consumer = consumer;
    }
  }

  pull() { this.#core.pull(); }

  /**
   * Attaches `consumer` to `core` through a proxy that a core swap disconnects.
   * @param {any} core
   * @param {any} consumer
   */
  #attachTo(core, consumer) {
    const proxy = {
      live: true,
      get desiredSize() { return consumer.desiredSize; },
      enqueue: (/** @type {any} */ value) => {
        if (this.#cursor !== null) this.#persistSoon();
        consumer.enqueue(value);
      },
      close() { if (proxy.live) consumer.close(); },
      error(/** @type {unknown} */ reason) { if (proxy.live) consumer.error(reason); },
    };
    core.attach(proxy);
    this.#proxy = proxy;
  }

  /** Entering the back/forward cache or frozen: let go of the connection, silently. */
  suspend() {
    if (this.#closed || this.#held !== null || this.#core.readyState === CLOSED) return;
    const core = this.#core;
    this.#held = { id: core.lastEventId, time: core.reconnectionTime, url: core.url };
    pinSuspended(this, true);
    this.persist();
    if (this.#proxy !== null) this.#proxy.live = false;
    this.#core.close();
  }

  /** Restored or resumed: reconnect at once from the last event ID. */
  wake() {
    const held = this.#held;
    if (held === null || this.#closed) return;
    this.#held = null;
    pinSuspended(this, false);
    // The resolved URL: the document's base URL may have changed since.
    this.#core = this.#create(this.#target(), held.url, carriedInit(this.#init, held.id, held.time));
    if (this.#consumer !== null) this.#attachTo(this.#core, this.#consumer);
  }
}
