//! The source's task: fetch → read → parse → deliver, and the waits between attempts.
//!
//! The pure [`Connection`](crate::connection::Connection) decides every transition and
//! the pure [`Parser`](crate::parser::Parser) turns bytes into events; this performs
//! what they decide. State is reached only through [`Source::with`] and the source's
//! slots (see [`super::state`]), so any call into JS here — a listener, a caller's
//! function, a wrapped global — may re-enter the source, even close it: after each such
//! call the task looks at the ready state again before going on.
//!
//! Every wait (a timer, the `online` event, room in a consumer's queue, a caller's
//! promise, the network) is woken by `close()`, so a closed source's task always ends
//! and lets go of everything.
//!
//! Events go to the DOM (`MessageEvent`s dispatched on the JS object) or, once a
//! `stream()` / `for await` consumer is attached, to that consumer's queue only. The
//! queue is bounded: while it is full (`desiredSize <= 0`) the task stops calling
//! `reader.read()`, so the response body is left unread and TCP pushes back on the
//! server.

use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Response};

use super::options::{Options, PerAttempt};
use super::state::{global, Sleep, Source};
use super::sys;
use crate::batch::Batch;
use crate::connection::{
    url, CloseReason, ErrorInfo, NetworkFailure, Phase, ReadyState, ResponseVerdict, StreamVerdict,
};

/// While a stream consumer is attached, a chunk is parsed this many bytes at a time and
/// the queue is checked in between, so it overshoots `highWaterMark` by at most the
/// events that this many bytes complete.
const CONSUMER_SLICE: usize = 1024;

/// At most this many bytes of a chunk are copied into wasm memory and parsed at once,
/// so a huge chunk (a caller's stream can hand over any size) never needs a copy of its
/// own size, and the events it completes are delivered in bounded batches.
const FEED_SLICE: usize = 64 * 1024;

/// How long the `no-cors` reachability probe after a rejected cross-origin fetch may
/// take before it counts as unanswered (a network error).
const PROBE_TIMEOUT_MS: f64 = 10_000.0;

/// The longest delay `setTimeout` honours (a longer one fires at once).
const MAX_TIMER_MS: u64 = i32::MAX as u64;

/// What one attempt ended with.
enum Next {
    /// Wait this long, then connect again.
    Reconnect(u64),
    /// The source is closed (by the caller or by a failure).
    Stop,
}

/// The source's task: attempts, with waits in between, until closed; then it releases
/// everything (a failure has already settled the consumer).
pub async fn run(source: Rc<Source>) {
    let from_stream = source.with(|core| core.from_stream);
    loop {
        let next = if from_stream {
            read_stream(&source).await
        } else {
            attempt(&source).await
        };
        match next {
            Next::Stop => break,
            Next::Reconnect(delay) => {
                if !wait_to_reconnect(&source, delay).await {
                    break;
                }
            }
        }
    }
    finish(&source);
}

/// After the last attempt: the core keeps only what the getters read, and every handle
/// is released.
pub fn finish(source: &Source) {
    if !source.final_id.is_set() {
        let id = source.with(|core| core.release_buffers());
        source.final_id.put(id.into());
    }
    source.take_all().run();
}

/// `close()`: CLOSED, then every resource released.
pub fn close(source: &Source) {
    source.with(|core| core.connection.close());
    if let Some(route) = source.route.get() {
        // Seen by a batch being delivered when a listener closed the source.
        sys::mark_closed(&route);
    }
    finish(source);
}

/// A promise the task can await and the function that resolves it.
fn waiter() -> Option<(Promise, Function)> {
    let mut wake = None;
    let promise = Promise::new(&mut |resolve, _reject| wake = Some(resolve));
    wake.map(|wake| (promise, wake))
}

/// Waits `delay` ms, or, with `waitForOnline` while the global scope is offline, for
/// its `online` event (then reconnects at once). False when the source got closed.
async fn wait_to_reconnect(source: &Source, delay: u64) -> bool {
    let network_aware = source.with(|core| core.wait_for_online);
    if !(network_aware && sys::is_offline()) {
        sleep(source, delay).await;
    }
    if network_aware && !source.is_closed() {
        let online_now = !sys::is_offline();
        if source.with(move |core| core.connection.should_wait_for_online(online_now)) {
            online(source).await;
        }
    }
    source.with(|core| core.connection.ready_state() == ReadyState::Connecting)
}

/// Sleeps `millis`, or until `close()` wakes the task.
async fn sleep(source: &Source, millis: u64) {
    let Some((promise, wake)) = waiter() else {
        return;
    };
    let handle = sys::set_timeout(&wake, millis.min(MAX_TIMER_MS) as f64);
    source.sleep.put(Sleep { handle, wake });
    // `setTimeout` may be a page's wrapper that closed the source.
    if !source.is_closed() {
        let _ = JsFuture::from(promise).await;
    }
    if let Some(sleep) = source.sleep.take() {
        sys::clear_timeout(&sleep.handle);
    }
}

/// Waits for the global `online` event, or until `close()` wakes the task.
async fn online(source: &Source) {
    let Some((promise, wake)) = waiter() else {
        return;
    };
    let _ = global().add_event_listener_with_callback("online", &wake);
    source.online.put(wake);
    if !source.is_closed() {
        let _ = JsFuture::from(promise).await;
    }
    if let Some(listener) = source.online.take() {
        let _ = global().remove_event_listener_with_callback("online", &listener);
    }
}

/// Waits until the consumer's `pull()` or `close()` wakes the task.
async fn room(source: &Source) {
    let Some((promise, wake)) = waiter() else {
        return;
    };
    source.room.put(wake);
    if !source.is_closed() {
        let _ = JsFuture::from(promise).await;
    }
    source.room.take();
}

/// Awaits `value` (a promise or not), giving up when the source closes. The promise it
/// is raced against is made for this one wait, so nothing accumulates on a long-lived
/// promise from attempt to attempt.
async fn settle(source: &Source, value: &JsValue) -> Result<JsValue, JsValue> {
    let Some((give_up, wake)) = waiter() else {
        return Err(JsValue::UNDEFINED);
    };
    source.give_up.put(wake);
    // `Promise.resolve` reads a thenable's `then`: caller code, which may close.
    let race = Promise::race(&js_sys::Array::of2(&Promise::resolve(value), &give_up));
    let result = if source.is_closed() {
        Err(JsValue::UNDEFINED)
    } else {
        JsFuture::from(race).await
    };
    source.give_up.take();
    result
}

/// Calls a caller's function, then awaits what it returned (giving up on close).
pub(super) async fn call_user(
    source: &Source,
    function: &Function,
    arg: &JsValue,
) -> Result<JsValue, JsValue> {
    let value = function.call1(&JsValue::UNDEFINED, arg)?;
    settle(source, &value).await
}

/// What a per-attempt member gives for this attempt; `Err` when its function threw or
/// rejected (a failed connection attempt).
async fn member_value(source: &Source, member: &PerAttempt) -> Result<Option<JsValue>, ()> {
    match member {
        PerAttempt::None => Ok(None),
        PerAttempt::Fixed(value) => Ok(Some(value.clone())),
        PerAttempt::Function(function) => call_user(source, function, &JsValue::UNDEFINED)
            .await
            .map(Some)
            .map_err(drop),
    }
}

/// One fetch attempt: request, response checks, then the body until it ends.
async fn attempt(source: &Source) -> Next {
    let Some(options) = source.options.get() else {
        return Next::Stop;
    };
    let seeded = options.last_event_id.is_some();
    // A caller's `fetch` may serve any scheme; the platform's fetches only some.
    let any_scheme = options.fetch.is_some();
    let param = options.last_event_id_param.as_deref();
    // [h-comment] `url` option: this attempt's URL from the caller's function.
    let computed = match &options.url {
        Some(function) => Some(super::attempt_url::attempt_url(source, function).await),
        None => None,
    };
    let href = computed.as_ref().and_then(|c| c.as_ref().ok()).cloned();
    let now = sys::now();
    let started = source.with(move |core| {
        let started = if core.connection.attempt() == 0 {
            core.connection.start(now)
        } else {
            core.connection.reconnect(now)
        };
        let send_id = core.connection.is_reconnection() || seeded;
        let id = send_id.then(|| core.parser.last_event_id());
        let url = href.as_ref().unwrap_or(&core.fetch_url);
        let fetchable = any_scheme || url::is_fetchable(url);
        // `lastEventIdParam`: a non-empty cursor goes in the query, not in the header.
        let request = match (param, id) {
            (Some(name), Some(id)) if !id.is_empty() => {
                (url::with_query_param(url, name, id), None)
            }
            (_, id) => (url.clone(), id.map(str::to_owned)),
        };
        started.then_some((request, fetchable))
    });
    let Some(((url, last_event_id), fetchable)) = started else {
        return Next::Stop;
    };
    if let Some(Err(failure)) = computed {
        return connect_failed(source, failure);
    }
    if !fetchable {
        return network_failure(source, NetworkFailure::Scheme, Phase::Connect);
    }
    // The headers and body functions run before every attempt (fresh tokens, a fresh
    // stream); one that throws counts as a failed connection.
    let headers = member_value(source, &options.headers).await;
    if source.is_closed() {
        return Next::Stop;
    }
    let Ok(headers) = headers else {
        return connect_failed(source, NetworkFailure::Network);
    };
    let body = member_value(source, &options.body).await;
    if source.is_closed() {
        return Next::Stop;
    }
    let Ok(body) = body else {
        return connect_failed(source, NetworkFailure::Network);
    };
    let abort = AbortController::new().ok();
    let request = options.build_request(
        &url,
        last_event_id.as_deref(),
        abort.as_ref().map(AbortController::signal),
        headers,
        body,
    );
    if source.is_closed() {
        return Next::Stop;
    }
    if let (Some(abort), Some(_)) = (&abort, options.inactivity_timeout_ms) {
        if let Some(bound) = Reflect::get(abort, &JsValue::from_str("abort"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
        {
            source.on_timeout.put(bound.bind0(abort));
        }
    }
    if let Some(abort) = abort {
        source.abort.put(abort);
    }
    let Ok(request) = request else {
        return connect_failed(source, NetworkFailure::Network);
    };
    rearm_timer(source);
    let response = match &options.fetch {
        Some(fetch) => call_user(source, fetch, &request).await,
        None => match sys::fetch_with_request(&request) {
            Ok(promise) => JsFuture::from(promise).await,
            Err(error) => Err(error),
        },
    };
    if source.is_closed() {
        return Next::Stop;
    }
    let response = match response {
        Ok(response) => response.dyn_into::<Response>().ok(),
        Err(error) => {
            let failure = rejection(source, &error);
            return fetch_rejected(source, &options, &url, &error, failure).await;
        }
    };
    let Some(response) = response else {
        return connect_failed(source, NetworkFailure::Network);
    };
    rearm_timer(source);

    let status = response.status();
    let headers = response.headers();
    let content_type = headers.get("content-type").ok().flatten();
    let retry_after = headers.get("retry-after").ok().flatten();
    let (now, random) = (sys::now(), sys::random());
    let verdict = source.with(move |core| {
        core.connection.on_response(
            status,
            content_type.as_deref(),
            retry_after.as_deref(),
            now,
            random,
        )
    });
    match verdict {
        ResponseVerdict::Open => {}
        ResponseVerdict::Fail { error, .. } => {
            source.take_attempt().run();
            fail(source, &error, false);
            return Next::Stop;
        }
        ResponseVerdict::Retry { delay_ms, error } => {
            source.take_attempt().run();
            return reconnect_after(source, delay_ms, &error);
        }
        ResponseVerdict::Refresh { delay_ms, error } => {
            source.take_attempt().run();
            return refresh_auth(source, &options, status, delay_ms, &error).await;
        }
        ResponseVerdict::Ignored => return Next::Stop,
    }
    follow_redirect(source, &response, &url);
    if !announce_open(source, open_details(&response)) {
        return Next::Stop;
    }
    drop(options);
    let Some(body) = response.body() else {
        return body_ended(source, true);
    };
    read_body(source, body.unchecked_into()).await
}

/// After an open: the origin events report, and where reconnections go.
///
/// [spec] Reestablishing the connection reuses the request, whose current URL is the
/// final URL of a redirect. Rule of this package on top: when the request carries
/// something of the caller's (headers, a body, a custom `fetch`, cookies with
/// `credentials: "include"`), reconnections go straight only to the origin of the URL
/// the caller named; after a redirect to another origin they go to the named URL
/// again, so the redirect and fetch's own rules for it apply each time. Firefox and
/// WebKit reconnect to the named URL after any redirect.
fn follow_redirect(source: &Source, response: &Response, url: &str) {
    let final_url = response.url();
    let final_url = if final_url.is_empty() {
        url.to_owned()
    } else {
        final_url
    };
    let origin = origin_of(&final_url);
    source.origin.put(JsValue::from_str(&origin));
    if response.redirected() {
        source.with(move |core| {
            core.fetch_url = if !core.carries_secrets || origin == core.url_origin {
                final_url
            } else {
                core.url.clone()
            };
        });
    }
}

/// The origin of `url` (`"null"` if it cannot be parsed).
pub fn origin_of(url: &str) -> String {
    web_sys::Url::new(url)
        .map(|url| url.origin())
        .unwrap_or_else(|_| "null".to_owned())
}

/// What a rejection (of the fetch or of a body read) means: an `AbortError` that the
/// source's own controller did not cause (the page's `window.stop()`, a navigation) is
/// an aborted network error; anything else a network error.
fn rejection(source: &Source, error: &JsValue) -> NetworkFailure {
    if sys::is_abort_error(error) && !source.timed_out() {
        NetworkFailure::Aborted
    } else {
        NetworkFailure::Network
    }
}

/// The fetch rejected. A network error on a cross-origin URL in `cors` mode may be a
/// CORS failure, which fetch reports with the same `TypeError`: a `no-cors` probe of
/// the same URL (`sys::probe`; one extra request, only here) gets an opaque response
/// only when the server is reachable.
async fn fetch_rejected(
    source: &Source,
    options: &Options,
    url: &str,
    error: &JsValue,
    failure: NetworkFailure,
) -> Next {
    let probe = failure == NetworkFailure::Network
        && !source.timed_out()
        && options.fetch.is_none()
        && options.cors_mode
        && sys::is_type_error(error)
        && sys::global_origin().is_some_and(|origin| origin != origin_of(url));
    let Some(abort) = probe.then(AbortController::new).and_then(Result::ok) else {
        return connect_failed(source, failure);
    };
    source.take_attempt().run();
    let credentials = if options.with_credentials {
        "include"
    } else {
        "same-origin"
    };
    let probe = sys::probe(url, credentials, &abort, PROBE_TIMEOUT_MS);
    // `close()` aborts the probe.
    source.abort.put(abort);
    let answered = JsFuture::from(probe).await.ok().and_then(|v| v.as_bool());
    source.abort.take();
    if source.is_closed() {
        return Next::Stop;
    }
    let failure = match answered {
        Some(true) => NetworkFailure::Cors,
        _ => NetworkFailure::Network,
    };
    network_failure(source, failure, Phase::Connect)
}

/// The fetch rejected (for `failure`), did not give a `Response`, or the request could
/// not be built (the inactivity timer's abort counts as a timeout).
fn connect_failed(source: &Source, failure: NetworkFailure) -> Next {
    if source.timed_out() {
        source.take_attempt().run();
        let (now, random) = (sys::now(), sys::random());
        let verdict = source.with(move |core| core.connection.on_inactivity_timeout(now, random));
        return stream_ended(source, verdict);
    }
    network_failure(source, failure, Phase::Connect)
}

/// Releases the attempt and lets the connection decide what `failure` leads to.
fn network_failure(source: &Source, failure: NetworkFailure, phase: Phase) -> Next {
    source.take_attempt().run();
    let (now, random) = (sys::now(), sys::random());
    let verdict = source.with(move |core| {
        core.connection
            .on_network_failure(failure, phase, now, random)
    });
    stream_ended(source, verdict)
}

/// 401/403 with `onAuthError`: fire `error`, wait the auth-refresh backoff (0 for the
/// first refresh in a row), await the hook, then reconnect at once (keeping
/// `Last-Event-ID`); a hook that throws or rejects fails the source.
async fn refresh_auth(
    source: &Source,
    options: &Options,
    status: u16,
    delay_ms: u64,
    error: &ErrorInfo,
) -> Next {
    if let Next::Stop = reconnect_after(source, delay_ms, error) {
        return Next::Stop;
    }
    sleep(source, delay_ms).await;
    if source.is_closed() {
        return Next::Stop;
    }
    let outcome = match &options.on_auth_error {
        Some(hook) => {
            let info = Object::new();
            let _ = Reflect::set(&info, &JsValue::from_str("status"), &JsValue::from(status));
            call_user(source, hook, &info).await
        }
        None => Err(JsValue::UNDEFINED),
    };
    if source.is_closed() {
        return Next::Stop;
    }
    if outcome.is_ok() {
        return Next::Reconnect(0);
    }
    if let Some(error) = source.with(|core| core.connection.fail_auth()) {
        fail(source, &error, false);
    }
    Next::Stop
}

/// `fromReadableStream`: announce, then read the caller's stream once.
async fn read_stream(source: &Source) -> Next {
    let Some(stream) = source.stream.take() else {
        return Next::Stop;
    };
    let now = sys::now();
    let opened =
        source.with(move |core| core.connection.start(now) && core.connection.on_stream_open(now));
    if !opened || !announce_open(source, None) {
        return Next::Stop;
    }
    read_body(source, stream).await
}

/// Sets OPEN (already done by the connection) and fires `open`; false when a listener
/// closed the source.
fn announce_open(source: &Source, details: Option<Object>) -> bool {
    if let Some(shell) = source.shell.get() {
        let _ = sys::dispatch_simple(&shell, "open", details);
    }
    !source.is_closed()
}

/// Restarts the inactivity timer (no-op without `inactivityTimeout` or after close).
fn rearm_timer(source: &Source) {
    let Some(on_timeout) = source.on_timeout.get() else {
        return;
    };
    let Some(ms) = source.with(|core| core.inactivity_ms) else {
        return;
    };
    if let Some(old) = source.timer.take() {
        sys::clear_timeout(&old);
    }
    let handle = sys::set_timeout(&on_timeout, ms.min(MAX_TIMER_MS) as f64);
    // A wrapped `setTimeout` may have closed the source or ended the attempt.
    if source.is_closed() || !source.on_timeout.is_set() {
        sys::clear_timeout(&handle);
    } else if let Some(other) = source.timer.put(handle) {
        sys::clear_timeout(&other);
    }
}

/// Stops the inactivity timer while the task waits on the consumer, not the network.
fn pause_timer(source: &Source) {
    if let Some(handle) = source.timer.take() {
        sys::clear_timeout(&handle);
    }
}

/// Backpressure: while a consumer is attached and its queue is full, waits for its
/// `pull()` (the inactivity timer is paused meanwhile). False when the source closed.
async fn wait_for_room(source: &Source) -> bool {
    let mut paused = false;
    let open = loop {
        if source.is_closed() {
            break false;
        }
        let Some(consumer) = source.consumer.get() else {
            break true;
        };
        if sys::desired_size(&consumer) > 0.0 {
            break true;
        }
        if !paused {
            paused = true;
            pause_timer(source);
        }
        room(source).await;
    };
    if paused && open {
        rearm_timer(source);
    }
    open
}

/// Reads the body to its end, feeding the parser and delivering what it completes.
async fn read_body(source: &Source, stream: sys::Stream) -> Next {
    let reader = match stream.get_reader() {
        Ok(reader) => reader,
        Err(_) => return body_ended(source, false),
    };
    source.reader.put(reader.clone());
    let origin = source
        .origin
        .get()
        .unwrap_or_else(|| JsValue::from_str("null"));
    let mut batch = Batch::default();
    let mut slice = Vec::new();
    loop {
        if !wait_for_room(source).await {
            return Next::Stop;
        }
        let result = match reader.read() {
            Ok(promise) => JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
        if source.is_closed() {
            return Next::Stop;
        }
        let result: sys::ReadResult = match result {
            Ok(result) => result.unchecked_into(),
            Err(error) => match rejection(source, &error) {
                NetworkFailure::Network => return body_ended(source, false),
                failure => {
                    source.with(|core| core.parser.finish());
                    return network_failure(source, failure, Phase::Body);
                }
            },
        };
        if result.done() {
            return body_ended(source, true);
        }
        let Some(chunk) = result.value().dyn_ref::<Uint8Array>().cloned() else {
            // A stream of something other than bytes: treat it as a broken body.
            return body_ended(source, false);
        };
        rearm_timer(source);
        let total = chunk.length() as usize;
        let mut offset = 0;
        while offset < total {
            let step = if source.consumer.is_set() {
                CONSUMER_SLICE
            } else {
                FEED_SLICE
            };
            let end = total.min(offset.saturating_add(step));
            slice.resize(end - offset, 0);
            if offset == 0 && end == total {
                chunk.copy_to(&mut slice);
            } else {
                chunk
                    .subarray(offset as u32, end as u32)
                    .copy_to(&mut slice);
            }
            offset = end;
            let (input, sink) = (&slice, &mut batch);
            let fed = source.with(move |core| core.parser.feed(input, sink));
            let Some(queued) = deliver(source, &mut batch, &origin) else {
                return Next::Stop;
            };
            if fed.is_err() {
                source.take_attempt().run();
                if let Some(error) = source.with(|core| core.connection.on_parse_limit()) {
                    fail(source, &error, false);
                }
                return Next::Stop;
            }
            if queued > 0 && offset < total && !wait_for_room(source).await {
                return Next::Stop;
            }
        }
        // A huge chunk's copy is not kept for the next, small ones.
        slice.truncate(0);
        slice.shrink_to(FEED_SLICE);
    }
}

/// The body ended (cleanly or not; an error after the inactivity timer's abort is a
/// timeout): let the connection decide what follows.
fn body_ended(source: &Source, clean: bool) -> Next {
    let timed_out = !clean && source.timed_out();
    source.take_attempt().without_fetch().run();
    let (now, random) = (sys::now(), sys::random());
    let verdict = source.with(move |core| {
        core.parser.finish();
        if timed_out {
            core.connection.on_inactivity_timeout(now, random)
        } else {
            core.connection.on_stream_end(clean, now, random)
        }
    });
    stream_ended(source, verdict)
}

fn stream_ended(source: &Source, verdict: StreamVerdict) -> Next {
    match verdict {
        StreamVerdict::Reconnect { delay_ms, error } => reconnect_after(source, delay_ms, &error),
        StreamVerdict::Close { error, reason } => {
            fail(source, &error, reason == CloseReason::Finished);
            Next::Stop
        }
        StreamVerdict::Ignored => Next::Stop,
    }
}

/// Fires `error` (readyState CONNECTING), then waits unless a listener closed the source.
fn reconnect_after(source: &Source, delay_ms: u64, error: &ErrorInfo) -> Next {
    if let Some(shell) = source.shell.get() {
        let _ = sys::dispatch_simple(&shell, "error", Some(error_details(error)));
    }
    if source.with(|core| core.connection.ready_state() == ReadyState::Connecting) {
        Next::Reconnect(delay_ms)
    } else {
        Next::Stop
    }
}

/// Fires the final `error` (readyState already CLOSED) and lets go of the JS object.
/// Unless the stream merely `finished` (finite mode, `fromReadableStream`), a consumer
/// is ended with an `Error` carrying the same details, which it raises after the events
/// already queued (the consumer's side keeps that order: nothing waits for it here).
fn fail(source: &Source, error: &ErrorInfo, finished: bool) {
    let details = error_details(error);
    let failure = (!finished).then(|| sys::failure(&details));
    if let Some(shell) = source.shell.take() {
        let _ = sys::dispatch_simple(&shell, "error", Some(details));
    }
    if let Some(failure) = failure {
        if let Some(consumer) = source.consumer.take() {
            sys::end_stream(&consumer, Some(&failure));
        }
        source.failure.put(failure);
    }
}

/// The non-standard description carried by `error` events: `phase`, `status`,
/// `willRetry`, `attempt`, `delay`.
fn error_details(error: &ErrorInfo) -> Object {
    let details = Object::new();
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
fn open_details(response: &Response) -> Option<Object> {
    let details = Object::new();
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
fn deliver(source: &Source, batch: &mut Batch, origin: &JsValue) -> Option<usize> {
    if let Some(millis) = batch.take_retry() {
        source.with(move |core| core.connection.on_retry_field(millis));
    }
    let mut queued = 0;
    if !batch.is_empty() {
        if source.is_closed() {
            return None;
        }
        let (shell, route) = (source.shell.get()?, source.route.get()?);
        let events = batch.len();
        queued =
            sys::deliver_batch(&shell, &route, batch.text(), batch.meta(), origin).unwrap_or(0);
        batch.clear();
        // A delivered event (not a comment) makes the connection healthy (it resets
        // the backoff).
        if events > 0 {
            source.with(|core| core.connection.on_event());
        }
    }
    (!source.is_closed()).then_some(queued as usize)
}
