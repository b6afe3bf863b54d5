//! Raw JS bindings the glue needs beyond `web-sys`: global functions (so the glue works
//! in windows and workers alike), `catch` variants of calls that can throw, and one
//! small JS helper that builds and dispatches a `MessageEvent` in a single boundary call.

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
