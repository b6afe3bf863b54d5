// The benchmark's "minimal JS class": what a small, correct, pure-JS EventSource over fetch
// looks like, so that the wasm core has a fair JavaScript peer to beat (issue #12).
//
// fetch + TextDecoder(stream) + `eventsource-parser`'s createParser, an EventTarget that
// dispatches real `MessageEvent`s (origin, lastEventId), `onopen`/`onmessage`/`onerror`,
// readyState, close(), the spec's checks on the response (status 200, text/event-stream),
// the last event ID sent back as `Last-Event-ID`, `retry:` and reconnection after the
// stream ends or the network fails. Nothing the benchmark does not exercise is skipped
// to go faster: every event pays what it would in a real class.
//
// Deliberately not here (it would not change the measured paths): withCredentials, the
// 'fatal vs reconnect' subtleties of every HTTP status, the id of a data-less event
// (`eventsource-parser` forgets it), backoff.
import { createParser } from 'eventsource-parser';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

export class MinimalEventSource extends EventTarget {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSED = CLOSED;

  #ctrl = null;
  #timer = 0;
  #retry = 3000;
  #handlers = { open: null, message: null, error: null };

  /** @param {string | URL} url */
  constructor(url) {
    super();
    this.url = new URL(String(url), location.href).href;
    this.readyState = CONNECTING;
    this.lastEventId = '';
    this.#connect();
  }

  get onopen() { return this.#handlers.open; }
  set onopen(f) { this.#setHandler('open', f); }
  get onmessage() { return this.#handlers.message; }
  set onmessage(f) { this.#setHandler('message', f); }
  get onerror() { return this.#handlers.error; }
  set onerror(f) { this.#setHandler('error', f); }

  #setHandler(type, f) {
    const old = this.#handlers[type];
    if (old) this.removeEventListener(type, old);
    this.#handlers[type] = typeof f === 'function' ? f : null;
    if (this.#handlers[type]) this.addEventListener(type, this.#handlers[type]);
  }

  close() {
    this.readyState = CLOSED;
    clearTimeout(this.#timer);
    this.#ctrl?.abort();
    this.#ctrl = null;
  }

  async #connect() {
    const ctrl = new AbortController();
    this.#ctrl = ctrl;
    const headers = { accept: 'text/event-stream' };
    if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
    let res;
    try {
      res = await fetch(this.url, { headers, cache: 'no-store', signal: ctrl.signal });
    } catch {
      this.#reconnect(ctrl);
      return;
    }
    if (this.#ctrl !== ctrl) return;
    const type = res.headers.get('content-type') ?? '';
    if (res.status !== 200 || !/^text\/event-stream\s*(;|$)/i.test(type)) {
      this.readyState = CLOSED;
      this.dispatchEvent(new Event('error'));
      ctrl.abort();
      return;
    }
    this.readyState = OPEN;
    this.dispatchEvent(new Event('open'));
    const origin = new URL(res.url || this.url).origin;
    const parser = createParser({
      onEvent: (ev) => {
        if (ev.id !== undefined) this.lastEventId = ev.id;
        if (this.#ctrl !== ctrl) return;
        this.dispatchEvent(new MessageEvent(ev.event ?? 'message', {
          data: ev.data, origin, lastEventId: this.lastEventId,
        }));
      },
      onRetry: (ms) => { this.#retry = ms; },
    });
    const decoder = new TextDecoder();
    try {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done || this.#ctrl !== ctrl) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch { /* network error or close(): reconnect below unless closed */ }
    this.#reconnect(ctrl);
  }

  #reconnect(ctrl) {
    if (this.#ctrl !== ctrl || this.readyState === CLOSED) return;
    this.readyState = CONNECTING;
    this.dispatchEvent(new Event('error'));
    if (this.readyState === CLOSED) return;
    this.#timer = setTimeout(() => this.#connect(), this.#retry);
  }
}
