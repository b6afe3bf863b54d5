//! The attempt loop: performs the [`Machine`]'s actions (fetch, read, wait) and reports
//! what happened back to it. No decision is made here: every transition, delay and
//! failure comes from the machine.
//!
//! Every resource an attempt opens is held by a guard local to [`attempt`] (the
//! `AbortController`, the inactivity timer) or to [`run`] (a reconnection's timer), so
//! when the loop's future is dropped — the stream dropped, closed or aborted — the
//! fetch and its body are aborted and the timers cleared.

use core::cell::RefCell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, ReadableStreamReadResult, Request, RequestCache, RequestInit,
    RequestMode, Response,
};

use super::js::{self, AttemptGuard, BodyGuard, Either, Wait};
use super::{Credentials, Error, Event, HeaderList, Item, Reconnecting};
use crate::connection::machine::{self, Action, Input, Machine, ResponseHead};
use crate::connection::{ErrorInfo, NetworkFailure, Phase, ReadyState};
use crate::parser::Sink;

/// At most this many bytes of a chunk are copied into wasm memory and parsed at once,
/// so the events one step queues stay bounded whatever the chunk size.
const FEED_SLICE: u32 = 64 * 1024;

/// The future an async headers function returns (`None`: it failed).
pub type HeadersLater = Pin<Box<dyn Future<Output = Option<HeaderList>>>>;

/// A function called before every attempt for headers.
pub enum PerAttempt {
    /// Returns the headers at once.
    Now(Box<dyn FnMut() -> HeaderList>),
    /// Returns a future of them (`None`: the function failed; a failed attempt).
    Later(Box<dyn FnMut() -> HeadersLater>),
}

/// How requests are made (everything of the builder but the machine's part).
pub struct RequestOptions {
    /// The method.
    pub method: String,
    /// Headers sent with every attempt.
    pub headers: HeaderList,
    /// Headers computed before every attempt.
    pub per_attempt: Option<PerAttempt>,
    /// A body replayed with every attempt.
    pub body: Option<Vec<u8>>,
    /// The credentials mode.
    pub credentials: Credentials,
    /// The inactivity timeout.
    pub inactivity_timeout_ms: Option<u64>,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions {
            method: "GET".to_owned(),
            headers: Vec::new(),
            per_attempt: None,
            body: None,
            credentials: Credentials::SameOrigin,
            inactivity_timeout_ms: None,
        }
    }
}

impl RequestOptions {
    /// The fetch `Request` for `request` (`Err` when a header or the method is invalid:
    /// a failed attempt, as in the JS class).
    fn build(
        &self,
        request: &machine::Request,
        extra: HeaderList,
        controller: &AbortController,
    ) -> Result<Request, wasm_bindgen::JsValue> {
        let headers = Headers::new()?;
        // [spec] "Set request's header list to (`Accept`, `text/event-stream`)."
        headers.set("Accept", "text/event-stream")?;
        for (name, value) in &self.headers {
            headers.append(name, value)?;
        }
        for (name, value) in extra {
            headers.append(&name, &value)?;
        }
        // [spec] "If the event source's last event ID string is not the empty string,
        // set (`Last-Event-ID`, last event ID string, encoded as UTF-8)" (the machine
        // gives the value in byte-string form).
        if let Some(id) = &request.last_event_id {
            headers.set("Last-Event-ID", id)?;
        }
        let init = RequestInit::new();
        init.set_method(&self.method);
        init.set_headers(&headers);
        // [spec] "Set request's cache mode to "no-store"", mode "cors".
        init.set_cache(RequestCache::NoStore);
        init.set_mode(RequestMode::Cors);
        init.set_credentials(self.credentials.as_request_credentials());
        init.set_signal(Some(&controller.signal()));
        if let Some(body) = &self.body {
            init.set_body(&Uint8Array::from(body.as_slice()));
        }
        Request::new_with_str_and_init(&request.url, &init)
    }

    /// This attempt's headers from the per-attempt function (awaited when it is
    /// async); `None` when it failed.
    async fn per_attempt_headers(&mut self) -> Option<HeaderList> {
        match self.per_attempt.as_mut() {
            None => Some(Vec::new()),
            Some(PerAttempt::Now(headers)) => Some(headers()),
            Some(PerAttempt::Later(headers)) => headers().await,
        }
    }

    fn timer(&self) -> Option<Wait> {
        self.inactivity_timeout_ms.map(js::sleep)
    }
}

/// What the stream and its loop share: the machine and the items not yet taken.
pub struct Shared {
    machine: RefCell<Machine>,
    queue: RefCell<VecDeque<Result<Item, Error>>>,
}

/// Queues the parser's events as items.
struct Queue<'a>(&'a mut VecDeque<Result<Item, Error>>);

impl Sink for Queue<'_> {
    fn on_event(&mut self, event: crate::parser::Event<'_>) {
        self.0.push_back(Ok(Item::Event(Event {
            event_type: event.event_type.to_owned(),
            data: event.data.to_owned(),
            id: event.last_event_id.to_owned(),
        })));
    }

    /// Only called when the machine's parser reports comments ([`super::Builder::comments`]).
    fn on_comment(&mut self, text: &str) {
        self.0.push_back(Ok(Item::Comment(text.to_owned())));
    }
}

impl Shared {
    /// A new pair around `machine`.
    pub fn new(machine: Machine) -> Self {
        Shared {
            machine: RefCell::new(machine),
            queue: RefCell::new(VecDeque::new()),
        }
    }

    /// Reports `input` to the machine now; events go to the queue.
    fn step(&self, input: Input<'_>) -> Action {
        let mut queue = self.queue.borrow_mut();
        self.machine
            .borrow_mut()
            .handle(input, js::now(), js::random(), &mut Queue(&mut queue))
    }

    fn push(&self, item: Result<Item, Error>) {
        self.queue.borrow_mut().push_back(item);
    }

    /// The next item for the consumer.
    pub fn pop(&self) -> Option<Result<Item, Error>> {
        self.queue.borrow_mut().pop_front()
    }

    /// Whether no item waits.
    pub fn is_empty(&self) -> bool {
        self.queue.borrow().is_empty()
    }

    /// The machine's ready state.
    pub fn ready_state(&self) -> ReadyState {
        self.machine.borrow().ready_state()
    }

    /// Whether the source waits for `online` while the platform says it is offline.
    fn waits_for_online(&self) -> bool {
        self.machine.borrow().config().wait_for_online
    }

    /// The machine's last event ID.
    pub fn last_event_id(&self) -> String {
        self.machine.borrow().last_event_id().to_owned()
    }

    /// Tells the machine the source is closed and drops what was not taken.
    pub fn close(&self) {
        self.step(Input::Close);
        self.queue.borrow_mut().clear();
    }

    /// Ready once the consumer took every queued item. It registers no waker: the
    /// stream polls the loop only when the queue is empty.
    fn drained(&self) -> impl Future<Output = ()> + '_ {
        core::future::poll_fn(move |_cx: &mut Context<'_>| {
            if self.is_empty() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

/// The error a failed source yields.
fn error_of(info: &ErrorInfo, last: Last) -> Error {
    match info.phase {
        Phase::Response | Phase::Auth => info.status.map_or(Error::Network, Error::Status),
        Phase::ContentType => Error::ContentType(last.content_type),
        Phase::ParseLimit => Error::ParseLimit,
        Phase::Timeout => Error::Timeout,
        Phase::Connect if last.cors => Error::Cors,
        Phase::Connect | Phase::Body => Error::Network,
    }
}

/// What the last attempt found that the machine's error does not say.
#[derive(Default)]
struct Last {
    /// The response's `Content-Type` (for [`Error::ContentType`]).
    content_type: Option<String>,
    /// The fetch failed its CORS check (for [`Error::Cors`]).
    cors: bool,
}

fn reconnecting(info: &ErrorInfo, delay_ms: u64) -> Item {
    Item::Reconnecting(Reconnecting {
        delay: Duration::from_millis(delay_ms),
        attempt: info.attempt,
        status: info.status,
    })
}

/// The loop: start, then perform each action until the machine stops.
pub async fn run(shared: Rc<Shared>, mut options: RequestOptions) {
    let mut last = Last::default();
    let network_aware = shared.waits_for_online();
    let mut action = shared.step(Input::Go { offline: false });
    loop {
        action = match action {
            Action::Fetch(request) => attempt(&shared, &mut options, &request, &mut last).await,
            Action::Reconnect { error, delay_ms } => {
                shared.push(Ok(reconnecting(&error, delay_ms)));
                // `wait_for_online`: offline, the wait is for `online` (the machine's
                // answer to `Go`), not for the timer.
                if !(network_aware && js::is_offline()) {
                    js::sleep(delay_ms).await;
                }
                let offline = network_aware && js::is_offline();
                shared.step(Input::Go { offline })
            }
            Action::RefreshAuth {
                error, delay_ms, ..
            } => {
                // The refresh is the next attempt's call of the headers function.
                shared.push(Ok(reconnecting(&error, delay_ms)));
                js::sleep(delay_ms).await;
                shared.step(Input::AuthRefreshed { ok: true })
            }
            Action::WaitForOnline => {
                js::online().await;
                shared.step(Input::Go { offline: false })
            }
            Action::Fail { error, finished } => {
                if !finished {
                    shared.push(Err(error_of(&error, last)));
                }
                return;
            }
            // `Open`/`Read` are answered inside `attempt`; out of turn they mean stop.
            Action::Stop | Action::Open | Action::Read => return,
        };
    }
}

/// Awaits `future`, or the inactivity `timer` when armed (`None`: it fired).
async fn within<F: Future>(future: F, timer: &mut Option<Wait>) -> Option<F::Output> {
    match timer {
        None => Some(future.await),
        Some(timer) => match js::race(future, timer).await {
            Either::Left(output) => Some(output),
            Either::Right(()) => None,
        },
    }
}

/// The fetch rejected. [spec] A response that fails fetch's CORS check is a network error
/// to the page, as a refused connection is, but the EventSource fails for good on the one
/// and reestablishes the connection on the other. A `no-cors` probe of the same URL (one
/// request, only here, never read) gets an opaque response only when the server
/// answered: a rejected cross-origin fetch whose probe is answered was a CORS failure.
async fn rejected(
    shared: &Shared,
    options: &RequestOptions,
    request: &machine::Request,
    error: &wasm_bindgen::JsValue,
    last: &mut Last,
) -> Action {
    let cross_origin =
        js::global_origin().is_some_and(|origin| origin != js::origin_of(&request.url));
    if cross_origin
        && error.is_instance_of::<js_sys::TypeError>()
        && js::probe(&request.url, options.credentials.as_request_credentials()).await
    {
        last.cors = true;
        return shared.step(Input::Failure(NetworkFailure::Cors));
    }
    shared.step(Input::Failure(NetworkFailure::Network))
}

/// One attempt: fetch, then read the body until the machine answers something other
/// than [`Action::Read`]. The guard aborts the fetch and its body on return or drop.
async fn attempt(
    shared: &Shared,
    options: &mut RequestOptions,
    request: &machine::Request,
    last: &mut Last,
) -> Action {
    *last = Last::default();
    let network = Input::Failure(NetworkFailure::Network);
    // The headers function runs before every attempt (fresh tokens); one that fails
    // counts as a failed connection, as in the JS class.
    let Some(extra) = options.per_attempt_headers().await else {
        return shared.step(network);
    };
    let Ok(controller) = AbortController::new() else {
        return shared.step(network);
    };
    let guard = AttemptGuard(controller);
    let Ok(fetch) = options
        .build(request, extra, &guard.0)
        .and_then(|request| js::fetch(&request))
    else {
        return shared.step(network);
    };
    let mut timer = options.timer();
    let response = match within(JsFuture::from(fetch), &mut timer).await {
        None => return shared.step(Input::InactivityTimeout),
        Some(Err(error)) => {
            drop((guard, timer));
            return rejected(shared, options, request, &error, last).await;
        }
        Some(Ok(response)) => response,
    };
    let Ok(response) = response.dyn_into::<Response>() else {
        return shared.step(network);
    };
    let headers = response.headers();
    last.content_type = headers.get("content-type").ok().flatten();
    let retry_after = headers.get("retry-after").ok().flatten();
    let final_url = response.url();
    let final_origin = js::origin_of(&final_url);
    let action = shared.step(Input::Response(ResponseHead {
        status: response.status(),
        content_type: last.content_type.as_deref(),
        retry_after: retry_after.as_deref(),
        final_url: &final_url,
        final_origin: &final_origin,
        redirected: response.redirected(),
    }));
    if action != Action::Open {
        return action;
    }
    shared.push(Ok(Item::Open));
    let Some(body) = response.body() else {
        return shared.step(Input::End { clean: true });
    };
    // Declared after the attempt's guard, so dropped before it: the body is cancelled,
    // then the fetch aborted.
    let reader = BodyGuard(body.get_reader().unchecked_into());
    let mut buffer = Vec::new();
    loop {
        // Read on only once the consumer took what the last chunk gave (backpressure);
        // the inactivity timer runs while waiting for the network, not for the consumer.
        shared.drained().await;
        let mut timer = options.timer();
        let result = match within(JsFuture::from(reader.0.read()), &mut timer).await {
            None => return shared.step(Input::InactivityTimeout),
            Some(Err(_)) => return shared.step(network),
            Some(Ok(result)) => result.unchecked_into::<ReadableStreamReadResult>(),
        };
        if result.get_done().unwrap_or(true) {
            return shared.step(Input::End { clean: true });
        }
        let chunk: Uint8Array = result.get_value().unchecked_into();
        let (length, mut offset) = (chunk.length(), 0);
        while offset < length {
            let end = length.min(offset.saturating_add(FEED_SLICE));
            buffer.resize((end - offset) as usize, 0);
            chunk.subarray(offset, end).copy_to(&mut buffer);
            offset = end;
            let action = shared.step(Input::Chunk(&buffer));
            if action != Action::Read {
                return action;
            }
            if offset < length {
                shared.drained().await;
            }
        }
    }
}
