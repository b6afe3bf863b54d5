//! Raw JS bindings the glue needs beyond `web-sys`: global functions (so the glue works
//! in windows and workers alike), `catch` variants of calls that can throw, and the
//! small JS helpers of `js/glue.js` that do in one boundary call what would otherwise
//! take several (build and dispatch an event; build and enqueue a stream item).

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use web_sys::EventTarget;

#[wasm_bindgen(module = "/js/glue.js")]
extern "C" {
    /// Delivers a batch of events (see [`crate::batch`] for the encoding): each to
    /// `route.consumer` when set, else dispatched on `target` as a `MessageEvent`, and
    /// each comment to `route.comment` (`onComment`), in order, stopping once a listener
    /// closed the source. Returns how many were enqueued. `route.id` keeps the last
    /// decoded id between batches (for `SAME_ID`). Listener and `onComment` exceptions
    /// are reported (`reportError`), never thrown here.
    #[wasm_bindgen(catch)]
    pub fn deliver_batch(
        target: &EventTarget,
        route: &Object,
        text: &str,
        meta: &[u32],
        origin: &JsValue,
    ) -> Result<u32, JsValue>;

    /// Dispatches a plain `Event` (not bubbling, not cancelable), with `details` copied
    /// onto it as extra properties when given.
    #[wasm_bindgen(catch)]
    pub fn dispatch_simple(
        target: &EventTarget,
        event_type: &str,
        details: Option<Object>,
    ) -> Result<bool, JsValue>;

    /// The description an `error` event carries: `{phase, status, willRetry, attempt,
    /// delay}` (`null` for a missing status or delay).
    pub fn error_details(
        phase: &str,
        status: Option<u16>,
        will_retry: bool,
        attempt: u32,
        delay: Option<f64>,
    ) -> Object;

    /// The `{status, headers}` an `open` event carries.
    pub fn open_details(response: &web_sys::Response) -> Object;

    /// `{status}`: what `onAuthError` is called with.
    pub fn auth_info(status: u16) -> Object;

    /// `url` parsed against the base URL (`document.baseURI` in a window,
    /// `location.href` in a worker), as the constructor resolves its argument: its
    /// `href`, or `None` when it does not parse.
    pub fn resolve_url(url: &str) -> Option<String>;

    /// What a `url` function gave, as text: a string as is, a `URL` as its `href`.
    pub fn url_text(value: &JsValue) -> Option<String>;

    /// The origin of `url` (`"null"` when it does not parse).
    pub fn origin_of(url: &str) -> String;

    /// Adds (`on`) or removes `listener` for the global `online` event.
    pub fn watch_online(listener: &Function, on: bool);

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

    /// Milliseconds since the Unix epoch on a clock that never goes backwards
    /// (`performance.timeOrigin + performance.now()`).
    pub fn now() -> f64;

    /// A new route object for [`deliver_batch`]:
    /// `{closed: false, consumer: undefined, id: '', comment}` (`comment`: `onComment`).
    /// Its members are own data properties: setting them never runs a page's setter.
    pub fn new_route(comment: Option<Function>) -> Object;

    /// From now on `route` enqueues into `consumer` (`route.consumer`).
    pub fn route_to(route: &Object, consumer: &Controller);

    /// A function that aborts `controller` (what the inactivity timer calls).
    pub fn aborter(controller: &web_sys::AbortController) -> Function;

    /// Sets `route.closed`, which stops a batch being delivered.
    pub fn mark_closed(route: &Object);

    /// Swallows a promise's rejection (e.g. `reader.cancel()` on an errored stream) so
    /// it is not reported as unhandled.
    pub fn ignore_rejection(promise: &Promise);

    /// Whether `error` is named `AbortError` (a `DOMException` from an aborted fetch).
    pub fn is_abort_error(error: &JsValue) -> bool;

    /// Whether `error` is a `TypeError` (how fetch rejects on a network error).
    pub fn is_type_error(error: &JsValue) -> bool;

    /// The global scope's origin (`self.origin`), where there is one.
    pub fn global_origin() -> Option<String>;

    /// A `no-cors` `GET` of `url` (`credentials` mode, no other header, no body):
    /// resolves `true` when the server answered (an opaque response, never read), `false`
    /// on a rejection or no answer within `ms`. `controller` aborts it: `close()`, and
    /// the probe itself once settled (dropping the response).
    pub fn probe(
        url: &str,
        credentials: &str,
        controller: &web_sys::AbortController,
        ms: f64,
    ) -> Promise;
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

    /// `Math.random()`.
    #[wasm_bindgen(js_namespace = Math, js_name = random)]
    pub fn random() -> f64;

}
