//! `EventSourceCore`: the wasm half of the `EventSource` class.
//!
//! One long-lived task per source runs the fetch → read → parse → dispatch loop and
//! sleeps between attempts; the pure [`Connection`] decides every transition and the
//! pure [`Parser`] turns bytes into events. This file only moves facts between them and
//! the platform.
//!
//! Re-entrancy rule: no `RefCell` borrow of [`Inner`] is held across a call that can run
//! user code (dispatching an event runs listeners, which may call `close()` or `reset()`).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{JsString, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{AbortController, EventTarget, Response};

use super::options::Options;
use super::sys;
use crate::connection::{
    Connection, ErrorInfo, ReadyState, ReconnectPolicy, ResponseVerdict, StreamVerdict,
};
use crate::parser::{Event, Parser, Sink};

/// The URL `fromReadableStream` sources report (whatwg/html).
const STREAM_URL: &str = "about:event-stream";

/// Where a source's bytes come from.
enum Input {
    /// Fetched from the source's URL, again on every reconnection.
    Fetch(Options),
    /// A caller-supplied stream, read once (`fromReadableStream`).
    Stream(Option<sys::Stream>),
}

/// A pending timer the task sleeps on; `close()` clears it and wakes the task.
struct Sleep {
    handle: JsValue,
    wake: js_sys::Function,
}

struct Inner {
    /// The JS object events are dispatched on; dropped on close so it can be collected.
    shell: Option<EventTarget>,
    url: String,
    /// Where the next fetch goes: `url`, or the final URL after a redirect (the
    /// request's current URL, which the spec reuses when reestablishing).
    fetch_url: String,
    with_credentials: bool,
    /// Origin of the final (post-redirect) response URL, as events report it.
    origin: JsValue,
    connection: Connection,
    parser: Parser,
    input: Input,
    abort: Option<AbortController>,
    reader: Option<sys::Reader>,
    sleep: Option<Sleep>,
}

impl Inner {
    fn is_closed(&self) -> bool {
        self.connection.ready_state() == ReadyState::Closed
    }

    /// Releases every resource of the current attempt: aborts the fetch, cancels the
    /// reader, clears and wakes a pending timer.
    fn release(&mut self) {
        if let Some(abort) = self.abort.take() {
            abort.abort();
        }
        if let Some(reader) = self.reader.take() {
            if let Ok(promise) = reader.cancel() {
                ignore_rejection(promise);
            }
        }
        if let Some(sleep) = self.sleep.take() {
            sys::clear_timeout(&sleep.handle);
            let _ = sleep.wake.call0(&JsValue::UNDEFINED);
        }
    }
}

/// The wasm core behind one JS `EventSource` object.
#[wasm_bindgen]
pub struct EventSourceCore {
    inner: Rc<RefCell<Inner>>,
}

#[wasm_bindgen]
impl EventSourceCore {
    /// `new EventSource(url, init)`: resolves `url` against the global base URL (a
    /// `SyntaxError` `DOMException` when it cannot be parsed), reads `init`, and starts
    /// connecting in a task.
    #[wasm_bindgen(constructor)]
    pub fn new(shell: EventTarget, url: &str, init: JsValue) -> Result<EventSourceCore, JsValue> {
        super::install_panic_hook();
        let options = Options::read(&init)?;
        let url = resolve_url(url)?;
        let mut parser = Parser::new();
        if let Some(id) = &options.last_event_id {
            parser.set_last_event_id(id);
        }
        let inner = Rc::new(RefCell::new(Inner {
            shell: Some(shell),
            fetch_url: url.clone(),
            url,
            with_credentials: options.with_credentials,
            origin: JsValue::from_str("null"),
            connection: Connection::new(options.policy.clone()),
            parser,
            input: Input::Fetch(options),
            abort: None,
            reader: None,
            sleep: None,
        }));
        spawn_local(run(inner.clone()));
        Ok(EventSourceCore { inner })
    }

    /// `EventSource.fromReadableStream(stream)`: parses `stream` once; its end fires
    /// `error` and closes the source (no reconnection). The JS class has already checked
    /// that `stream` is an unlocked `ReadableStream`.
    #[wasm_bindgen(js_name = fromStream)]
    pub fn from_stream(
        shell: EventTarget,
        stream: JsValue,
        options: JsValue,
    ) -> Result<EventSourceCore, JsValue> {
        super::install_panic_hook();
        // Read like the constructor's dictionary (getter errors propagate); a stream
        // source has no request, so only the parsing options would apply.
        Options::read(&options)?;
        let inner = Rc::new(RefCell::new(Inner {
            shell: Some(shell),
            url: STREAM_URL.to_owned(),
            fetch_url: STREAM_URL.to_owned(),
            with_credentials: false,
            origin: JsValue::from_str("null"),
            connection: Connection::new(ReconnectPolicy::no_reconnect()),
            parser: Parser::new(),
            input: Input::Stream(Some(stream.unchecked_into())),
            abort: None,
            reader: None,
            sleep: None,
        }));
        spawn_local(run(inner.clone()));
        Ok(EventSourceCore { inner })
    }

    /// The resolved URL (`about:event-stream` for stream sources).
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.inner.borrow().url.clone()
    }

    /// Whether credentials are included on cross-origin requests.
    #[wasm_bindgen(getter = withCredentials)]
    pub fn with_credentials(&self) -> bool {
        self.inner.borrow().with_credentials
    }

    /// 0 (CONNECTING), 1 (OPEN) or 2 (CLOSED).
    #[wasm_bindgen(getter = readyState)]
    pub fn ready_state(&self) -> u16 {
        self.inner.borrow().connection.ready_state() as u16
    }

    /// The last event ID string, sent as `Last-Event-ID` when reconnecting.
    #[wasm_bindgen(getter = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.inner.borrow().parser.last_event_id().to_owned()
    }

    /// The reconnection time in milliseconds (initially 3000, then the server's `retry:`).
    #[wasm_bindgen(getter = reconnectionTime)]
    pub fn reconnection_time(&self) -> f64 {
        self.inner.borrow().connection.reconnection_time_ms() as f64
    }

    /// Closes the source: no more events, no reconnection, every resource released.
    pub fn close(&self) {
        let mut inner = self.inner.borrow_mut();
        inner.connection.close();
        inner.release();
        inner.shell = None;
        if let Input::Stream(stream) = &mut inner.input {
            stream.take();
        }
    }

    /// Discards data buffered for an event that has not been dispatched yet.
    pub fn reset(&self) {
        self.inner.borrow_mut().parser.reset();
    }
}

/// Resolves `url` against the document's base URL (or the worker's location).
fn resolve_url(url: &str) -> Result<String, JsValue> {
    let parsed = match base_url() {
        Some(base) => web_sys::Url::new_with_base(url, &base),
        None => web_sys::Url::new(url),
    };
    match parsed {
        Ok(parsed) => Ok(parsed.href()),
        Err(_) => Err(super::dom_exception(
            &format!("Failed to construct 'EventSource': The URL '{url}' is invalid."),
            "SyntaxError",
        )),
    }
}

/// `document.baseURI` in a window, `location.href` in a worker.
fn base_url() -> Option<String> {
    let global = js_sys::global();
    let document = Reflect::get(&global, &JsValue::from_str("document")).ok()?;
    if !document.is_undefined() && !document.is_null() {
        if let Some(base) = Reflect::get(&document, &JsValue::from_str("baseURI"))
            .ok()
            .and_then(|base| base.as_string())
        {
            return Some(base);
        }
    }
    let location = Reflect::get(&global, &JsValue::from_str("location")).ok()?;
    Reflect::get(&location, &JsValue::from_str("href"))
        .ok()?
        .as_string()
}

/// What one attempt ended with.
enum Next {
    /// Wait this long, then connect again.
    Reconnect(u64),
    /// The source is closed (by the caller or by a failure).
    Stop,
}

/// The source's task: attempts, with sleeps in between, until closed.
async fn run(inner: Rc<RefCell<Inner>>) {
    loop {
        let next = if matches!(inner.borrow().input, Input::Stream(_)) {
            read_stream(&inner).await
        } else {
            attempt(&inner).await
        };
        match next {
            Next::Stop => return,
            Next::Reconnect(delay) => {
                sleep(&inner, delay).await;
                let inner_ref = inner.borrow();
                if inner_ref.connection.ready_state() != ReadyState::Connecting {
                    return;
                }
            }
        }
    }
}

/// Sleeps `millis`, or until `close()` wakes the task.
async fn sleep(inner: &Rc<RefCell<Inner>>, millis: u64) {
    let promise = Promise::new(&mut |wake, _reject| {
        let handle = sys::set_timeout(&wake, millis as f64);
        inner.borrow_mut().sleep = Some(Sleep { handle, wake });
    });
    let _ = JsFuture::from(promise).await;
    inner.borrow_mut().sleep = None;
}

/// One fetch attempt: request, response checks, then the body until it ends.
async fn attempt(inner: &Rc<RefCell<Inner>>) -> Next {
    let request = {
        let mut state = inner.borrow_mut();
        if state.connection.attempt() == 0 {
            state.connection.start();
        }
        let state = &mut *state;
        let Input::Fetch(options) = &state.input else {
            return Next::Stop;
        };
        let abort = AbortController::new().ok();
        let last_event_id = state.parser.last_event_id();
        let send_id = state.connection.is_reconnection() || options.last_event_id.is_some();
        let request = options.build_request(
            &state.fetch_url,
            send_id.then_some(last_event_id),
            abort.as_ref().map(|abort| abort.signal()).as_ref(),
        );
        state.abort = abort;
        request
    };
    let response = match request {
        Ok(request) => match sys::fetch_with_request(&request) {
            Ok(promise) => JsFuture::from(promise).await,
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    };
    if inner.borrow().is_closed() {
        return Next::Stop;
    }
    let response: Response = match response {
        Ok(response) => response.unchecked_into(),
        Err(_) => {
            let verdict = inner
                .borrow_mut()
                .connection
                .on_network_error(sys::random());
            return stream_ended(inner, verdict);
        }
    };

    let content_type = response.headers().get("content-type").ok().flatten();
    let retry_after = response.headers().get("retry-after").ok().flatten();
    let verdict = inner.borrow_mut().connection.on_response(
        response.status(),
        content_type.as_deref(),
        retry_after.as_deref(),
        sys::date_now(),
        sys::random(),
    );
    match verdict {
        ResponseVerdict::Open => {}
        ResponseVerdict::Fail { error, .. } => {
            inner.borrow_mut().release();
            fail(inner, &error);
            return Next::Stop;
        }
        ResponseVerdict::Retry { delay_ms, error } => {
            inner.borrow_mut().release();
            return reconnect_after(inner, delay_ms, &error);
        }
        // No auth hook is configured in this build of the options: treated as a failure.
        ResponseVerdict::Refresh { .. } => {
            let error = inner.borrow_mut().connection.fail_auth();
            inner.borrow_mut().release();
            if let Some(error) = error {
                fail(inner, &error);
            }
            return Next::Stop;
        }
        ResponseVerdict::Ignored => return Next::Stop,
    }

    let origin = web_sys::Url::new(&response.url())
        .map(|url| url.origin())
        .or_else(|_| web_sys::Url::new(&inner.borrow().url).map(|url| url.origin()))
        .unwrap_or_else(|_| "null".to_owned());
    {
        let mut state = inner.borrow_mut();
        state.origin = JsValue::from_str(&origin);
        if response.redirected() && !response.url().is_empty() {
            state.fetch_url = response.url();
        }
    }
    let details = open_details(&response);
    if !announce_open(inner, details) {
        return Next::Stop;
    }
    let Some(body) = response.body() else {
        inner.borrow_mut().parser.finish();
        let verdict = inner
            .borrow_mut()
            .connection
            .on_stream_end(true, sys::random());
        return stream_ended(inner, verdict);
    };
    read_body(inner, body.unchecked_into()).await
}

/// `fromReadableStream`: announce, then read the caller's stream once.
async fn read_stream(inner: &Rc<RefCell<Inner>>) -> Next {
    let stream = {
        let mut state = inner.borrow_mut();
        match &mut state.input {
            Input::Stream(stream) => stream.take(),
            Input::Fetch(_) => None,
        }
    };
    let Some(stream) = stream else {
        return Next::Stop;
    };
    if inner.borrow().is_closed() {
        return Next::Stop;
    }
    {
        let mut state = inner.borrow_mut();
        state.connection.start();
        let _ = state
            .connection
            .on_response(200, Some("text/event-stream"), None, 0.0, 0.0);
    }
    if !announce_open(inner, None) {
        return Next::Stop;
    }
    read_body(inner, stream).await
}

/// Sets OPEN (already done by the connection) and fires `open`; false when a listener
/// closed the source.
fn announce_open(inner: &Rc<RefCell<Inner>>, details: Option<js_sys::Object>) -> bool {
    let shell = inner.borrow().shell.clone();
    if let Some(shell) = shell {
        let _ = sys::dispatch_simple(&shell, "open", details);
    }
    !inner.borrow().is_closed()
}

/// Reads the body to its end, feeding the parser and dispatching what it completes.
async fn read_body(inner: &Rc<RefCell<Inner>>, stream: sys::Stream) -> Next {
    let reader = match stream.get_reader() {
        Ok(reader) => reader,
        Err(_) => return body_ended(inner, false),
    };
    inner.borrow_mut().reader = Some(reader.clone());
    let mut chunk = Vec::new();
    let mut batch = Batch::default();
    loop {
        let result = match reader.read() {
            Ok(promise) => JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
        if inner.borrow().is_closed() {
            return Next::Stop;
        }
        let result: sys::ReadResult = match result {
            Ok(result) => result.unchecked_into(),
            Err(_) => return body_ended(inner, false),
        };
        if result.done() {
            return body_ended(inner, true);
        }
        let Some(bytes) = result.value().dyn_ref::<Uint8Array>().cloned() else {
            // A stream of something other than bytes: treat it as a broken body.
            return body_ended(inner, false);
        };
        chunk.resize(bytes.length() as usize, 0);
        bytes.copy_to(&mut chunk);
        let fed = {
            let mut state = inner.borrow_mut();
            let state = &mut *state;
            batch.origin = state.origin.clone();
            state.connection.on_bytes();
            state.parser.feed(&chunk, &mut batch)
        };
        if dispatch_batch(inner, &mut batch) {
            return Next::Stop;
        }
        if fed.is_err() {
            let error = {
                let mut state = inner.borrow_mut();
                state.release();
                state.connection.on_parse_limit()
            };
            if let Some(error) = error {
                fail(inner, &error);
            }
            return Next::Stop;
        }
    }
}

/// The body ended (cleanly or not): let the connection decide what follows.
fn body_ended(inner: &Rc<RefCell<Inner>>, clean: bool) -> Next {
    let verdict = {
        let mut state = inner.borrow_mut();
        state.reader = None;
        state.abort = None;
        state.parser.finish();
        state.connection.on_stream_end(clean, sys::random())
    };
    stream_ended(inner, verdict)
}

fn stream_ended(inner: &Rc<RefCell<Inner>>, verdict: StreamVerdict) -> Next {
    match verdict {
        StreamVerdict::Reconnect { delay_ms, error } => reconnect_after(inner, delay_ms, &error),
        StreamVerdict::Close { error, .. } => {
            fail(inner, &error);
            Next::Stop
        }
        StreamVerdict::Ignored => Next::Stop,
    }
}

/// Fires `error` (readyState CONNECTING), then waits unless a listener closed the source.
fn reconnect_after(inner: &Rc<RefCell<Inner>>, delay_ms: u64, error: &ErrorInfo) -> Next {
    let shell = inner.borrow().shell.clone();
    if let Some(shell) = shell {
        let _ = sys::dispatch_simple(&shell, "error", Some(error_details(error)));
    }
    if inner.borrow().connection.ready_state() == ReadyState::Connecting {
        Next::Reconnect(delay_ms)
    } else {
        Next::Stop
    }
}

/// Fires the final `error` (readyState already CLOSED) and lets go of the JS object.
fn fail(inner: &Rc<RefCell<Inner>>, error: &ErrorInfo) {
    let shell = inner.borrow_mut().shell.take();
    if let Some(shell) = shell {
        let _ = sys::dispatch_simple(&shell, "error", Some(error_details(error)));
    }
}

/// The non-standard description carried by `error` events: `phase`, `status`,
/// `willRetry`, `attempt`, `delay`.
fn error_details(error: &ErrorInfo) -> js_sys::Object {
    let details = js_sys::Object::new();
    let set = |name: &str, value: JsValue| {
        let _ = Reflect::set(&details, &JsValue::from_str(name), &value);
    };
    set("phase", JsValue::from_str(error.phase.as_str()));
    set("status", error.status.map_or(JsValue::NULL, JsValue::from));
    set("willRetry", JsValue::from_bool(error.will_retry));
    set("attempt", JsValue::from(error.attempt));
    set(
        "delay",
        error
            .delay_ms
            .map_or(JsValue::NULL, |d| JsValue::from(d as f64)),
    );
    details
}

/// The non-standard `status` and `headers` carried by the `open` event.
fn open_details(response: &Response) -> Option<js_sys::Object> {
    let details = js_sys::Object::new();
    Reflect::set(
        &details,
        &JsValue::from_str("status"),
        &JsValue::from(response.status()),
    )
    .ok()?;
    Reflect::set(&details, &JsValue::from_str("headers"), &response.headers()).ok()?;
    Some(details)
}

/// Events parsed from one chunk, turned into JS values while the parser is borrowed and
/// dispatched after the borrow ends.
#[derive(Default)]
struct Batch {
    items: Vec<Pending>,
    origin: JsValue,
    /// The last id string seen and its JS value, reused while it does not change.
    last_id: String,
    last_id_js: Option<JsValue>,
}

enum Pending {
    Message {
        event_type: Option<JsValue>,
        data: JsValue,
        last_event_id: JsValue,
    },
    Retry(u64),
}

impl Sink for Batch {
    fn on_event(&mut self, event: Event<'_>) {
        let last_event_id = match &self.last_id_js {
            Some(js) if self.last_id == event.last_event_id => js.clone(),
            _ => {
                let js: JsValue = JsString::from(event.last_event_id).into();
                self.last_id.clear();
                self.last_id.push_str(event.last_event_id);
                self.last_id_js = Some(js.clone());
                js
            }
        };
        self.items.push(Pending::Message {
            event_type: (event.event_type != "message")
                .then(|| JsString::from(event.event_type).into()),
            data: JsString::from(event.data).into(),
            last_event_id,
        });
    }

    fn on_retry(&mut self, millis: u64) {
        self.items.push(Pending::Retry(millis));
    }
}

thread_local! {
    static MESSAGE: JsValue = JsValue::from_str("message");
}

/// Dispatches the batch in order while the source is not closed. Returns true when the
/// source was closed (by a listener or before).
fn dispatch_batch(inner: &Rc<RefCell<Inner>>, batch: &mut Batch) -> bool {
    let origin = &batch.origin;
    let mut closed = false;
    for item in batch.items.drain(..) {
        match item {
            Pending::Retry(millis) => inner.borrow_mut().connection.on_retry_field(millis),
            Pending::Message {
                event_type,
                data,
                last_event_id,
            } => {
                let shell = {
                    let state = inner.borrow();
                    if state.is_closed() {
                        closed = true;
                        break;
                    }
                    state.shell.clone()
                };
                let Some(shell) = shell else {
                    closed = true;
                    break;
                };
                let event_type = event_type.unwrap_or_else(|| MESSAGE.with(JsValue::clone));
                let _ = sys::dispatch_message(&shell, &event_type, &data, origin, &last_event_id);
            }
        }
    }
    closed || inner.borrow().is_closed()
}

/// Swallows a promise's rejection (e.g. `reader.cancel()` on an errored stream) so it is
/// not reported as unhandled.
fn ignore_rejection(promise: Promise) {
    spawn_local(async move {
        let _ = JsFuture::from(promise).await;
    });
}
