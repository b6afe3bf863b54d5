//! Raw JS bindings the glue needs beyond `web-sys`: global functions (so the glue works
//! in windows and workers alike), `catch` variants of calls that can throw, and a
//! few small JS helpers that do in one boundary call what would otherwise take several
//! (build and dispatch an event; build and enqueue a stream item).

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use web_sys::EventTarget;

#[wasm_bindgen(inline_js = r#"
export function dispatch_message(target, type, data, origin, lastEventId) {
  return target.dispatchEvent(new MessageEvent(type, { data, origin, lastEventId }));
}
export function dispatch_simple(target, type, details) {
  const event = new Event(type);
  if (details !== undefined) Object.assign(event, details);
  return target.dispatchEvent(event);
}
export function enqueue(controller, type, data, origin, lastEventId) {
  controller.enqueue({ type: type === undefined ? 'message' : type, data, lastEventId, origin });
}
export function desired_size(controller) {
  return controller.desiredSize ?? 0;
}
export function end_stream(controller, error) {
  try {
    if (error === undefined) controller.close(); else controller.error(error);
  } catch {}
}
export function failure(details) {
  const status = details.status === null ? '' : ` ${details.status}`;
  return Object.assign(new Error(`EventSource failed (${details.phase}${status})`), details);
}
export function is_offline() {
  return globalThis.navigator?.onLine === false;
}
"#)]
extern "C" {
    /// `target.dispatchEvent(new MessageEvent(type, {data, origin, lastEventId}))`.
    /// Listener exceptions are reported by the platform, never thrown here.
    #[wasm_bindgen(catch)]
    pub fn dispatch_message(
        target: &EventTarget,
        event_type: &JsValue,
        data: &JsValue,
        origin: &JsValue,
        last_event_id: &JsValue,
    ) -> Result<bool, JsValue>;

    /// Dispatches a plain `Event` (not bubbling, not cancelable), with `details` copied
    /// onto it as extra properties when given.
    #[wasm_bindgen(catch)]
    pub fn dispatch_simple(
        target: &EventTarget,
        event_type: &str,
        details: Option<Object>,
    ) -> Result<bool, JsValue>;

    /// `controller.enqueue({type, data, lastEventId, origin})`, `type` defaulting to
    /// `"message"`. Runs no user code (the stream's `pull` is ours).
    #[wasm_bindgen(catch)]
    pub fn enqueue(
        controller: &Controller,
        event_type: Option<&JsValue>,
        data: &JsValue,
        origin: &JsValue,
        last_event_id: &JsValue,
    ) -> Result<(), JsValue>;

    /// `controller.desiredSize` (0 once closed or errored).
    pub fn desired_size(controller: &Controller) -> f64;

    /// `controller.close()` (no `error`) or `controller.error(error)`; ignores a stream
    /// that is already closed, errored or cancelled.
    pub fn end_stream(controller: &Controller, error: Option<&JsValue>);

    /// The `Error` an iterator / stream consumer gets when the source fails: message
    /// `EventSource failed (<phase>[ <status>])`, with the `error` event's details.
    pub fn failure(details: &Object) -> JsValue;

    /// Whether the global scope says it is offline (`navigator.onLine === false`).
    pub fn is_offline() -> bool;
}

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (window or worker scope).
    #[wasm_bindgen(catch, js_name = fetch)]
    pub fn fetch_with_request(request: &web_sys::Request) -> Result<Promise, JsValue>;

    /// The global `setTimeout`; its handle is a number in browsers, an object in Node.
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(handler: &Function, millis: f64) -> JsValue;

    /// The global `clearTimeout`.
    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(handle: &JsValue);

    /// The `ReadableStreamDefaultController` of a `stream()` consumer.
    #[derive(Clone, Debug)]
    pub type Controller;

    /// A `ReadableStream`, with the calls that can throw bound as `catch`.
    #[wasm_bindgen(js_name = ReadableStream)]
    #[derive(Clone, Debug)]
    pub type Stream;
    /// `stream.getReader()`: throws a `TypeError` when the stream is locked.
    #[wasm_bindgen(method, catch, js_name = getReader)]
    pub fn get_reader(this: &Stream) -> Result<Reader, JsValue>;

    /// A `ReadableStreamDefaultReader`.
    #[wasm_bindgen(js_name = ReadableStreamDefaultReader)]
    #[derive(Clone, Debug)]
    pub type Reader;
    /// `reader.read()`.
    #[wasm_bindgen(method, catch)]
    pub fn read(this: &Reader) -> Result<Promise, JsValue>;
    /// `reader.cancel()`.
    #[wasm_bindgen(method, catch)]
    pub fn cancel(this: &Reader) -> Result<Promise, JsValue>;

    /// The `{done, value}` result of `reader.read()`.
    #[derive(Clone, Debug)]
    pub type ReadResult;
    /// `result.done`.
    #[wasm_bindgen(method, getter)]
    pub fn done(this: &ReadResult) -> bool;
    /// `result.value`.
    #[wasm_bindgen(method, getter)]
    pub fn value(this: &ReadResult) -> JsValue;

    /// The global `String(value)` (`ToString`; may run a throwing `toString`).
    #[wasm_bindgen(catch, js_name = String)]
    pub fn to_string(value: &JsValue) -> Result<String, JsValue>;

    /// `Math.random()`.
    #[wasm_bindgen(js_namespace = Math, js_name = random)]
    pub fn random() -> f64;

    /// `Date.now()`.
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    pub fn date_now() -> f64;
}
