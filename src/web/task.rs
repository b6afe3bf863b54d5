//! The source's task: one loop that performs the [`Machine`]'s actions (fetch → read →
//! parse → deliver, and the waits between attempts) and reports what happened.
//!
//! The pure [`Machine`] decides every transition and parses the bytes; this only
//! performs. State is reached only through [`Source::with`] and the source's
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

use js_sys::{Function, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Response};

use super::options::{Options, PerAttempt};
use super::state::{Sleep, Source};
use super::sys;
use crate::batch::Batch;
use crate::connection::machine::{Action, Input, Request, ResponseHead};
use crate::connection::{ErrorInfo, NetworkFailure, ReadyState};

/// While a stream consumer is attached, a chunk is parsed this many bytes at a time and
/// the queue is checked in between. A step that completes no event (the middle of a
/// long event) doubles the next one, up to [`FEED_SLICE`], so that a long event is not
/// parsed in hundreds of small calls; a step that completes one sets the next back to
/// this size. So the queue overshoots `highWaterMark` by at most the events one step
/// completes: those of this many bytes, or, right after a stretch that completed none,
/// those of at most that stretch's length again (never more than `FEED_SLICE`).
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

/// Reports `input` to the machine (with the time and a random number for jitter) and
/// returns what to do next.
fn step(source: &Source, input: Input<'_>) -> Action {
    let (now, random) = (sys::now(), sys::random());
    // Only a chunk completes events; the sink's type is the chunks' (one copy of
    // the machine in the wasm).
    source.with(move |core| core.machine.handle(input, now, random, &mut Batch::new()))
}

/// The source's task: performs the machine's actions until it says stop, then releases
/// everything (a failure has already settled the consumer).
pub async fn run(source: Rc<Source>) {
    let source = &*source;
    let (from_stream, network_aware) =
        source.with(|core| (core.from_stream, core.machine.config().wait_for_online));
    let mut action = if from_stream {
        let now = sys::now();
        source.with(move |core| core.machine.open_stream(now))
    } else {
        step(source, Input::Go { offline: false })
    };
    loop {
        action = match action {
            Action::Fetch(request) => attempt(source, request).await,
            Action::Open => match source.stream.take() {
                Some(stream) if announce_open(source, None) => read_body(source, stream).await,
                _ => break,
            },
            Action::Reconnect { error, delay_ms } => {
                if !announce_error(source, &error) {
                    break;
                }
                // `waitForOnline`: offline, the wait is for `online` (the machine's
                // answer to `Go`), not for the timer.
                if !(network_aware && sys::is_offline()) {
                    sleep(source, delay_ms).await;
                }
                if source.is_closed() {
                    break;
                }
                let offline = network_aware && sys::is_offline();
                step(source, Input::Go { offline })
            }
            Action::WaitForOnline => {
                online(source).await;
                if source.is_closed() {
                    break;
                }
                step(source, Input::Go { offline: false })
            }
            Action::RefreshAuth {
                error,
                delay_ms,
                status,
            } => {
                if !announce_error(source, &error) {
                    break;
                }
                let ok = refresh_auth(source, status, delay_ms).await;
                if source.is_closed() {
                    break;
                }
                step(source, Input::AuthRefreshed { ok })
            }
            Action::Fail { error, finished } => {
                fail(source, &error, finished);
                break;
            }
            Action::Read | Action::Stop => break,
        };
    }
    finish(source);
}

/// After the last attempt: the core keeps only what the getters read, and every handle
/// is released.
pub fn finish(source: &Source) {
    if !source.final_id.is_set() {
        let id = source.with(|core| core.machine.release_buffers());
        source.final_id.put(id.into());
    }
    source.take_all().run();
}

/// `close()`: CLOSED, then every resource released.
pub fn close(source: &Source) {
    source.with(|core| core.machine.close());
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
    sys::watch_online(&wake, true);
    source.online.put(wake);
    if !source.is_closed() {
        let _ = JsFuture::from(promise).await;
    }
    if let Some(listener) = source.online.take() {
        sys::watch_online(&listener, false);
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

/// One fetch attempt: the request, the response head, then the body until it ends.
/// Returns the machine's answer to how it ended.
async fn attempt(source: &Source, request: Request) -> Action {
    let Some(options) = source.options.get() else {
        return Action::Stop;
    };
    let Request { url, last_event_id } = request;
    // The machine gives the header's byte-string form; `Headers` takes the string and
    // encodes it as UTF-8 itself.
    let last_event_id =
        last_event_id.map(|_| source.with(|core| core.machine.last_event_id().to_owned()));
    // The `url` option: this attempt's URL from the caller's function (see
    // `attempt_url`), with the machine's rules applied to it.
    let (url, last_event_id) = match &options.url {
        None => (url, last_event_id),
        Some(function) => match super::attempt_url::attempt_url(source, function).await {
            _ if source.is_closed() => return Action::Stop,
            Err(failure) => return connect_failed(source, failure),
            Ok(href) => match source.with(move |core| core.machine.retarget(href)) {
                None => return connect_failed(source, NetworkFailure::Scheme),
                Some(Request {
                    url,
                    last_event_id: header,
                }) => (
                    url,
                    header.map(|_| source.with(|core| core.machine.last_event_id().to_owned())),
                ),
            },
        },
    };
    // The headers and body functions run before every attempt (fresh tokens, a fresh
    // stream); one that throws counts as a failed connection.
    let headers = member_value(source, &options.headers).await;
    if source.is_closed() {
        return Action::Stop;
    }
    let Ok(headers) = headers else {
        return connect_failed(source, NetworkFailure::Network);
    };
    let body = member_value(source, &options.body).await;
    if source.is_closed() {
        return Action::Stop;
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
        return Action::Stop;
    }
    if let (Some(abort), Some(_)) = (&abort, options.inactivity_timeout_ms) {
        source.on_timeout.put(sys::aborter(abort));
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
        return Action::Stop;
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
    let response_headers = response.headers();
    let content_type = response_headers.get("content-type").ok().flatten();
    let retry_after = response_headers.get("retry-after").ok().flatten();
    let final_url = response.url();
    let final_url = if final_url.is_empty() { url } else { final_url };
    let final_origin = sys::origin_of(&final_url);
    let head = ResponseHead {
        status,
        content_type: content_type.as_deref(),
        retry_after: retry_after.as_deref(),
        final_url: &final_url,
        final_origin: &final_origin,
        redirected: response.redirected(),
    };
    match step(source, Input::Response(head)) {
        Action::Open => {}
        other => {
            source.take_attempt().run();
            return other;
        }
    }
    source.origin.put(JsValue::from_str(&final_origin));
    if !announce_open(source, Some(sys::open_details(&response))) {
        return Action::Stop;
    }
    drop(options);
    let Some(body) = response.body() else {
        return body_ended(source, true);
    };
    read_body(source, body.unchecked_into()).await
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
) -> Action {
    let probe = failure == NetworkFailure::Network
        && !source.timed_out()
        && options.fetch.is_none()
        && options.cors_mode
        && sys::is_type_error(error)
        && sys::global_origin().is_some_and(|origin| origin != sys::origin_of(url));
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
        return Action::Stop;
    }
    let failure = match answered {
        Some(true) => NetworkFailure::Cors,
        _ => NetworkFailure::Network,
    };
    step(source, Input::Failure(failure))
}

/// The fetch rejected (for `failure`), did not give a `Response`, or the request could
/// not be built (the inactivity timer's abort counts as a timeout).
fn connect_failed(source: &Source, failure: NetworkFailure) -> Action {
    let input = if source.timed_out() {
        Input::InactivityTimeout
    } else {
        Input::Failure(failure)
    };
    source.take_attempt().run();
    step(source, input)
}

/// 401/403 with `onAuthError`: waits the auth-refresh backoff (0 for the first refresh
/// in a row), then awaits the hook with `status`. Whether it resolved.
async fn refresh_auth(source: &Source, status: u16, delay_ms: u64) -> bool {
    sleep(source, delay_ms).await;
    if source.is_closed() {
        return false;
    }
    let Some(hook) = source.options.get().and_then(|o| o.on_auth_error.clone()) else {
        return false;
    };
    call_user(source, &hook, &sys::auth_info(status))
        .await
        .is_ok()
}

/// Fires `open` (the machine has set OPEN); false when a listener
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

/// Reads the body to its end, feeding the machine and delivering what it completes.
/// Returns the machine's answer to how the body ended.
async fn read_body(source: &Source, stream: sys::Stream) -> Action {
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
    let mut consumer_step = CONSUMER_SLICE;
    loop {
        if !wait_for_room(source).await {
            return Action::Stop;
        }
        let result = match reader.read() {
            Ok(promise) => JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
        if source.is_closed() {
            return Action::Stop;
        }
        let result: sys::ReadResult = match result {
            Ok(result) => result.unchecked_into(),
            Err(error) => match rejection(source, &error) {
                NetworkFailure::Network => return body_ended(source, false),
                failure => {
                    source.take_attempt().run();
                    return step(source, Input::Failure(failure));
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
            // One copy into wasm memory per `FEED_SLICE` (one boundary call)...
            let end = total.min(offset.saturating_add(FEED_SLICE));
            // (`slice` keeps its length from chunk to chunk, at most `FEED_SLICE`:
            // only growth is zero-filled before the copy overwrites it.)
            slice.resize(end - offset, 0);
            if offset == 0 && end == total {
                chunk.copy_to(&mut slice);
            } else {
                chunk
                    .subarray(offset as u32, end as u32)
                    .copy_to(&mut slice);
            }
            offset = end;
            // ...parsed in `CONSUMER_SLICE` steps (or longer, see there) while a
            // consumer is attached, so that its queue is checked between them.
            let mut parsed = 0;
            while parsed < slice.len() {
                let attached = source.consumer.is_set();
                let step_len = if attached { consumer_step } else { FEED_SLICE };
                let step_end = slice.len().min(parsed.saturating_add(step_len));
                let (input, sink) = (slice.get(parsed..step_end).unwrap_or_default(), &mut batch);
                parsed = step_end;
                // A chunk needs neither the time nor a random number.
                let next = source
                    .with(move |core| core.machine.handle(Input::Chunk(input), 0.0, 0.0, sink));
                let more = matches!(next, Action::Read);
                // An event too large fails the source, after the events before it: the
                // machine is CLOSED already, so they go out unless a listener closes.
                let queued = deliver(source, &mut batch, &origin, !more);
                if !more {
                    // (A listener's `close()` meanwhile took the shell: no `error` then.)
                    source.take_attempt().run();
                    return next;
                }
                let Some(queued) = queued else {
                    return Action::Stop;
                };
                consumer_step = if attached && queued == 0 {
                    consumer_step.saturating_mul(2).min(FEED_SLICE)
                } else {
                    CONSUMER_SLICE
                };
                let unparsed = parsed < slice.len() || offset < total;
                if queued > 0 && unparsed && !wait_for_room(source).await {
                    return Action::Stop;
                }
            }
        }
    }
}

/// The body ended (cleanly or not; an error after the inactivity timer's abort is a
/// timeout): the machine decides what follows.
fn body_ended(source: &Source, clean: bool) -> Action {
    let input = if !clean && source.timed_out() {
        Input::InactivityTimeout
    } else {
        Input::End { clean }
    };
    source.take_attempt().without_fetch().run();
    step(source, input)
}

/// Fires `error` (readyState CONNECTING); false when a listener closed the source.
fn announce_error(source: &Source, error: &ErrorInfo) -> bool {
    if let Some(shell) = source.shell.get() {
        let _ = sys::dispatch_simple(&shell, "error", Some(error_details(error)));
    }
    source.with(|core| core.machine.ready_state() == ReadyState::Connecting)
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
    sys::error_details(
        error.phase.as_str(),
        error.status,
        error.will_retry,
        error.attempt,
        error.delay_ms.map(|d| d as f64),
    )
}

/// Delivers the batch while the source is not closed: each event to the stream consumer
/// when one is attached (looked up before every event, since a listener may attach one),
/// else as a DOM `MessageEvent`. Returns `None` when the source was closed (by a
/// listener or before), else how many events went to the consumer. `last`: the
/// machine failed the source after these events (it is CLOSED already): they are
/// delivered until a listener calls `close()`.
fn deliver(source: &Source, batch: &mut Batch, origin: &JsValue, last: bool) -> Option<usize> {
    let mut queued = 0;
    if !batch.is_empty() {
        if source.is_closed() && !last {
            return None;
        }
        let (shell, route) = (source.shell.get()?, source.route.get()?);
        queued =
            sys::deliver_batch(&shell, &route, batch.text(), batch.meta(), origin).unwrap_or(0);
        batch.clear();
    }
    (!source.is_closed()).then_some(queued as usize)
}
