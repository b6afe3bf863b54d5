// The public EventSource class: a thin EventTarget subclass around the wasm core.
//
// This file has no imports so that it can serve both the npm entry (js/index.js, which
// hands it the wasm-bindgen `EventSourceCore` class) and the wasm-bindgen tests (which
// load it as a snippet and hand it a factory from Rust). All state, parsing, request
// building and reconnection live in the core; this class only gives them the platform's
// object model: `extends EventTarget`, IDL constants, event-handler attributes.

const STREAM = Symbol('fromReadableStream');

/**
 * The package's exports around the wasm-bindgen `EventSourceCore` class: the EventSource
 * class and `installEventSource`. Shared by the browser and Node entries.
 * @param {any} EventSourceCore
 * @param {(shell: EventTarget, url: string, init: unknown,
 *          create: (shell: EventTarget, url: string, init: unknown) => object) => object} [wrapCore]
 *   wraps core creation (js/features.js): sharing, page lifecycle, resume cursor
 */
export function eventSourceApi(EventSourceCore, wrapCore) {
  const createCore = (shell, url, init) => new EventSourceCore(shell, url, init);
  const EventSource = defineEventSource({
    // [h-share] js/features.js: sharing, page lifecycle, resume cursor (browser entry only).
    create: wrapCore === undefined ? createCore
      : (shell, url, init) => wrapCore(shell, url, init, createCore),
    fromStream: (shell, stream, options) => EventSourceCore.fromStream(shell, stream, options),
  });

  /**
   * Sets `globalThis.EventSource` to this package's class (always, or only when the
   * platform has none) and returns whatever class is installed afterwards.
   * @param {{ onlyIfMissing?: boolean }} [options]
   */
  function installEventSource({ onlyIfMissing = false } = {}) {
    if (!(onlyIfMissing && typeof globalThis.EventSource === 'function')) {
      Object.defineProperty(globalThis, 'EventSource', {
        value: EventSource, writable: true, configurable: true, enumerable: false,
      });
    }
    return globalThis.EventSource;
  }

  return { EventSource, installEventSource };
}

/**
 * Builds the EventSource class around a core factory.
 * @param {{ create(shell: EventTarget, url: string, init: unknown): object,
 *           fromStream(shell: EventTarget, stream: ReadableStream, init: unknown): object }} cores
 */
export function defineEventSource(cores) {
  const coreOf = new WeakMap();
  const handlersOf = new WeakMap();

  function core(self) {
    const c = coreOf.get(self);
    if (c === undefined) throw new TypeError('Illegal invocation');
    return c;
  }

  class EventSource extends EventTarget {
    /**
     * @param {string | URL} url
     * @param {object} [init]
     */
    constructor(url, init) {
      super();
      if (arguments.length === 0) {
        throw new TypeError(
          "Failed to construct 'EventSource': 1 argument required, but only 0 present.");
      }
      handlersOf.set(this, new Map());
      if (url === STREAM) {
        coreOf.set(this, cores.fromStream(this, init.stream, init.options));
        return;
      }
      if (init !== undefined && init !== null && typeof init !== 'object' &&
          typeof init !== 'function') {
        throw new TypeError(
          "Failed to construct 'EventSource': The provided value is not of type 'EventSourceInit'.");
      }
      // WebIDL USVString conversion: ToString (throws on a Symbol, like native).
      coreOf.set(this, cores.create(this, `${url}`, init ?? undefined));
    }

    /**
     * Parses an event stream from any byte stream (whatwg/html `fromReadableStream`).
     * @param {ReadableStream<Uint8Array>} stream
     * @param {object} [options]
     */
    static fromReadableStream(stream, options) {
      if (!(stream instanceof ReadableStream)) {
        throw new TypeError(
          "Failed to execute 'fromReadableStream' on 'EventSource': parameter 1 is not of type 'ReadableStream'.");
      }
      if (stream.locked) {
        throw new TypeError(
          "Failed to execute 'fromReadableStream' on 'EventSource': the stream is locked.");
      }
      return new this(STREAM, { stream, options });
    }

    get url() { return core(this).url; }
    get withCredentials() { return core(this).withCredentials; }
    get readyState() { return core(this).readyState; }
    /** The last event ID string (whatwg/html, 2026). */
    get lastEventId() { return core(this).lastEventId; }
    /** The reconnection time in milliseconds (whatwg/html, 2026). */
    get reconnectionTime() { return core(this).reconnectionTime; }

    /** Aborts the connection and any pending reconnection; readyState becomes CLOSED. */
    close() { core(this).close(); }
    /** Discards any data buffered for an event not yet dispatched (whatwg/html, 2026). */
    reset() { core(this).reset(); }

    /**
     * The events as a ReadableStream of `{type, data, lastEventId, origin}` objects (every
     * event type), queueing at most `highWaterMark` of them: while the queue is full the
     * response body is not read. From this call on, events go to the stream only (no
     * MessageEvent is dispatched; `open` and `error` still are). The stream closes when
     * the source is closed or finishes, and errors when it fails. Cancelling the stream
     * closes the source. One consumer per source: a second call throws a TypeError.
     * @returns {ReadableStream<{type: string, data: string, lastEventId: string, origin: string}>}
     */
    stream() {
      const c = core(this);
      const highWaterMark = c.highWaterMark;
      /** @type {ReadableStreamDefaultController} */
      let controller;
      /** @type {unknown} */
      let failure;
      let failed = false;
      const drained = () => (controller.desiredSize ?? 0) >= highWaterMark;
      // What the core enqueues into. A failure errors the stream only once the events
      // already queued have been read (`controller.error` would discard them); the
      // core does not wait for that, so an abandoned stream holds nothing of it.
      const sink = {
        get desiredSize() { return failed ? 0 : controller.desiredSize ?? 0; },
        enqueue(/** @type {unknown} */ value) { controller.enqueue(value); },
        close() { try { controller.close(); } catch { /* already closed or cancelled */ } },
        error(/** @type {unknown} */ reason) {
          failed = true;
          if (drained()) controller.error(reason);
          else failure = reason;
        },
      };
      return new ReadableStream({
        start(ctl) { controller = ctl; c.attach(sink); },
        pull() {
          if (!failed) c.pull();
          else if (failure !== undefined && drained()) {
            controller.error(failure);
            failure = undefined;
          }
        },
        cancel() { failure = undefined; c.close(); },
      }, { highWaterMark });
    }

    /**
     * `for await (const event of source)`: the same events and rules as `stream()`, from
     * a lighter queue (a plain array, no stream machinery per event). Leaving the loop
     * early (break, return, throw) closes the source; a failure makes the loop throw
     * after the queued events.
     */
    [Symbol.asyncIterator]() {
      const c = core(this);
      const queue = new EventQueue(c);
      c.attach(queue);
      return queue;
    }
  }

  /**
   * The `for await` consumer: the core enqueues into it as into a ReadableStream
   * controller (`enqueue`, `desiredSize`, `close`, `error`), and `next()` hands events
   * out; `core.pull()` wakes the reader once there is room again. `next()` may be called
   * again before its promise settles (the async iterator protocol allows it): the reads
   * wait in a FIFO and get the events in order.
   */
  class EventQueue {
    #core;
    #items = [];
    #head = 0;
    #highWaterMark;
    /** Pending `next()` calls, oldest first; only while `#items` is empty. */
    #waiting = [];
    #ended = false;
    #failure;

    constructor(c) {
      this.#core = c;
      this.#highWaterMark = c.highWaterMark;
    }

    get desiredSize() {
      return this.#ended ? 0 : this.#highWaterMark - (this.#items.length - this.#head);
    }

    enqueue(value) {
      const waiting = this.#waiting.shift();
      if (waiting === undefined) {
        this.#items.push(value);
      } else {
        waiting.resolve({ value, done: false });
      }
    }

    close() { this.#end(undefined); }

    error(reason) { this.#end(reason); }

    #end(failure) {
      if (this.#ended) return;
      this.#ended = true;
      this.#failure = failure;
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const read of waiting) this.#settleEnded(read);
    }

    /** Settles a read once the queue is empty and ended: the failure once, then done. */
    #settleEnded(read) {
      const failure = this.#failure;
      this.#failure = undefined;
      if (failure === undefined) read.resolve({ value: undefined, done: true });
      else read.reject(failure);
    }

    next() {
      if (this.#head < this.#items.length) {
        const value = this.#items[this.#head];
        this.#items[this.#head] = undefined;
        this.#head += 1;
        const left = this.#items.length - this.#head;
        if (left === 0) {
          this.#items.length = 0;
          this.#head = 0;
        }
        if (left === this.#highWaterMark - 1 && !this.#ended) this.#core.pull();
        return Promise.resolve({ value, done: false });
      }
      return new Promise((resolve, reject) => {
        if (this.#ended) {
          this.#settleEnded({ resolve, reject });
        } else {
          this.#waiting.push({ resolve, reject });
          this.#core.pull();
        }
      });
    }

    return(value) {
      this.#core.close();
      this.#end(undefined);
      this.#failure = undefined;
      this.#items.length = 0;
      this.#head = 0;
      return Promise.resolve({ value, done: true });
    }

    [Symbol.asyncIterator]() { return this; }
  }

  Object.defineProperty(EventSource.prototype, Symbol.toStringTag, {
    value: 'EventSource', configurable: true,
  });
  if (typeof Symbol.dispose === 'symbol') {
    // `using source = new EventSource(url)` closes it at the end of the block.
    Object.defineProperty(EventSource.prototype, Symbol.dispose, {
      value() { this.close(); }, writable: true, configurable: true,
    });
  }

  const constants = { CONNECTING: 0, OPEN: 1, CLOSED: 2 };
  for (const [name, value] of Object.entries(constants)) {
    const desc = { value, enumerable: true, writable: false, configurable: false };
    Object.defineProperty(EventSource, name, desc);
    Object.defineProperty(EventSource.prototype, name, desc);
  }

  // IDL event handler attributes: the listener is added at the first non-null assignment
  // (fixing its place among addEventListener listeners), replaced in place afterwards, and
  // removed when set to null. Non-objects count as null ([LegacyTreatNonObjectAsNull]).
  for (const type of ['open', 'message', 'error']) {
    Object.defineProperty(EventSource.prototype, `on${type}`, {
      enumerable: true,
      configurable: true,
      get() {
        core(this);
        return handlersOf.get(this).get(type)?.value ?? null;
      },
      set(value) {
        core(this);
        const handlers = handlersOf.get(this);
        const current = handlers.get(type);
        const isHandler = (typeof value === 'object' && value !== null) || typeof value === 'function';
        if (!isHandler) {
          if (current) {
            this.removeEventListener(type, current.listener);
            handlers.delete(type);
          }
          return;
        }
        if (current) {
          current.value = value;
          return;
        }
        const entry = {
          value,
          listener(event) {
            const result = entry.value.call(this, event);
            if (result === false && event.cancelable) event.preventDefault();
          },
        };
        handlers.set(type, entry);
        this.addEventListener(type, entry.listener);
      },
    });
  }

  return EventSource;
}
