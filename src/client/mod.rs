//! An EventSource for Rust apps compiled to `wasm32` (Leptos, Yew, Dioxus, plain
//! wasm-bindgen), in a window or a dedicated worker: no JS shell, consumed as a
//! [`Stream`](futures_core::Stream).
//!
//! Enabled by the `client` cargo feature (off by default, so the npm package does not
//! carry it). It drives the same sans-I/O [`Machine`] as the JS class — the
//! spec-exact parser, the reconnection rules and their floors (attempt spacing,
//! backoff, `Retry-After` cap), the redirect rule for requests that carry secrets, the
//! `max_event_size` memory bound — and only performs what it answers, with `fetch`,
//! `ReadableStream` and timers.
//!
//! ```ignore
//! use eventsource_wasm::client::{Error, EventSource, Item};
//! use futures_util::StreamExt;
//! use std::{cell::RefCell, rc::Rc, time::Duration};
//!
//! /// Follows `url` until the server ends the stream (finite mode) or the source gives up.
//! async fn follow(url: &str, token: Rc<RefCell<String>>) -> Result<Vec<String>, Error> {
//!     let mut source = EventSource::builder(url) // absolute, or relative to `location`
//!         .method("POST")
//!         .header("Content-Type", "application/json")
//!         .body(r#"{"topic":"prices"}"#) // replayed on every reconnection
//!         .headers_with(move || {
//!             // called before every attempt: a fresh token each time
//!             vec![("Authorization".into(), format!("Bearer {}", token.borrow()))]
//!         })
//!         .backoff(Duration::from_secs(1), Duration::from_secs(30), 2.0)
//!         .jitter(0.2)
//!         .max_retries(8)
//!         .retry_statuses([429, 502, 503, 504]) // these honour `Retry-After`
//!         .inactivity_timeout(Duration::from_secs(45))
//!         .max_event_size(1 << 20)
//!         .finite(true) // a clean end of the body ends the stream
//!         .build()?;
//!     let _abort = source.abort_handle(); // `.abort()` it from a button, a route change…
//!     let mut data = Vec::new();
//!     while let Some(item) = source.next().await {
//!         match item? {
//!             Item::Event(event) => data.push(event.data),
//!             Item::Open | Item::Reconnecting(_) => {}
//!             _ => {} // `Item` is #[non_exhaustive]
//!         }
//!     }
//!     Ok(data) // dropping `source` closed the connection
//! }
//! ```
//!
//! (`ignore`: doctests do not run on `wasm32-unknown-unknown`; this exact code runs as
//! the test `the_readme_example_works` in `tests/rust_client/mod.rs`, in Chromium,
//! Firefox and WebKitGTK, in a window and a dedicated worker.)
//!
//! The stream ends (`None`) after an `Err` (the source failed for good), when a finite
//! stream ([`Builder::finite`]) ended cleanly, or after [`AbortHandle::abort`] (which
//! yields [`Error::Aborted`] first). Dropping the [`EventSource`] closes the connection
//! at once: the attempt's fetch and body are aborted and any timer is cleared, because
//! they are owned by the stream (there is no spawned task to leak).
//!
//! Like any Rust `Stream`, the source makes progress only while it is polled: keep a task
//! polling it (`wasm_bindgen_futures::spawn_local`, a framework resource).
//!
//! Backpressure: a chunk is parsed only once the consumer has taken every item of the
//! previous one, so an idle consumer leaves the body unread and TCP pushes back on the
//! server; memory per source is bounded by [`Builder::max_event_size`] plus one chunk.

#![forbid(unsafe_code)]

mod driver;
mod js;

use core::cell::{Cell, RefCell};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use core::time::Duration;
use std::rc::Rc;

use crate::connection::machine::{Config, Machine};
use crate::connection::url;
use crate::parser::DEFAULT_MAX_BUFFER;

pub use crate::connection::{ReadyState, ReconnectPolicy};

/// One event of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event {
    /// The event type (`"message"` unless the server sent an `event:` field).
    pub event_type: String,
    /// The data lines joined with `"\n"`.
    pub data: String,
    /// The last event ID after this event (persists across events and connections).
    pub id: String,
}

/// A reconnection the source is about to make.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reconnecting {
    /// How long it waits before the next attempt (every floor included).
    pub delay: Duration,
    /// The number of the attempt that failed or ended (1 = the first connection).
    pub attempt: u32,
    /// The HTTP status that caused it, when a response did (a retryable status, or
    /// 401/403 with [`Builder::refresh_auth`]).
    pub status: Option<u16>,
}

/// What the stream yields (besides [`Error`]s).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Item {
    /// A valid response arrived: the source is open (`readyState` OPEN).
    Open,
    /// An event.
    Event(Event),
    /// The connection ended or failed; the source reconnects after a delay.
    Reconnecting(Reconnecting),
    /// A comment line's text (after the colon and one space), in order with the
    /// events: only with [`Builder::comments`] (heartbeats, keep-alives).
    Comment(String),
}

/// Why the source failed for good (the stream ends after yielding it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The URL could not be parsed (relative URLs resolve against the global scope's
    /// `location`).
    InvalidUrl(String),
    /// A status other than 200 (and not retried, or retries exhausted).
    Status(u16),
    /// Status 200 with a `Content-Type` other than `text/event-stream` (the header as
    /// received, `None` when absent).
    ContentType(Option<String>),
    /// The network failed and the source gave up (retries exhausted, or a URL scheme
    /// fetch cannot load).
    Network,
    /// A cross-origin response failed the CORS check (no or a wrong
    /// `Access-Control-Allow-Origin`, credentials not allowed): the source fails at
    /// once, as the browser's EventSource does, where a network error reconnects.
    Cors,
    /// No bytes arrived within the inactivity timeout and the source gave up.
    Timeout,
    /// An event exceeded [`Builder::max_event_size`].
    ParseLimit,
    /// [`AbortHandle::abort`] was called.
    Aborted,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUrl(url) => write!(f, "invalid URL: {url}"),
            Error::Status(status) => write!(f, "unexpected HTTP status {status}"),
            Error::ContentType(Some(ty)) => write!(f, "expected text/event-stream, got {ty}"),
            Error::ContentType(None) => f.write_str("expected text/event-stream, got no type"),
            Error::Network => f.write_str("network error"),
            Error::Cors => f.write_str("the response failed the CORS check"),
            Error::Timeout => f.write_str("inactivity timeout"),
            Error::ParseLimit => f.write_str("event larger than max_event_size"),
            Error::Aborted => f.write_str("aborted"),
        }
    }
}

impl std::error::Error for Error {}

/// Which cookies and HTTP auth a request sends (`RequestCredentials`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Credentials {
    /// Never.
    Omit,
    /// Only to the same origin (the default, like `withCredentials: false`).
    #[default]
    SameOrigin,
    /// Always, cross-origin too (like `withCredentials: true`).
    Include,
}

impl Credentials {
    /// The fetch credentials mode.
    fn as_request_credentials(self) -> web_sys::RequestCredentials {
        match self {
            Credentials::Omit => web_sys::RequestCredentials::Omit,
            Credentials::SameOrigin => web_sys::RequestCredentials::SameOrigin,
            Credentials::Include => web_sys::RequestCredentials::Include,
        }
    }
}

/// A list of header names and values.
pub type HeaderList = Vec<(String, String)>;

/// Configures an [`EventSource`]; made by [`EventSource::builder`].
///
/// Defaults are the browser's EventSource: `GET`, no extra header, same-origin
/// credentials, reconnect after 3 s (or the server's `retry:`) forever, no inactivity
/// timeout, events up to 16 MiB; and, beyond it, no reconnection attempt while the
/// platform says it is offline ([`wait_for_online`](Self::wait_for_online)).
pub struct Builder {
    url: String,
    request: driver::RequestOptions,
    policy: ReconnectPolicy,
    last_event_id: Option<String>,
    last_event_id_param: Option<String>,
    max_event_size: usize,
    wait_for_online: bool,
    comments: bool,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("url", &self.url)
            .field("method", &self.request.method)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// The request method (default `GET`); with a body, e.g. `POST`.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.request.method = method.into();
        self
    }

    /// Adds a header sent with every attempt.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.request.headers.push((name.into(), value.into()));
        self
    }

    /// Sets a function called before every attempt (the first and each reconnection)
    /// for headers added to the fixed ones: a fresh token per attempt.
    pub fn headers_with(mut self, headers: impl FnMut() -> HeaderList + 'static) -> Self {
        self.request.per_attempt = Some(driver::PerAttempt::Now(Box::new(headers)));
        self
    }

    /// Like [`headers_with`](Self::headers_with), for headers that take a wait (a token
    /// fetched from an auth endpoint): the function's future is awaited before every
    /// attempt. An `Err` counts as a failed attempt: the source reconnects after its
    /// delay (or gives up under [`max_retries`](Self::max_retries)), as when the JS
    /// class's `headers` function rejects. Replaces `headers_with`'s function.
    pub fn headers_with_async<F, Fut, E>(mut self, mut headers: F) -> Self
    where
        F: FnMut() -> Fut + 'static,
        Fut: Future<Output = Result<HeaderList, E>> + 'static,
    {
        self.request.per_attempt = Some(driver::PerAttempt::Later(Box::new(move || {
            let future = headers();
            Box::pin(async move { future.await.ok() })
        })));
        self
    }

    /// A request body, sent again with every reconnection.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.request.body = Some(body.into());
        self
    }

    /// Which credentials requests send (default [`Credentials::SameOrigin`]).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.request.credentials = credentials;
        self
    }

    /// Replaces the whole reconnection policy (see [`ReconnectPolicy`]).
    pub fn policy(mut self, policy: ReconnectPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The reconnection time before any `retry:` field (default 3 s), without backoff.
    pub fn retry_delay(mut self, delay: Duration) -> Self {
        self.policy.initial_delay_ms = millis(delay);
        self
    }

    /// Exponential backoff: `initial`, times `multiplier` per consecutive failure, at
    /// most `max`. A floor that no server `retry:` or `Retry-After` shortens.
    pub fn backoff(mut self, initial: Duration, max: Duration, multiplier: f64) -> Self {
        self.policy.initial_delay_ms = millis(initial);
        self.policy.max_delay_ms = millis(max);
        self.policy.multiplier = multiplier;
        self
    }

    /// Jitter ratio in `[0, 1]`: each delay is spread over `d * (1 ± jitter)`.
    pub fn jitter(mut self, jitter: f64) -> Self {
        self.policy.jitter = jitter;
        self
    }

    /// Gives up after this many consecutive failed reconnections (default: never).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.policy.max_retries = Some(retries);
        self
    }

    /// Statuses that reconnect (honouring `Retry-After`) instead of failing, e.g.
    /// `[429, 502, 503, 504]` (default: none, every non-200 status fails).
    pub fn retry_statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.policy.retry_statuses = statuses.into_iter().collect();
        self
    }

    /// The longest `Retry-After` honoured (default 60 s).
    pub fn retry_after_cap(mut self, cap: Duration) -> Self {
        self.policy.retry_after_cap_ms = millis(cap);
        self
    }

    /// Finite mode (e.g. an LLM completion): a clean end of the body ends the stream
    /// instead of reconnecting.
    pub fn finite(mut self, finite: bool) -> Self {
        self.policy.finite = finite;
        self
    }

    /// On 401/403, reconnect (after the auth-refresh backoff, at most twice in a row
    /// without a healthy connection) instead of failing, calling
    /// [`headers_with`](Self::headers_with)'s function again for a fresh token.
    pub fn refresh_auth(mut self, refresh: bool) -> Self {
        self.policy.auth_refresh = refresh;
        self
    }

    /// Aborts and reconnects an attempt when no bytes arrive for this long (a
    /// heartbeat comment counts).
    pub fn inactivity_timeout(mut self, timeout: Duration) -> Self {
        self.request.inactivity_timeout_ms = Some(millis(timeout));
        self
    }

    /// A cursor to resume from: sent as `Last-Event-ID` from the first request on.
    pub fn last_event_id(mut self, id: impl Into<String>) -> Self {
        self.last_event_id = Some(id.into());
        self
    }

    /// Carries the cursor in this query parameter of the URL instead of the
    /// `Last-Event-ID` header (which makes a cross-origin request preflighted: a server
    /// that cannot answer `OPTIONS` can still resume). The parameter replaces any of the
    /// same name in the URL; a request with no cursor to send is left as named. An
    /// empty name is ignored.
    pub fn last_event_id_param(mut self, name: impl Into<String>) -> Self {
        self.last_event_id_param = Some(name.into());
        self
    }

    /// Yields each comment line (a line starting with `:`, as servers send for
    /// heartbeats) as [`Item::Comment`], in order with the events, as the JS class's
    /// `onComment` does. Off by default: the parser then skips comments unread.
    pub fn comments(mut self, on: bool) -> Self {
        self.comments = on;
        self
    }

    /// While the platform says it is offline (`navigator.onLine` false), wait for the
    /// `online` event instead of spending reconnection attempts, then reconnect at once
    /// (default: on, as the JS class's `waitForOnline`).
    pub fn wait_for_online(mut self, wait: bool) -> Self {
        self.wait_for_online = wait;
        self
    }

    /// The most bytes the parser may hold for one event (default 16 MiB); a larger
    /// event fails the source with [`Error::ParseLimit`].
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.max_event_size = bytes;
        self
    }

    /// Resolves the URL and makes the source; it connects when first polled.
    pub fn build(self) -> Result<EventSource, Error> {
        let invalid = || Error::InvalidUrl(self.url.clone());
        let parsed = match js::base_url() {
            Some(base) => web_sys::Url::new_with_base(&self.url, &base),
            None => web_sys::Url::new(&self.url),
        }
        .map_err(|_| invalid())?;
        let href = parsed.href();
        if url::has_forbidden_host(&href) {
            return Err(invalid());
        }
        let request = self.request;
        // [spec-plus] The redirect rule for requests that carry the caller's secrets:
        // the machine sends reconnections only to the named origin then.
        let carries_secrets = !request.headers.is_empty()
            || request.per_attempt.is_some()
            || request.body.is_some()
            || request.credentials == Credentials::Include;
        let machine = Machine::new(Config {
            url: href,
            origin: parsed.origin(),
            policy: self.policy,
            last_event_id: self.last_event_id,
            last_event_id_param: self.last_event_id_param.filter(|name| !name.is_empty()),
            max_event_size: self.max_event_size,
            carries_secrets,
            any_scheme: false,
            wait_for_online: self.wait_for_online,
        })
        .with_comments(self.comments);
        let shared = Rc::new(driver::Shared::new(machine));
        let driver = Box::pin(driver::run(Rc::clone(&shared), request));
        Ok(EventSource {
            shared,
            driver: Some(driver),
            abort: AbortHandle::default(),
        })
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Aborts an [`EventSource`] from elsewhere (a button, a route change); clonable.
///
/// After [`abort`](Self::abort) the stream yields [`Error::Aborted`] and ends, and the
/// connection is closed at once (the next time the stream is polled or dropped,
/// whichever comes first; `abort` wakes the task polling it).
#[derive(Debug, Clone, Default)]
pub struct AbortHandle(Rc<AbortState>);

#[derive(Debug, Default)]
struct AbortState {
    aborted: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl AbortHandle {
    /// Aborts the source.
    pub fn abort(&self) {
        self.0.aborted.set(true);
        if let Some(waker) = self.0.waker.take() {
            waker.wake();
        }
    }

    /// Whether [`abort`](Self::abort) was called.
    pub fn is_aborted(&self) -> bool {
        self.0.aborted.get()
    }
}

/// A server-sent events source: a [`Stream`](futures_core::Stream) of
/// `Result<`[`Item`]`, `[`Error`]`>`. Dropping it closes the connection.
pub struct EventSource {
    shared: Rc<driver::Shared>,
    /// The attempt loop; `None` once it ended or was aborted. Every resource of an
    /// attempt (fetch, body reader, timers) lives inside it.
    driver: Option<Pin<Box<dyn Future<Output = ()>>>>,
    abort: AbortHandle,
}

impl fmt::Debug for EventSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSource")
            .field("ready_state", &self.ready_state())
            .field("last_event_id", &self.last_event_id())
            .finish_non_exhaustive()
    }
}

impl EventSource {
    /// A builder for a source of `url` (absolute, or relative to the global scope's
    /// `location`).
    pub fn builder(url: impl Into<String>) -> Builder {
        Builder {
            url: url.into(),
            request: driver::RequestOptions::default(),
            policy: ReconnectPolicy::default(),
            last_event_id: None,
            last_event_id_param: None,
            max_event_size: DEFAULT_MAX_BUFFER,
            wait_for_online: true,
            comments: false,
        }
    }

    /// A source of `url` with the browser's defaults.
    pub fn new(url: impl Into<String>) -> Result<EventSource, Error> {
        Self::builder(url).build()
    }

    /// A handle that aborts this source.
    pub fn abort_handle(&self) -> AbortHandle {
        self.abort.clone()
    }

    /// The ready state (CONNECTING until the first response, CLOSED once ended).
    pub fn ready_state(&self) -> ReadyState {
        if self.driver.is_none() {
            return ReadyState::Closed;
        }
        self.shared.ready_state()
    }

    /// The last event ID string (what a reconnection sends as `Last-Event-ID`).
    pub fn last_event_id(&self) -> String {
        self.shared.last_event_id()
    }

    /// Closes the connection now (like dropping the source); the stream then ends.
    pub fn close(&mut self) {
        self.driver = None;
        self.shared.close();
    }
}

impl futures_core::Stream for EventSource {
    type Item = Result<Item, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.abort.is_aborted() {
            if this.driver.is_some() {
                this.close();
                return Poll::Ready(Some(Err(Error::Aborted)));
            }
            return Poll::Ready(None);
        }
        *this.abort.0.waker.borrow_mut() = Some(cx.waker().clone());
        if let Some(item) = this.shared.pop() {
            return Poll::Ready(Some(item));
        }
        let Some(driver) = this.driver.as_mut() else {
            return Poll::Ready(None);
        };
        // The driver is polled only while the queue is empty, so it never runs ahead
        // of the consumer by more than one chunk's events.
        if driver.as_mut().poll(cx).is_ready() {
            this.driver = None;
        }
        match this.shared.pop() {
            Some(item) => Poll::Ready(Some(item)),
            None if this.driver.is_none() => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

impl futures_core::FusedStream for EventSource {
    fn is_terminated(&self) -> bool {
        self.driver.is_none() && self.shared.is_empty()
    }
}
