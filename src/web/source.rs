//! `EventSourceCore`: the wasm half of the `EventSource` class.
//!
//! One long-lived task per source runs the fetch → read → parse → deliver loop and
//! waits between attempts; the pure [`Connection`] decides every transition and the
//! pure [`Parser`] turns bytes into events. This file only moves facts between them and
//! the platform.
//!
//! Events go to the DOM (`MessageEvent`s dispatched on the JS object) or, once a
//! `stream()` / `for await` consumer is attached, to that consumer's `ReadableStream`
//! queue only. The queue is bounded: while it is full (`desiredSize <= 0`) the task
//! stops calling `reader.read()`, so the response body is left unread and TCP pushes
//! back on the server.
//!
//! Re-entrancy rule: no `RefCell` borrow of [`Inner`] is held across a call that can run
//! user code: dispatching an event (listeners may call `close()` or `reset()`), calling
//! the headers/body functions, the custom `fetch` or the auth hook, building a request
//! (a header or body object may have getters), and aborting a fetch or cancelling a
//! reader (abort listeners, a caller's stream `cancel`). Resources are therefore taken
//! out of [`Inner`] first and released afterwards ([`Release`]).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{AbortController, AbortSignal, EventTarget, Response};

use super::options::{Options, PerAttempt};
use super::sys;
use crate::batch::Batch;
use crate::connection::{
    CloseReason, Connection, ErrorInfo, ReadyState, ReconnectPolicy, ResponseVerdict, StreamVerdict,
};
use crate::parser::Parser;

/// The URL `fromReadableStream` sources report (whatwg/html).
const STREAM_URL: &str = "about:event-stream";

/// While a stream consumer is attached, a chunk is parsed this many bytes at a time and
/// the queue is checked in between, so it overshoots `highWaterMark` by at most the
/// events that this many bytes complete.
const SLICE: u32 = 1024;

/// Without a consumer, a chunk is copied into wasm memory and parsed this many bytes at
/// a time (a network chunk can be megabytes, more than a small `maxEventSize`).
const PIECE: u32 = 64 * 1024;

/// The longest delay `setTimeout` honours (a longer one fires at once).
const MAX_TIMER_MS: u64 = i32::MAX as u64;

/// Where a source's bytes come from.
enum Input {
    /// Fetched from the source's URL, again on every reconnection.
    Fetch(Rc<Options>),
    /// A caller-supplied stream, read once (`fromReadableStream`).
    Stream(Option<sys::Stream>),
}

/// A pending timer the task sleeps on; `close()` clears it and wakes the task.
struct Sleep {
    handle: JsValue,
    wake: Function,
}

/// The `signal` option and the `abort` listener added to it.
type SignalListener = (AbortSignal, Closure<dyn FnMut()>);

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
    /// The last event ID once the task has ended, as a JS string: a closed source keeps
    /// no wasm memory for it (it can be as long as `maxEventSize`).
    final_id: Option<js_sys::JsString>,
    input: Input,
    /// The current attempt's fetch.
    abort: Option<AbortController>,
    /// The current attempt's body reader.
    reader: Option<sys::Reader>,
    /// The inactivity timer of the current attempt.
    timer: Option<JsValue>,
    /// What the inactivity timer calls: the attempt's `abort()`, bound.
    on_timeout: Option<Function>,
    /// `inactivityTimeout` in ms.
    inactivity_ms: Option<u64>,
    /// The wait between attempts.
    sleep: Option<Sleep>,
    /// While waiting for the global `online` event: the listener, which wakes the task.
    online: Option<Function>,
    /// While a consumer's queue is full: wakes the task (`pull()` calls it).
    room: Option<Function>,
    /// A promise resolved on close, which user promises are raced against.
    closed: Option<(Promise, Function)>,
    signal: Option<SignalListener>,
    /// The `ReadableStream` controller of the attached `stream()` consumer.
    consumer: Option<sys::Controller>,
    /// A plain JS object read by the JS side of [`deliver`] before each event: `consumer`
    /// mirrors `consumer` (a listener may attach one mid-batch) and `closed` is set by
    /// `close()` (the only way a listener can close the source). The JS side keeps the
    /// last decoded event id on it as `id` (see [`crate::batch`]).
    route: js_sys::Object,
    high_water_mark: u32,
    /// The `Error` a consumer gets when the source failed (rather than being closed or
    /// finishing cleanly).
    failure: Option<JsValue>,
}

/// JS resources taken out of [`Inner`], released with no borrow held.
#[derive(Default)]
struct Release {
    abort: Option<AbortController>,
    reader: Option<sys::Reader>,
    timer: Option<JsValue>,
    sleep: Option<Sleep>,
    online: Option<Function>,
    room: Option<Function>,
    closed: Option<Function>,
    signal: Option<SignalListener>,
    consumer: Option<sys::Controller>,
}

impl Inner {
    fn is_closed(&self) -> bool {
        self.connection.ready_state() == ReadyState::Closed
    }

    /// The current attempt's resources: fetch, reader, inactivity timer.
    fn take_attempt(&mut self) -> Release {
        self.on_timeout = None;
        Release {
            abort: self.abort.take(),
            reader: self.reader.take(),
            timer: self.timer.take(),
            ..Release::default()
        }
    }

    /// Everything (on close, and when the task ends).
    fn take_all(&mut self) -> Release {
        Release {
            sleep: self.sleep.take(),
            online: self.online.take(),
            room: self.room.take(),
            closed: self.closed.take().map(|(_, wake)| wake),
            signal: self.signal.take(),
            consumer: self.consumer.take(),
            ..self.take_attempt()
        }
    }

    /// Whether the fetch of the current attempt was aborted by the inactivity timer
    /// (only `close()`, which also closes the source, aborts it otherwise).
    fn timed_out(&self) -> bool {
        self.abort
            .as_ref()
            .is_some_and(|abort| abort.signal().aborted())
    }
}

impl Release {
    /// Clears timers, removes listeners, aborts the fetch, cancels the reader, wakes a
    /// waiting task and closes a consumer's stream (its queued events stay readable).
    fn run(self) {
        if let Some(handle) = self.timer {
            sys::clear_timeout(&handle);
        }
        if let Some(sleep) = self.sleep {
            sys::clear_timeout(&sleep.handle);
            let _ = sleep.wake.call0(&JsValue::UNDEFINED);
        }
        if let Some((signal, listener)) = self.signal {
            let _ = signal
                .remove_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
            // Dropping a closure while it runs (close from the abort listener) is safe:
            // wasm-bindgen frees it once the call returns.
            drop(listener);
        }
        if let Some(online) = self.online {
            let _ = global().remove_event_listener_with_callback("online", &online);
            let _ = online.call0(&JsValue::UNDEFINED);
        }
        if let Some(abort) = self.abort {
            abort.abort();
        }
        if let Some(reader) = self.reader {
            if let Ok(promise) = reader.cancel() {
                ignore_rejection(promise);
            }
        }
        for wake in [self.room, self.closed].into_iter().flatten() {
            let _ = wake.call0(&JsValue::UNDEFINED);
        }
        if let Some(consumer) = self.consumer {
            sys::end_stream(&consumer, None);
        }
    }
}

/// The global scope as an `EventTarget` (window or worker).
fn global() -> EventTarget {
    js_sys::global().unchecked_into()
}

/// The wasm core behind one JS `EventSource` object.
#[wasm_bindgen]
pub struct EventSourceCore {
    inner: Rc<RefCell<Inner>>,
}

/// A new source's state (not started).
fn new_inner(
    shell: EventTarget,
    url: String,
    options: &Options,
    policy: ReconnectPolicy,
    input: Input,
) -> Inner {
    let mut parser = Parser::with_max_buffer(options.max_event_size);
    if let Some(id) = &options.last_event_id {
        parser.set_last_event_id(id);
    }
    Inner {
        shell: Some(shell),
        fetch_url: url.clone(),
        url,
        with_credentials: options.with_credentials,
        origin: JsValue::from_str("null"),
        connection: Connection::new(policy),
        parser,
        final_id: None,
        input,
        abort: None,
        reader: None,
        timer: None,
        on_timeout: None,
        inactivity_ms: options.inactivity_timeout_ms,
        sleep: None,
        online: None,
        room: None,
        closed: None,
        signal: None,
        consumer: None,
        route: js_sys::Object::new(),
        high_water_mark: options.high_water_mark,
        failure: None,
    }
}

#[wasm_bindgen]
impl EventSourceCore {
    /// `new EventSource(url, init)`: resolves `url` against the global base URL (a
    /// `SyntaxError` `DOMException` when it cannot be parsed), reads and validates
    /// `init` (a `TypeError` for a bad member), and starts connecting in a task, unless
    /// `init.signal` is already aborted (then the source is closed at once).
    #[wasm_bindgen(constructor)]
    pub fn new(shell: EventTarget, url: &str, init: JsValue) -> Result<EventSourceCore, JsValue> {
        super::install_panic_hook();
        let options = Options::read(&init)?;
        let url = resolve_url(url)?;
        if !init.is_undefined() {
            options.validate()?;
        }
        let signal = options.signal.clone();
        let policy = options.policy.clone();
        let options = Rc::new(options);
        let inner = new_inner(shell, url, &options, policy, Input::Fetch(options.clone()));
        let inner = Rc::new(RefCell::new(inner));
        if let Some(signal) = signal {
            if signal.aborted() {
                close_inner(&inner);
                return Ok(EventSourceCore { inner });
            }
            let weak = Rc::downgrade(&inner);
            let listener = Closure::<dyn FnMut()>::new(move || {
                if let Some(inner) = weak.upgrade() {
                    close_inner(&inner);
                }
            });
            signal.add_event_listener_with_callback("abort", listener.as_ref().unchecked_ref())?;
            inner.borrow_mut().signal = Some((signal, listener));
        }
        spawn_local(run(inner.clone()));
        Ok(EventSourceCore { inner })
    }

    /// `EventSource.fromReadableStream(stream, options)`: parses `stream` once; its end
    /// fires `error` and closes the source (no reconnection). The JS class has already
    /// checked that `stream` is an unlocked `ReadableStream`. Of the options only
    /// `maxEventSize`, `highWaterMark` and `lastEventId` apply.
    #[wasm_bindgen(js_name = fromStream)]
    pub fn from_stream(
        shell: EventTarget,
        stream: JsValue,
        options: JsValue,
    ) -> Result<EventSourceCore, JsValue> {
        super::install_panic_hook();
        let options = Options::read(&options)?;
        let mut inner = new_inner(
            shell,
            STREAM_URL.to_owned(),
            &options,
            ReconnectPolicy::no_reconnect(),
            Input::Stream(Some(stream.unchecked_into())),
        );
        inner.with_credentials = false;
        inner.inactivity_ms = None;
        let inner = Rc::new(RefCell::new(inner));
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
    pub fn last_event_id(&self) -> js_sys::JsString {
        let state = self.inner.borrow();
        match &state.final_id {
            Some(id) => id.clone(),
            None => state.parser.last_event_id().into(),
        }
    }

    /// The reconnection time in milliseconds (initially 3000, then the server's `retry:`).
    #[wasm_bindgen(getter = reconnectionTime)]
    pub fn reconnection_time(&self) -> f64 {
        self.inner.borrow().connection.reconnection_time_ms() as f64
    }

    /// The size, in events, of a `stream()` consumer's queue (`highWaterMark`).
    #[wasm_bindgen(getter = highWaterMark)]
    pub fn high_water_mark(&self) -> u32 {
        self.inner.borrow().high_water_mark
    }

    /// Closes the source: no more events, no reconnection, every resource released. A
    /// stream consumer's stream is closed (events already queued stay readable).
    pub fn close(&self) {
        close_inner(&self.inner);
    }

    /// Discards data buffered for an event that has not been dispatched yet.
    pub fn reset(&self) {
        self.inner.borrow_mut().parser.reset();
    }

    /// `start` of a `stream()` consumer's `ReadableStream`: from now on events go to
    /// `controller` instead of being dispatched. A `TypeError` when a consumer is already
    /// attached; on a closed source the stream is closed (or errored, if the source
    /// failed) at once.
    pub fn attach(&self, controller: sys::Controller) -> Result<(), JsValue> {
        let ended = {
            let mut inner = self.inner.borrow_mut();
            if inner.consumer.is_some() {
                return Err(js_sys::TypeError::new(
                    "This EventSource is already being consumed by stream() or for await.",
                )
                .into());
            }
            if !inner.is_closed() {
                let _ = Reflect::set(&inner.route, &JsValue::from_str("consumer"), &controller);
                inner.consumer = Some(controller);
                return Ok(());
            }
            inner.failure.clone()
        };
        sys::end_stream(&controller, ended.as_ref());
        Ok(())
    }

    /// `pull` of the consumer's `ReadableStream`: the queue has room again.
    pub fn pull(&self) {
        let wake = self.inner.borrow_mut().room.take();
        if let Some(wake) = wake {
            let _ = wake.call0(&JsValue::UNDEFINED);
        }
    }
}

/// `close()`: CLOSED, then every resource released.
fn close_inner(inner: &Rc<RefCell<Inner>>) {
    let release = {
        let mut state = inner.borrow_mut();
        state.connection.close();
        // Seen by a batch being delivered when a listener closed the source.
        let _ = Reflect::set(&state.route, &JsValue::from_str("closed"), &JsValue::TRUE);
        state.shell = None;
        if let Input::Stream(stream) = &mut state.input {
            stream.take();
        }
        state.take_all()
    };
    release.run();
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
            &[
                "Failed to construct 'EventSource': The URL '",
                url,
                "' is invalid.",
            ]
            .concat(),
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

/// The source's task: attempts, with waits in between, until closed; then it settles a
/// stream consumer and releases what is left.
async fn run(inner: Rc<RefCell<Inner>>) {
    loop {
        let next = if matches!(inner.borrow().input, Input::Stream(_)) {
            read_stream(&inner).await
        } else {
            attempt(&inner).await
        };
        match next {
            Next::Stop => break,
            Next::Reconnect(delay) => {
                if !wait_to_reconnect(&inner, delay).await {
                    break;
                }
            }
        }
    }
    settle_consumer(&inner).await;
    let release = {
        let mut state = inner.borrow_mut();
        // The core lives until JS collects it: keep only what the getters still read,
        // and that in JS, not the buffers a large event left in the parser.
        state.final_id = Some(state.parser.last_event_id().into());
        state.parser = Parser::with_max_buffer(state.parser.max_buffer());
        state.take_all()
    };
    release.run();
}

/// Waits `delay` ms, or, with `waitForOnline` while the global scope is offline, for
/// its `online` event (then reconnects at once). False when the source got closed.
async fn wait_to_reconnect(inner: &Rc<RefCell<Inner>>, delay: u64) -> bool {
    let network_aware = matches!(&inner.borrow().input, Input::Fetch(o) if o.wait_for_online);
    if !(network_aware && sys::is_offline()) {
        sleep(inner, delay).await;
    }
    let wait_online = network_aware
        && inner
            .borrow()
            .connection
            .should_wait_for_online(!sys::is_offline());
    if wait_online {
        online(inner).await;
    }
    inner.borrow().connection.ready_state() == ReadyState::Connecting
}

/// Sleeps `millis`, or until `close()` wakes the task.
async fn sleep(inner: &Rc<RefCell<Inner>>, millis: u64) {
    let future = waiter(inner, |state, wake| {
        state.sleep = Some(Sleep {
            handle: JsValue::UNDEFINED,
            wake,
        })
    });
    if let Some(sleep) = &mut inner.borrow_mut().sleep {
        sleep.handle = sys::set_timeout(&sleep.wake, millis.min(MAX_TIMER_MS) as f64);
    }
    let _ = future.await;
    inner.borrow_mut().sleep = None;
}

/// Waits for the global `online` event, or until `close()` wakes the task.
async fn online(inner: &Rc<RefCell<Inner>>) {
    let _ = waiter(inner, |state, wake| {
        let _ = global().add_event_listener_with_callback("online", &wake);
        state.online = Some(wake);
    })
    .await;
    let listener = inner.borrow_mut().online.take();
    if let Some(listener) = listener {
        let _ = global().remove_event_listener_with_callback("online", &listener);
    }
}

/// A promise resolved when the source closes (already resolved if it is closed).
fn closed_promise(inner: &Rc<RefCell<Inner>>) -> Promise {
    {
        let state = inner.borrow();
        if state.is_closed() {
            return Promise::resolve(&JsValue::UNDEFINED);
        }
        if let Some((promise, _)) = &state.closed {
            return promise.clone();
        }
    }
    let mut wake = None;
    let promise = Promise::new(&mut |resolve, _reject| wake = Some(resolve));
    if let Some(wake) = wake {
        inner.borrow_mut().closed = Some((promise.clone(), wake));
    }
    promise
}

/// Awaits `value` (a promise or not), giving up when the source closes.
fn settle(inner: &Rc<RefCell<Inner>>, value: &JsValue) -> JsFuture {
    let race = js_sys::Array::of2(&Promise::resolve(value), &closed_promise(inner));
    JsFuture::from(Promise::race(&race))
}

/// Calls a user function (no borrow held); the future awaits what it returned.
fn call_user(
    inner: &Rc<RefCell<Inner>>,
    function: &Function,
    arg: &JsValue,
) -> Result<JsFuture, JsValue> {
    let value = function.call1(&JsValue::UNDEFINED, arg)?;
    Ok(settle(inner, &value))
}

/// A promise the task can await, whose resolve function `store` keeps in [`Inner`] for
/// whoever must wake the task (`pull()`, `close()`, a timer, the `online` event).
fn waiter(inner: &Rc<RefCell<Inner>>, store: fn(&mut Inner, Function)) -> JsFuture {
    JsFuture::from(Promise::new(&mut |wake, _reject| {
        store(&mut inner.borrow_mut(), wake)
    }))
}

/// One fetch attempt: request, response checks, then the body until it ends.
async fn attempt(inner: &Rc<RefCell<Inner>>) -> Next {
    let (options, url, last_event_id) = {
        let mut state = inner.borrow_mut();
        if state.connection.attempt() == 0 {
            state.connection.start();
        }
        let Input::Fetch(options) = &state.input else {
            return Next::Stop;
        };
        let options = options.clone();
        let send_id = state.connection.is_reconnection() || options.last_event_id.is_some();
        let id = send_id.then(|| state.parser.last_event_id().to_owned());
        (options, state.fetch_url.clone(), id)
    };
    // The headers and body functions run before every attempt (fresh tokens, a fresh
    // stream); one that throws counts as a failed connection.
    let mut members = [None, None];
    let mut failed = false;
    for (slot, member) in members.iter_mut().zip([&options.headers, &options.body]) {
        *slot = match member {
            PerAttempt::None => None,
            PerAttempt::Fixed(value) => Some(value.clone()),
            PerAttempt::Function(function) => {
                match call_user(inner, function, &JsValue::UNDEFINED) {
                    Ok(future) => future.await.map_err(|_| failed = true).ok(),
                    Err(_) => {
                        failed = true;
                        None
                    }
                }
            }
        };
        if failed || inner.borrow().is_closed() {
            break;
        }
    }
    if inner.borrow().is_closed() {
        return Next::Stop;
    }
    if failed {
        return connect_failed(inner);
    }
    let [headers, body] = members;
    let abort = AbortController::new().ok();
    let request = options.build_request(
        &url,
        last_event_id.as_deref(),
        abort.as_ref().map(AbortController::signal).as_ref(),
        headers.as_ref(),
        body.as_ref(),
    );
    if inner.borrow().is_closed() {
        return Next::Stop;
    }
    let on_timeout = match (&abort, options.inactivity_timeout_ms) {
        (Some(abort), Some(_)) => Reflect::get(abort, &JsValue::from_str("abort"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .map(|f| f.bind0(abort)),
        _ => None,
    };
    {
        let mut state = inner.borrow_mut();
        state.abort = abort;
        state.on_timeout = on_timeout;
    }
    let Ok(request) = request else {
        return connect_failed(inner);
    };
    rearm_timer(inner);
    let response = match &options.fetch {
        Some(fetch) => call_user(inner, fetch, &request),
        None => sys::fetch_with_request(&request).map(JsFuture::from),
    };
    let response = match response {
        Ok(future) => future.await,
        Err(error) => Err(error),
    };
    if inner.borrow().is_closed() {
        return Next::Stop;
    }
    let Some(response) = response.ok().and_then(|r| r.dyn_into::<Response>().ok()) else {
        return connect_failed(inner);
    };
    rearm_timer(inner);

    let status = response.status();
    let content_type = response.headers().get("content-type").ok().flatten();
    let retry_after = response.headers().get("retry-after").ok().flatten();
    let verdict = inner.borrow_mut().connection.on_response(
        status,
        content_type.as_deref(),
        retry_after.as_deref(),
        sys::date_now(),
        sys::random(),
    );
    match verdict {
        ResponseVerdict::Open => {}
        ResponseVerdict::Fail { error, .. } => {
            release_attempt(inner);
            fail(inner, &error, false);
            return Next::Stop;
        }
        ResponseVerdict::Retry { delay_ms, error } => {
            release_attempt(inner);
            return reconnect_after(inner, delay_ms, &error);
        }
        ResponseVerdict::Refresh { error } => {
            release_attempt(inner);
            return refresh_auth(inner, &options, status, &error).await;
        }
        ResponseVerdict::Ignored => return Next::Stop,
    }

    let final_url = response.url();
    let origin = web_sys::Url::new(&final_url)
        .map(|url| url.origin())
        .or_else(|_| web_sys::Url::new(&url).map(|url| url.origin()))
        .unwrap_or_else(|_| "null".to_owned());
    {
        let mut state = inner.borrow_mut();
        state.origin = JsValue::from_str(&origin);
        if response.redirected() && !final_url.is_empty() {
            state.fetch_url = final_url;
        }
    }
    let details = open_details(&response);
    if !announce_open(inner, details) {
        return Next::Stop;
    }
    let Some(body) = response.body() else {
        return body_ended(inner, true);
    };
    read_body(inner, body.unchecked_into()).await
}

/// Releases the current attempt (aborts its fetch, clears its timer).
fn release_attempt(inner: &Rc<RefCell<Inner>>) {
    let release = inner.borrow_mut().take_attempt();
    release.run();
}

/// The fetch rejected, did not give a `Response`, or the request could not be built
/// (the inactivity timer's abort counts as a timeout): reconnect per the policy.
fn connect_failed(inner: &Rc<RefCell<Inner>>) -> Next {
    let timed_out = inner.borrow().timed_out();
    release_attempt(inner);
    let verdict = {
        let mut state = inner.borrow_mut();
        if timed_out {
            state.connection.on_inactivity_timeout(sys::random())
        } else {
            state.connection.on_network_error(sys::random())
        }
    };
    stream_ended(inner, verdict)
}

/// 401/403 with `onAuthError`: fire `error`, await the hook, then reconnect at once
/// (keeping `Last-Event-ID`); a hook that throws or rejects fails the source.
async fn refresh_auth(
    inner: &Rc<RefCell<Inner>>,
    options: &Options,
    status: u16,
    error: &ErrorInfo,
) -> Next {
    if let Next::Stop = reconnect_after(inner, 0, error) {
        return Next::Stop;
    }
    let outcome = match &options.on_auth_error {
        Some(hook) => {
            let info = Object::new();
            let _ = Reflect::set(&info, &JsValue::from_str("status"), &JsValue::from(status));
            match call_user(inner, hook, &info) {
                Ok(future) => future.await,
                Err(error) => Err(error),
            }
        }
        None => Err(JsValue::UNDEFINED),
    };
    if inner.borrow().is_closed() {
        return Next::Stop;
    }
    if outcome.is_ok() {
        return Next::Reconnect(0);
    }
    let error = inner.borrow_mut().connection.fail_auth();
    if let Some(error) = error {
        fail(inner, &error, false);
    }
    Next::Stop
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
    {
        let mut state = inner.borrow_mut();
        state.connection.start();
        if !state.connection.on_stream_open() {
            return Next::Stop;
        }
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

/// Restarts the inactivity timer (no-op without `inactivityTimeout` or after close).
fn rearm_timer(inner: &Rc<RefCell<Inner>>) {
    let (old, next) = {
        let mut state = inner.borrow_mut();
        if state.on_timeout.is_none() {
            return;
        }
        let next = state.on_timeout.clone().zip(state.inactivity_ms);
        (state.timer.take(), next)
    };
    if let Some(handle) = old {
        sys::clear_timeout(&handle);
    }
    if let Some((on_timeout, ms)) = next {
        let handle = sys::set_timeout(&on_timeout, ms.min(MAX_TIMER_MS) as f64);
        inner.borrow_mut().timer = Some(handle);
    }
}

/// Stops the inactivity timer while the task waits on the consumer, not the network.
fn pause_timer(inner: &Rc<RefCell<Inner>>) {
    let old = inner.borrow_mut().timer.take();
    if let Some(handle) = old {
        sys::clear_timeout(&handle);
    }
}

/// Backpressure: while a consumer is attached and its queue is full, waits for its
/// `pull()` (the inactivity timer is paused meanwhile). False when the source closed.
async fn wait_for_room(inner: &Rc<RefCell<Inner>>) -> bool {
    let mut paused = false;
    let open = loop {
        let consumer = {
            let state = inner.borrow();
            if state.is_closed() {
                break false;
            }
            match &state.consumer {
                Some(consumer) => consumer.clone(),
                None => break true,
            }
        };
        if sys::desired_size(&consumer) > 0.0 {
            break true;
        }
        if !paused {
            paused = true;
            pause_timer(inner);
        }
        let _ = waiter(inner, |state, wake| state.room = Some(wake)).await;
    };
    if paused && open {
        rearm_timer(inner);
    }
    open
}

/// Reads the body to its end, feeding the parser and delivering what it completes.
async fn read_body(inner: &Rc<RefCell<Inner>>, stream: sys::Stream) -> Next {
    let reader = match stream.get_reader() {
        Ok(reader) => reader,
        Err(_) => return body_ended(inner, false),
    };
    let mut batch = Batch::default();
    let origin = {
        let mut state = inner.borrow_mut();
        state.reader = Some(reader.clone());
        state.origin.clone()
    };
    let mut chunk = Vec::new();
    loop {
        if !wait_for_room(inner).await {
            return Next::Stop;
        }
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
        let len = bytes.length();
        inner.borrow_mut().connection.on_bytes();
        rearm_timer(inner);
        let mut offset = 0;
        while offset < len {
            let piece = if inner.borrow().consumer.is_some() {
                SLICE
            } else {
                PIECE
            };
            let end = len.min(offset.saturating_add(piece));
            // Into wasm memory a piece at a time: a network chunk can be megabytes.
            chunk.resize((end - offset) as usize, 0);
            bytes.subarray(offset, end).copy_to(&mut chunk);
            offset = end;
            let fed = inner.borrow_mut().parser.feed(&chunk, &mut batch);
            let Some(queued) = deliver(inner, &mut batch, &origin) else {
                return Next::Stop;
            };
            if fed.is_err() {
                let error = {
                    let mut state = inner.borrow_mut();
                    let release = state.take_attempt();
                    (state.connection.on_parse_limit(), release)
                };
                error.1.run();
                if let Some(error) = error.0 {
                    fail(inner, &error, false);
                }
                return Next::Stop;
            }
            if queued > 0 && offset < len && !wait_for_room(inner).await {
                return Next::Stop;
            }
        }
    }
}

/// The body ended (cleanly or not; an error after the inactivity timer's abort is a
/// timeout): let the connection decide what follows.
fn body_ended(inner: &Rc<RefCell<Inner>>, clean: bool) -> Next {
    let (verdict, release) = {
        let mut state = inner.borrow_mut();
        let timed_out = !clean && state.timed_out();
        let mut release = state.take_attempt();
        // The body is over: nothing to abort or cancel.
        release.abort = None;
        release.reader = None;
        state.parser.finish();
        let verdict = if timed_out {
            state.connection.on_inactivity_timeout(sys::random())
        } else {
            state.connection.on_stream_end(clean, sys::random())
        };
        (verdict, release)
    };
    release.run();
    stream_ended(inner, verdict)
}

fn stream_ended(inner: &Rc<RefCell<Inner>>, verdict: StreamVerdict) -> Next {
    match verdict {
        StreamVerdict::Reconnect { delay_ms, error } => reconnect_after(inner, delay_ms, &error),
        StreamVerdict::Close { error, reason } => {
            fail(inner, &error, reason == CloseReason::Finished);
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
/// Unless the stream merely `finished` (finite mode, `fromReadableStream`), a stream
/// consumer will get an `Error` carrying the same details once its queue is drained.
fn fail(inner: &Rc<RefCell<Inner>>, error: &ErrorInfo, finished: bool) {
    let details = error_details(error);
    let failure = (!finished).then(|| sys::failure(&details));
    let shell = {
        let mut state = inner.borrow_mut();
        if state.failure.is_none() {
            state.failure = failure;
        }
        state.shell.take()
    };
    if let Some(shell) = shell {
        let _ = sys::dispatch_simple(&shell, "error", Some(details));
    }
}

/// After the source closed or failed: closes the consumer's stream, or, after a
/// failure, errors it once the consumer has read every queued event.
async fn settle_consumer(inner: &Rc<RefCell<Inner>>) {
    loop {
        let (consumer, failure, high_water_mark) = {
            let state = inner.borrow();
            match &state.consumer {
                Some(consumer) => (
                    consumer.clone(),
                    state.failure.clone(),
                    state.high_water_mark,
                ),
                None => return,
            }
        };
        if failure.is_none() || sys::desired_size(&consumer) >= f64::from(high_water_mark) {
            inner.borrow_mut().consumer = None;
            sys::end_stream(&consumer, failure.as_ref());
            return;
        }
        let _ = waiter(inner, |state, wake| state.room = Some(wake)).await;
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

/// Delivers the batch while the source is not closed: each event to the stream consumer
/// when one is attached (looked up before every event, since a listener may attach one),
/// else as a DOM `MessageEvent`. A `retry:` in the batch applies first (as if its line
/// were parsed before the events' dispatch tasks ran). Returns `None` when the source
/// was closed (by a listener or before), else how many events went to the consumer.
fn deliver(inner: &Rc<RefCell<Inner>>, batch: &mut Batch, origin: &JsValue) -> Option<usize> {
    if let Some(millis) = batch.take_retry() {
        inner.borrow_mut().connection.on_retry_field(millis);
    }
    let mut queued = 0;
    if !batch.is_empty() {
        let (shell, route) = {
            let state = inner.borrow();
            if state.is_closed() {
                return None;
            }
            (state.shell.clone()?, state.route.clone())
        };
        queued =
            sys::deliver_batch(&shell, &route, batch.text(), batch.meta(), origin).unwrap_or(0);
        batch.clear();
    }
    (!inner.borrow().is_closed()).then_some(queued as usize)
}

/// Swallows a promise's rejection (e.g. `reader.cancel()` on an errored stream) so it is
/// not reported as unhandled.
fn ignore_rejection(promise: Promise) {
    spawn_local(async move {
        let _ = JsFuture::from(promise).await;
    });
}
