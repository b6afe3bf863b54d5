//! The EventSource connection state machine, as plain Rust with no I/O.
//!
//! The browser glue feeds a [`Connection`] facts (an attempt started, a
//! response arrived, an event was delivered, the body ended, a `retry:` field
//! was parsed, …) and carries out what it answers. Nothing here reads a clock
//! or a random source: time comes in as `now_ms: f64` and randomness as
//! `random: f64` in `[0, 1)`.
//!
//! `now_ms` is Unix epoch milliseconds, from one clock for every call of one
//! source: `Date.now()`, or better `performance.timeOrigin + performance.now()`
//! (the same scale, but monotonic). It dates a `Retry-After` HTTP-date, spaces
//! attempts ([`MIN_ATTEMPT_INTERVAL_MS`]) and times a connection's health
//! ([`HEALTHY_AFTER_MS`]). If the clock jumps, the spacing waits at most
//! [`MIN_ATTEMPT_INTERVAL_MS`] (backwards) or nothing (forwards), a forward
//! jump may count one connection as healthy early, and an HTTP-date
//! `Retry-After` is off by the jump (capped as usual).
//!
//! # Glue contract
//!
//! | Glue observes | Call | Answer → what the glue does |
//! |---|---|---|
//! | constructor, about to make the first attempt | [`Connection::start`] | `true` → fetch (attempt 1) |
//! | a reconnection's wait is over (timer, `online`, auth hook resolved), about to fetch | [`Connection::reconnect`] | `true` → fetch (the attempt [`Connection::attempt`]); `false` → stop |
//! | fetch resolved | [`Connection::on_response`] | [`ResponseVerdict`] (see its variants) |
//! | `fromReadableStream` about to read | [`Connection::on_stream_open`] | `true` → fire `open` |
//! | URL resolved by the constructor | [`url::has_forbidden_host`] | `true` → throw `SyntaxError` |
//! | about to fetch: scheme check | [`url::is_fetchable`] | `false` → [`Connection::on_network_failure`] (`Scheme`) |
//! | fetch rejected (not by our abort) | [`Connection::on_network_failure`] | [`StreamVerdict`] |
//! | a parsed batch delivered ≥ 1 event (to listeners or a consumer's queue) | [`Connection::on_event`] | — |
//! | parser saw `retry: N` | [`Connection::on_retry_field`] | — |
//! | body ended / errored | [`Connection::on_stream_end`] | [`StreamVerdict`] |
//! | inactivity timer fired | [`Connection::on_inactivity_timeout`] | [`StreamVerdict`] |
//! | parser hit its size limit | [`Connection::on_parse_limit`] | `Some(info)` → abort, fire `error` |
//! | auth-refresh hook rejected | [`Connection::fail_auth`] | `Some(info)` → fire `error` |
//! | `close()` / abort signal | [`Connection::close`] | abort fetch, cancel reader, clear timers |
//! | before fetching a reconnect | [`Connection::should_wait_for_online`] | `true` → wait for `online`, then [`Connection::reconnect`] and fetch at once |
//!
//! Every delay an answer carries already includes every floor (the attempt
//! spacing, the configured backoff, the auth-refresh backoff): the glue waits
//! exactly that long (or for `online`), then calls [`Connection::reconnect`]
//! with the time it actually starts the attempt, then fetches.
//!
//! Every `error` event the glue fires comes with an [`ErrorInfo`] to attach to
//! it. Which answers fire `error`:
//!
//! - [`ResponseVerdict::Fail`], [`ResponseVerdict::Retry`],
//!   [`ResponseVerdict::Refresh`]: yes, one `error`.
//! - [`StreamVerdict::Reconnect`] and [`StreamVerdict::Close`] (both reasons): yes.
//! - [`ResponseVerdict::Open`]: fires `open` instead.
//! - `Ignored` answers (the source was already closed): nothing at all.
//!
//! The glue must set `readyState` from [`Connection::ready_state`] *before*
//! firing the event, so listeners see the new state.
//!
//! # Native defaults
//!
//! [`ReconnectPolicy::default()`] reproduces a browser's EventSource: status
//! 200 with a `text/event-stream` type opens; any other status, or a wrong
//! type, fails for good; a dropped or cleanly ended stream, and a fetch that
//! rejects, reconnect after the reconnection time (3000 ms like Chromium, or
//! the last `retry:` value), with no backoff, no jitter and no retry limit.
//! One addition, which the spec allows: consecutive attempts start at least
//! [`MIN_ATTEMPT_INTERVAL_MS`] apart, so that no server (`retry: 0` and a
//! stream that ends at once) can drive one source above 10 attempts per
//! second.
//!
//! # Reconnection storms
//!
//! A server controls the reconnection time (`retry:`), `Retry-After` and when
//! a stream ends; none of it can make a source reconnect faster than:
//!
//! - the attempt spacing, [`MIN_ATTEMPT_INTERVAL_MS`] between attempt starts,
//!   always;
//! - a configured backoff ([`ReconnectPolicy::backoff_enabled`]): `retry:` and
//!   `Retry-After` can lengthen it, never shorten it;
//! - the auth-refresh backoff ([`auth_refresh_backoff_ms`]) for consecutive
//!   401/403 refreshes.
//!
//! The failure count that drives the backoff (and `max_retries`, and the
//! auth-refresh guard) only resets once a connection is *healthy*: it
//! delivered an event ([`Connection::on_event`]) or stayed open for
//! [`HEALTHY_AFTER_MS`]. Bytes alone (a comment, a `retry:` line) do not count.

#![forbid(unsafe_code)]

mod http_date;
pub mod machine;
mod mime;
pub mod url;

pub use http_date::parse_retry_after;

/// The reconnection time a new source starts with, in milliseconds (Chromium's
/// and WebKit's value).
// [spec] The reconnection time "must initially be an implementation-defined
// value, probably in the region of a few seconds".
pub const DEFAULT_RECONNECTION_TIME_MS: u64 = 3000;

/// The essence MIME type an event stream must be served with.
pub const EVENT_STREAM_MIME: &str = "text/event-stream";

/// The shortest time between the starts of two consecutive attempts of one
/// source, in milliseconds: at most 10 attempts per second, whatever the
/// server sends and whatever the policy says.
///
/// The spec's reconnection time stays honoured (`retry: 0` still reconnects
/// at once after a connection that lasted this long); only a reconnection
/// that would start sooner than this after the previous attempt started waits
/// the difference, which the spec allows ("Optionally, wait some more"). A
/// clock that went backwards waits at most this long.
pub const MIN_ATTEMPT_INTERVAL_MS: u64 = 100;

/// How long a connection must stay open (from its response to its end), in
/// milliseconds, to count as healthy without delivering an event.
///
/// 30 s is the default `max_delay_ms`: a server that holds every connection
/// open just this long, to reset the failure count, gets no more attempts than
/// a fully grown default backoff would give it (one per 30 s). It is also
/// twice the spec's suggested 15 s heartbeat interval, so a stream that only
/// sends comments counts as healthy once it has survived a heartbeat gap.
pub const HEALTHY_AFTER_MS: u64 = 30_000;

/// The backoff before the second consecutive auth refresh, in milliseconds;
/// see [`auth_refresh_backoff_ms`].
pub const AUTH_REFRESH_INITIAL_DELAY_MS: u64 = 1000;

/// The upper bound of the auth-refresh backoff, in milliseconds.
pub const AUTH_REFRESH_MAX_DELAY_MS: u64 = 30_000;

/// The backoff before the `n`-th consecutive auth refresh without a healthy
/// connection (`n >= 1`), in milliseconds, before the attempt spacing: 0 for
/// the first (a token that just expired is refreshed at once), then
/// [`AUTH_REFRESH_INITIAL_DELAY_MS`] doubling per refresh, capped at
/// [`AUTH_REFRESH_MAX_DELAY_MS`]: 0, 1000, 2000, 4000, …, 30000.
pub fn auth_refresh_backoff_ms(n: u32) -> u64 {
    if n <= 1 {
        return 0;
    }
    1u64.checked_shl(n - 2)
        .and_then(|factor| AUTH_REFRESH_INITIAL_DELAY_MS.checked_mul(factor))
        .map_or(AUTH_REFRESH_MAX_DELAY_MS, |d| {
            d.min(AUTH_REFRESH_MAX_DELAY_MS)
        })
}
// ---------------------------------------------------------------------------
// Free functions
// ---------------------------------------------------------------------------

/// Whether a `Content-Type` header value names `text/event-stream`.
///
/// Pass what `Headers.get("content-type")` returns (`None` when the header is
/// absent). The value is processed like WHATWG Fetch "extract a MIME type":
/// it is split on commas outside quoted strings, each part is parsed with
/// WHATWG MIME Sniffing "parse a MIME type" (HTTP whitespace trimmed, type and
/// subtype must be non-empty HTTP tokens, parameters allowed and ignored), parts
/// that fail or are `*/*` are skipped, and the last remaining one counts. Its
/// essence must equal `text/event-stream`, compared ASCII case-insensitively.
///
/// So `text/event-stream`, `Text/Event-Stream`, `text/event-stream;` and
/// `text/event-stream; charset=utf-8` match; `text/event-streamx`,
/// `text /event-stream`, `text/plain`, an empty value and a missing header do
/// not.
pub fn is_event_stream(content_type: Option<&str>) -> bool {
    content_type
        .and_then(mime::extract_essence)
        .is_some_and(|(ty, sub)| {
            ty.eq_ignore_ascii_case("text") && sub.eq_ignore_ascii_case("event-stream")
        })
}

/// The lowercase essence (`type/subtype`) of a `Content-Type` header value, by
/// the same rules as [`is_event_stream`], or `None` if it names no valid MIME
/// type. Useful for diagnostics ("expected text/event-stream, got text/html").
pub fn mime_essence(content_type: &str) -> Option<String> {
    mime::extract_essence(content_type).map(|(ty, sub)| {
        let mut essence = String::with_capacity(ty.len() + 1 + sub.len());
        essence.push_str(ty);
        essence.push('/');
        essence.push_str(sub);
        essence.make_ascii_lowercase();
        essence
    })
}

/// The value for a `Last-Event-ID` request header, or `None` when no header
/// must be sent.
///
/// `None` when `id` is empty (the spec sends no header then) and, defensively,
/// when it contains U+000D CR, U+000A LF or U+0000 NUL (which the parser never
/// lets into an id). Otherwise the id's UTF-8 bytes, each mapped to the char
/// with that code (U+0000..=U+00FF): the fetch `Headers` API takes a
/// ByteString, so this puts exactly the UTF-8 bytes on the wire, as browsers
/// do. `"é"` becomes `"\u{c3}\u{a9}"`.
pub fn last_event_id_header_value(id: &str) -> Option<String> {
    if id.is_empty() || id.contains(['\r', '\n', '\0']) {
        return None;
    }
    Some(id.bytes().map(char::from).collect())
}

// ---------------------------------------------------------------------------
// Ready state
// ---------------------------------------------------------------------------

/// `EventSource.readyState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum ReadyState {
    /// `CONNECTING` (0): connecting, or waiting to reconnect.
    Connecting = 0,
    /// `OPEN` (1): a valid response arrived; events are being received.
    Open = 1,
    /// `CLOSED` (2): closed for good; nothing more happens.
    Closed = 2,
}

impl ReadyState {
    /// The numeric value exposed to JavaScript (0, 1 or 2).
    pub const fn as_u16(self) -> u16 {
        self as u16
    }
}

// ---------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------

/// How a [`Connection`] reconnects. `Default` is the browser's behaviour.
///
/// # Delay before a reconnect
///
/// Let `retry` be the reconnection time (the last `retry:` value, initially
/// `initial_delay_ms`) and `n` the number of consecutive failures including
/// this one (`n = 1` right after a healthy connection; see
/// [`Connection::retries`]).
///
/// - With `multiplier <= 1` (the default) the delay is `retry`, whatever `n`
///   is, and `max_delay_ms` is not used: a server's `retry:` is taken as is
///   (the spec's "reconnection time").
/// - With `multiplier > 1` (backoff on) the configured backoff is a floor: with
///   `base = max(retry, initial_delay_ms)` the delay is
///   `min(base * multiplier^(n-1), max(max_delay_ms, base))`. A server's
///   `retry:` can lengthen it (and the cap never shortens it) but not shorten
///   it: `retry: 0` still waits `initial_delay_ms`, doubling per failure.
/// - Jitter then scales it by `1 + jitter * (2 * random - 1)`, i.e. spreads it
///   uniformly over `[d * (1 - jitter), d * (1 + jitter))`, rounded to whole
///   milliseconds (so it can exceed the cap by up to `jitter * cap`).
/// - A `Retry-After` on a retryable status (capped at `retry_after_cap_ms`)
///   replaces this for that one reconnect when backoff is off; when backoff is
///   on it can only lengthen it: the delay is `max(backoff, Retry-After)`.
/// - Last, every delay is at least what keeps attempt starts
///   [`MIN_ATTEMPT_INTERVAL_MS`] apart.
///
/// Non-finite or out-of-range `multiplier`/`jitter` values are treated as 1
/// and 0 respectively (values above 1 for jitter are clamped to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    /// The reconnection time before any `retry:` field, in ms, and, with
    /// backoff on, the shortest delay. Default 3000.
    pub initial_delay_ms: u64,
    /// Upper bound of the backoff, in ms; only used when `multiplier > 1`.
    /// Default 30000.
    pub max_delay_ms: u64,
    /// Backoff growth per consecutive failure. Default 1.0 (constant delay,
    /// like the browser); e.g. 2.0 doubles the delay after each failure.
    pub multiplier: f64,
    /// Jitter ratio in `[0, 1]`. Default 0.0 (none).
    pub jitter: f64,
    /// Maximum consecutive reconnects after failures (since the last healthy
    /// connection) before giving up. Default `None` (unlimited, like the
    /// browser). `Some(0)` never reconnects.
    pub max_retries: Option<u32>,
    /// Non-200 statuses that reconnect (honouring `Retry-After`) instead of
    /// failing. Default empty (every non-200 status fails, like the browser).
    /// Typical opt-in: `[429, 502, 503, 504]`. 200 here has no effect.
    pub retry_statuses: Vec<u16>,
    /// Upper bound for a `Retry-After` delay, in ms. Default 60000. It never
    /// shortens the backoff.
    pub retry_after_cap_ms: u64,
    /// Finite-stream mode (e.g. LLM completions): a clean end of the body
    /// closes instead of reconnecting. Default false.
    pub finite: bool,
    /// Whether an auth-refresh hook is configured: 401 and 403 then answer
    /// [`ResponseVerdict::Refresh`] instead of failing. Default false.
    pub auth_refresh: bool,
    /// At most this many consecutive refreshes without a healthy connection
    /// (see [`Connection`]); the next 401/403 fails. Default 2.
    pub max_auth_refreshes: u32,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            initial_delay_ms: DEFAULT_RECONNECTION_TIME_MS,
            max_delay_ms: 30_000,
            multiplier: 1.0,
            jitter: 0.0,
            max_retries: None,
            retry_statuses: Vec::new(),
            retry_after_cap_ms: 60_000,
            finite: false,
            auth_refresh: false,
            max_auth_refreshes: 2,
        }
    }
}

impl ReconnectPolicy {
    /// The policy for a source that must never reconnect, such as
    /// `EventSource.fromReadableStream()`: any end of the stream closes
    /// (a clean end with [`CloseReason::Finished`], an error with
    /// [`CloseReason::RetriesExhausted`]), and the glue fires `error`.
    pub fn no_reconnect() -> Self {
        Self {
            finite: true,
            max_retries: Some(0),
            ..Self::default()
        }
    }

    /// Whether exponential backoff is on (`multiplier > 1`): the configured
    /// backoff is then a floor no server response shortens.
    pub fn backoff_enabled(&self) -> bool {
        self.multiplier > 1.0
    }

    fn effective_multiplier(&self) -> f64 {
        if self.backoff_enabled() {
            self.multiplier
        } else {
            1.0
        }
    }

    fn effective_jitter(&self) -> f64 {
        if self.jitter.is_nan() {
            0.0
        } else {
            self.jitter.clamp(0.0, 1.0)
        }
    }
}

// ---------------------------------------------------------------------------
// Error descriptions
// ---------------------------------------------------------------------------

/// Where a connection went wrong; carried on the `error` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// The fetch rejected before any response (DNS, refused, CORS, offline…).
    Connect,
    /// The response status was not 200.
    Response,
    /// Status 200, but the `Content-Type` was not `text/event-stream`.
    ContentType,
    /// The body ended (cleanly or with a network error) after the open.
    Body,
    /// The parser refused input beyond its size limit.
    ParseLimit,
    /// No bytes arrived within the inactivity timeout.
    Timeout,
    /// 401/403 handed to the auth-refresh hook, or the hook failed.
    Auth,
}

impl Phase {
    /// The lowercase name exposed to JavaScript: `"connect"`, `"response"`,
    /// `"content-type"`, `"body"`, `"parse-limit"`, `"timeout"` or `"auth"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Phase::Connect => "connect",
            Phase::Response => "response",
            Phase::ContentType => "content-type",
            Phase::Body => "body",
            Phase::ParseLimit => "parse-limit",
            Phase::Timeout => "timeout",
            Phase::Auth => "auth",
        }
    }
}

impl core::fmt::Display for Phase {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The typed description the glue attaches to an `error` event (non-standard
/// extra properties; the event itself stays a plain `Event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorInfo {
    /// Where it went wrong.
    pub phase: Phase,
    /// The HTTP status of the response that caused it, when a response did
    /// (phases `response`, `content-type` and `auth`); `None` otherwise.
    pub status: Option<u16>,
    /// Whether the source will connect again (`readyState` is CONNECTING).
    pub will_retry: bool,
    /// The number of the attempt that failed or ended (1 = the first
    /// connection; see [`Connection::attempt`]).
    pub attempt: u32,
    /// The delay before the next attempt, in ms, when `will_retry` (for an
    /// auth refresh, the wait before the hook is called), every floor
    /// included.
    pub delay_ms: Option<u64>,
}

// ---------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------

/// Why a response made the source fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailReason {
    /// A status other than 200: not retryable, retries exhausted, or a
    /// 401/403 after too many auth refreshes.
    Status(u16),
    /// Status 200 with a missing or wrong `Content-Type`.
    ContentType,
}

/// What to do with a response ([`Connection::on_response`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseVerdict {
    /// `readyState` is OPEN: fire `open`, then read the body.
    Open,
    /// `readyState` is CLOSED: cancel the body, fire one `error`, never
    /// reconnect.
    Fail {
        /// Why.
        reason: FailReason,
        /// For the `error` event (`will_retry` false).
        error: ErrorInfo,
    },
    /// The status is in [`ReconnectPolicy::retry_statuses`]: `readyState` is
    /// CONNECTING; cancel the body, fire `error`, wait `delay_ms`, then
    /// [`Connection::reconnect`] and fetch.
    Retry {
        /// Milliseconds to wait: the computed delay, which a capped
        /// `Retry-After` replaces (backoff off) or can only lengthen (backoff
        /// on); never less than the attempt spacing.
        delay_ms: u64,
        /// For the `error` event.
        error: ErrorInfo,
    },
    /// 401/403 with an auth-refresh hook: `readyState` is CONNECTING; cancel
    /// the body, fire `error`, wait `delay_ms`, await the hook, then
    /// [`Connection::reconnect`] and fetch at once (keeping the last event
    /// id). If the hook throws or rejects, call [`Connection::fail_auth`].
    Refresh {
        /// Milliseconds to wait before calling the hook: the auth-refresh
        /// backoff ([`auth_refresh_backoff_ms`]: 0 for the first consecutive
        /// refresh), never less than the attempt spacing.
        delay_ms: u64,
        /// For the `error` event (phase `auth`).
        error: ErrorInfo,
    },
    /// The source was already closed: cancel the body, fire nothing.
    Ignored,
}

impl ResponseVerdict {
    /// The description for the `error` event this verdict fires, if any.
    pub fn error(&self) -> Option<&ErrorInfo> {
        match self {
            Self::Fail { error, .. } | Self::Retry { error, .. } | Self::Refresh { error, .. } => {
                Some(error)
            }
            Self::Open | Self::Ignored => None,
        }
    }
}

/// Why a [`StreamVerdict::Close`] closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// Finite-stream mode and the body ended cleanly: the stream is complete.
    Finished,
    /// [`ReconnectPolicy::max_retries`] consecutive reconnects already failed.
    RetriesExhausted,
    /// A failure that reconnecting cannot mend ([`Connection::on_network_failure`]).
    Failed,
}

/// How a fetch, or the read of its body, failed, as the glue observed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetworkFailure {
    /// A network error (DNS, refused, reset, offline, a body cut short): reestablish.
    Network,
    /// An aborted network error: the page aborted the fetch (`window.stop()`, a
    /// navigation), not the source (the rejection is an `AbortError` while the source's
    /// own `AbortController` was not aborted).
    Aborted,
    /// The URL's scheme cannot be fetched ([`url::is_fetchable`]).
    Scheme,
    /// A CORS failure: the server answered, but the response is not allowed for this
    /// origin (the glue's `no-cors` probe of the same URL got a response).
    Cors,
}

/// What to do after a connection dropped or could not be made
/// ([`Connection::on_stream_end`], [`Connection::on_network_error`],
/// [`Connection::on_inactivity_timeout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamVerdict {
    /// `readyState` is CONNECTING: fire `error`, wait `delay_ms` (or, if
    /// [`Connection::should_wait_for_online`], until `online`), then
    /// [`Connection::reconnect`] and fetch again with `Last-Event-ID`.
    Reconnect {
        /// Milliseconds to wait.
        delay_ms: u64,
        /// For the `error` event.
        error: ErrorInfo,
    },
    /// `readyState` is CLOSED: fire `error` and stop for good.
    Close {
        /// Why.
        reason: CloseReason,
        /// For the `error` event (`will_retry` false).
        error: ErrorInfo,
    },
    /// The source was already closed: do nothing.
    Ignored,
}

impl StreamVerdict {
    /// The description for the `error` event this verdict fires, if any.
    pub fn error(&self) -> Option<&ErrorInfo> {
        match self {
            Self::Reconnect { error, .. } | Self::Close { error, .. } => Some(error),
            Self::Ignored => None,
        }
    }
}

// ---------------------------------------------------------------------------
// Connection
// ---------------------------------------------------------------------------

/// The state of one EventSource: ready state, reconnection time, attempt and
/// retry counters, the times the rules need, and the policy. See the
/// [module docs](self) for the glue contract.
///
/// # Counters
///
/// - [`attempt`](Self::attempt): 1-based number of the current connection
///   attempt, or of the upcoming one while waiting to reconnect; 0 before
///   [`start`](Self::start). Every scheduled reconnect (including an auth
///   refresh) increments it; it never resets.
/// - [`retries`](Self::retries): consecutive reconnects scheduled after
///   failures since the last healthy connection; drives the backoff and
///   [`ReconnectPolicy::max_retries`]. Auth refreshes do not count.
/// - [`auth_refreshes`](Self::auth_refreshes): consecutive auth refreshes
///   since the last healthy connection; drives the auth-refresh backoff and
///   [`ReconnectPolicy::max_auth_refreshes`].
///
/// # Health
///
/// A connection is *healthy* once it is OPEN and either delivered an event
/// ([`on_event`](Self::on_event)) or stayed open for [`HEALTHY_AFTER_MS`]
/// (checked when it ends). That resets `retries` (and so the backoff) and
/// `auth_refreshes` to 0, so when a working stream later drops, the reconnect
/// waits the plain reconnection time again. Opening, bytes, comments and
/// `retry:` lines alone do not count: a server that answers 200 and hangs up
/// cannot reset the backoff.
#[derive(Debug, Clone)]
pub struct Connection {
    policy: ReconnectPolicy,
    ready_state: ReadyState,
    reconnection_time_ms: u64,
    attempt: u32,
    retries: u32,
    refreshes: u32,
    /// The status and attempt of a refresh whose hook is pending.
    pending_auth: Option<(u16, u32)>,
    /// When the current (or last) attempt started, per [`Self::start`] and
    /// [`Self::reconnect`].
    attempt_started_ms: Option<f64>,
    /// When the current connection opened, while OPEN.
    opened_ms: Option<f64>,
    /// A reconnect is scheduled and [`Self::reconnect`] not yet called.
    waiting: bool,
}

impl Default for Connection {
    fn default() -> Self {
        Self::new(ReconnectPolicy::default())
    }
}

impl Connection {
    /// A new source in CONNECTING state (like a just-constructed EventSource),
    /// not yet started, with the reconnection time set to
    /// `policy.initial_delay_ms`.
    pub fn new(policy: ReconnectPolicy) -> Self {
        Self {
            reconnection_time_ms: policy.initial_delay_ms,
            policy,
            ready_state: ReadyState::Connecting,
            attempt: 0,
            retries: 0,
            refreshes: 0,
            pending_auth: None,
            attempt_started_ms: None,
            opened_ms: None,
            waiting: false,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &ReconnectPolicy {
        &self.policy
    }

    /// `readyState`.
    pub fn ready_state(&self) -> ReadyState {
        self.ready_state
    }

    /// The reconnection time in ms: the last `retry:` value, initially
    /// `policy.initial_delay_ms` (the `reconnectionTime` getter).
    pub fn reconnection_time_ms(&self) -> u64 {
        self.reconnection_time_ms
    }

    /// 1-based number of the current attempt, or of the upcoming one while
    /// waiting to reconnect; 0 before [`start`](Self::start).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Consecutive reconnects scheduled after failures since the last healthy
    /// connection (auth refreshes excluded).
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Consecutive auth refreshes since the last healthy connection.
    pub fn auth_refreshes(&self) -> u32 {
        self.refreshes
    }

    /// Whether the current or upcoming fetch is a reconnection (attempt 2 or
    /// later): only those send `Last-Event-ID` (unless the user seeded one).
    pub fn is_reconnection(&self) -> bool {
        self.attempt > 1
    }

    /// Begins the first connection at `now_ms`: `attempt` becomes 1. Returns
    /// `true` when the glue should fetch now; `false` (and no change) if
    /// already started or closed.
    pub fn start(&mut self, now_ms: f64) -> bool {
        if self.attempt != 0 || self.ready_state == ReadyState::Closed {
            return false;
        }
        self.attempt = 1;
        self.attempt_started_ms = Some(now_ms);
        true
    }

    /// The wait before a reconnection is over (its timer fired, `online`
    /// arrived, or the auth hook resolved) and the glue is about to fetch
    /// attempt [`attempt`](Self::attempt) at `now_ms`. Records when it started:
    /// the next delay keeps the following attempt [`MIN_ATTEMPT_INTERVAL_MS`]
    /// after it. Returns `true` when the glue should fetch; `false` (and no
    /// change) when no reconnect is pending: closed, or no reconnect was
    /// scheduled since the last [`start`](Self::start) or `reconnect`.
    pub fn reconnect(&mut self, now_ms: f64) -> bool {
        // [spec] "Reestablish the connection", step 5: if readyState is not
        // CONNECTING, return; otherwise fetch again.
        if !self.waiting || self.ready_state != ReadyState::Connecting {
            return false;
        }
        self.waiting = false;
        self.attempt_started_ms = Some(now_ms);
        true
    }

    /// A response arrived for the current attempt.
    ///
    /// - `status`: the (final, after redirects) HTTP status.
    /// - `content_type`: `Headers.get("content-type")`.
    /// - `retry_after`: `Headers.get("retry-after")`; only used for statuses
    ///   in [`ReconnectPolicy::retry_statuses`].
    /// - `now_ms`: the time (see the [module docs](self)): dates an HTTP-date
    ///   `Retry-After`, starts the health timer, spaces the next attempt.
    /// - `random`: in `[0, 1)`, for jitter.
    ///
    /// Rules, in order: 200 with a `text/event-stream` type opens; 200 with
    /// another type fails ([`FailReason::ContentType`]); 401/403 with
    /// `auth_refresh` refresh (failing after `max_auth_refreshes` consecutive
    /// refreshes without a healthy connection); a status in `retry_statuses`
    /// retries (failing once `max_retries` is exhausted); anything else (204
    /// included) fails.
    pub fn on_response(
        &mut self,
        status: u16,
        content_type: Option<&str>,
        retry_after: Option<&str>,
        now_ms: f64,
        random: f64,
    ) -> ResponseVerdict {
        if self.ready_state == ReadyState::Closed {
            return ResponseVerdict::Ignored;
        }
        self.pending_auth = None;
        let attempt = self.attempt;
        if status == 200 {
            // [spec] A 200 whose Content-Type is not `text/event-stream`
            // fails the connection; otherwise announce the connection (OPEN).
            if is_event_stream(content_type) {
                self.ready_state = ReadyState::Open;
                self.opened_ms = Some(now_ms);
                return ResponseVerdict::Open;
            }
            return self.fail(FailReason::ContentType, Phase::ContentType, status);
        }
        if self.policy.auth_refresh && matches!(status, 401 | 403) {
            if self.refreshes >= self.policy.max_auth_refreshes {
                return self.fail(FailReason::Status(status), Phase::Auth, status);
            }
            self.refreshes = self.refreshes.saturating_add(1);
            self.pending_auth = Some((status, attempt));
            self.ready_state = ReadyState::Connecting;
            self.attempt = attempt.saturating_add(1);
            self.waiting = true;
            let delay_ms = self.spaced(auth_refresh_backoff_ms(self.refreshes), now_ms);
            return ResponseVerdict::Refresh {
                delay_ms,
                error: ErrorInfo {
                    phase: Phase::Auth,
                    status: Some(status),
                    will_retry: true,
                    attempt,
                    delay_ms: Some(delay_ms),
                },
            };
        }
        if self.policy.retry_statuses.contains(&status) {
            let Some(computed) = self.schedule_retry(random) else {
                return self.fail(FailReason::Status(status), Phase::Response, status);
            };
            let retry_after = retry_after
                .and_then(|v| parse_retry_after(v, now_ms))
                .map(|d| d.min(self.policy.retry_after_cap_ms));
            let delay_ms = match retry_after {
                None => computed,
                // A configured backoff is a floor: Retry-After only lengthens it.
                Some(after) if self.policy.backoff_enabled() => after.max(computed),
                Some(after) => after,
            };
            let delay_ms = self.spaced(delay_ms, now_ms);
            return ResponseVerdict::Retry {
                delay_ms,
                error: ErrorInfo {
                    phase: Phase::Response,
                    status: Some(status),
                    will_retry: true,
                    attempt,
                    delay_ms: Some(delay_ms),
                },
            };
        }
        // [spec] Any other status fails the connection: CLOSED, one `error`,
        // never reconnect.
        self.fail(FailReason::Status(status), Phase::Response, status)
    }

    /// A stream is about to be read without any HTTP response
    /// (`EventSource.fromReadableStream()`), at `now_ms`: `readyState` becomes
    /// OPEN, as for [`ResponseVerdict::Open`]. Returns `false` (and changes
    /// nothing) if the source is closed.
    pub fn on_stream_open(&mut self, now_ms: f64) -> bool {
        if self.ready_state == ReadyState::Closed {
            return false;
        }
        self.pending_auth = None;
        self.ready_state = ReadyState::Open;
        self.opened_ms = Some(now_ms);
        true
    }

    /// The auth-refresh hook threw or rejected after a
    /// [`ResponseVerdict::Refresh`]: `readyState` becomes CLOSED. Returns the
    /// description for the one `error` event to fire (phase `auth`, with the
    /// 401/403 status), or `None` if already closed.
    pub fn fail_auth(&mut self) -> Option<ErrorInfo> {
        if self.ready_state == ReadyState::Closed {
            return None;
        }
        let (status, attempt) = match self.pending_auth.take() {
            Some((status, attempt)) => (Some(status), attempt),
            None => (None, self.attempt),
        };
        self.ready_state = ReadyState::Closed;
        self.opened_ms = None;
        Some(ErrorInfo {
            phase: Phase::Auth,
            status,
            will_retry: false,
            attempt,
            delay_ms: None,
        })
    }

    /// The body delivered at least one event (call it once per parsed batch
    /// that dispatched ≥ 1 event, to listeners or to a consumer's queue).
    /// While OPEN, this makes the connection healthy: [`retries`](Self::retries)
    /// and [`auth_refreshes`](Self::auth_refreshes) reset to 0. Bytes that
    /// complete no event (comments, `retry:`, `id:` alone) are not enough.
    pub fn on_event(&mut self) {
        if self.ready_state == ReadyState::Open {
            self.retries = 0;
            self.refreshes = 0;
        }
    }

    /// The parser saw a valid `retry:` field: the reconnection time becomes
    /// `ms` (0 is legal: reconnect at once, subject to the attempt spacing
    /// and, with backoff on, the backoff floor). Applies even when closed, so
    /// the `reconnectionTime` getter always reflects the stream.
    pub fn on_retry_field(&mut self, ms: u64) {
        // [spec] `retry` field: set the event stream's reconnection time.
        self.reconnection_time_ms = ms;
    }

    /// The body ended at `now_ms` after the open: `clean` when it finished
    /// normally, `false` on a network error mid-body. Reconnects (phase
    /// `body`), except that a clean end in finite mode closes with
    /// [`CloseReason::Finished`]. A connection that stayed open
    /// [`HEALTHY_AFTER_MS`] counts as healthy first.
    pub fn on_stream_end(&mut self, clean: bool, now_ms: f64, random: f64) -> StreamVerdict {
        if clean && self.policy.finite && self.ready_state != ReadyState::Closed {
            self.ready_state = ReadyState::Closed;
            self.opened_ms = None;
            return StreamVerdict::Close {
                reason: CloseReason::Finished,
                error: ErrorInfo {
                    phase: Phase::Body,
                    status: None,
                    will_retry: false,
                    attempt: self.attempt,
                    delay_ms: None,
                },
            };
        }
        // [spec] The end of the body, clean or not, reestablishes the
        // connection.
        self.drop_connection(Phase::Body, now_ms, random)
    }

    /// The fetch rejected at `now_ms` before any response (DNS, refused,
    /// offline): reconnect (phase `connect`), as the spec's "reestablish the
    /// connection". Not for our own abort after [`close`](Self::close); see
    /// [`on_network_failure`](Self::on_network_failure) for the failures that do
    /// not reconnect.
    pub fn on_network_error(&mut self, now_ms: f64, random: f64) -> StreamVerdict {
        self.drop_connection(Phase::Connect, now_ms, random)
    }

    /// A fetch rejected, or its body errored, at `now_ms` (`phase` `connect` or
    /// `body`), for the reason `failure`: a [`NetworkFailure::Network`] reconnects like
    /// [`on_network_error`](Self::on_network_error) / [`on_stream_end`](Self::on_stream_end);
    /// the others fail the connection for good ([`CloseReason::Failed`]).
    pub fn on_network_failure(
        &mut self,
        failure: NetworkFailure,
        phase: Phase,
        now_ms: f64,
        random: f64,
    ) -> StreamVerdict {
        if failure == NetworkFailure::Network {
            return self.drop_connection(phase, now_ms, random);
        }
        if self.ready_state == ReadyState::Closed {
            return StreamVerdict::Ignored;
        }
        // [spec] "If res is an aborted network error, then fail the connection."
        // Otherwise a network error reestablishes the connection, "unless the user
        // agent knows that to be futile, in which case the user agent may fail the
        // connection": a scheme fetch never fetches, and a CORS failure (the server
        // answered and refused this origin), which Chromium and Firefox fail too.
        self.ready_state = ReadyState::Closed;
        self.pending_auth = None;
        self.opened_ms = None;
        StreamVerdict::Close {
            reason: CloseReason::Failed,
            error: ErrorInfo {
                phase,
                status: None,
                will_retry: false,
                attempt: self.attempt,
                delay_ms: None,
            },
        }
    }

    /// No bytes for the configured inactivity timeout (before or after the
    /// response), at `now_ms`: abort the fetch and treat it as a dropped
    /// connection (phase `timeout`; reconnects even in finite mode).
    pub fn on_inactivity_timeout(&mut self, now_ms: f64, random: f64) -> StreamVerdict {
        self.drop_connection(Phase::Timeout, now_ms, random)
    }

    /// The parser refused input beyond its limit: `readyState` becomes CLOSED
    /// and the source never reconnects (a server that sent this once would
    /// again). Returns the description for the one `error` event (phase
    /// `parse-limit`), or `None` if already closed.
    pub fn on_parse_limit(&mut self) -> Option<ErrorInfo> {
        if self.ready_state == ReadyState::Closed {
            return None;
        }
        self.ready_state = ReadyState::Closed;
        self.opened_ms = None;
        Some(ErrorInfo {
            phase: Phase::ParseLimit,
            status: None,
            will_retry: false,
            attempt: self.attempt,
            delay_ms: None,
        })
    }

    /// `close()`: `readyState` becomes CLOSED. Idempotent; returns `true` if it
    /// was not closed before. No `error` event.
    pub fn close(&mut self) -> bool {
        let was_open = self.ready_state != ReadyState::Closed;
        self.ready_state = ReadyState::Closed;
        self.pending_auth = None;
        self.opened_ms = None;
        was_open
    }

    /// Whether the glue should, instead of fetching, wait for the global
    /// scope's `online` event (then [`reconnect`](Self::reconnect) and fetch
    /// at once, skipping any remaining delay): the source is waiting to
    /// (re)connect and `online` (from `navigator.onLine`) is false. Waiting
    /// costs no retries.
    pub fn should_wait_for_online(&self, online: bool) -> bool {
        // [spec] "Reestablish the connection", step 3: the UA may wait for
        // the network to come back before retrying.
        !online && self.ready_state == ReadyState::Connecting
    }

    /// The delay a network error at `now_ms` would get (without scheduling
    /// anything), for display or tests. `random` in `[0, 1)` as for jitter.
    pub fn next_delay_ms(&self, now_ms: f64, random: f64) -> u64 {
        self.spaced(
            self.delay_for(self.retries.saturating_add(1), random),
            now_ms,
        )
    }

    // -- internals ----------------------------------------------------------

    /// Fails the connection for good.
    fn fail(&mut self, reason: FailReason, phase: Phase, status: u16) -> ResponseVerdict {
        // [spec] "Fail the connection": readyState CLOSED, fire `error`; once
        // failed, the user agent does not attempt to reconnect.
        self.ready_state = ReadyState::Closed;
        self.opened_ms = None;
        ResponseVerdict::Fail {
            reason,
            error: ErrorInfo {
                phase,
                status: Some(status),
                will_retry: false,
                attempt: self.attempt,
                delay_ms: None,
            },
        }
    }

    /// While OPEN: if the connection has been open [`HEALTHY_AFTER_MS`] by
    /// `now_ms`, it is healthy (the counters reset).
    fn check_open_time(&mut self, now_ms: f64) {
        let Some(opened) = self.opened_ms else {
            return;
        };
        // A non-finite time, or a clock that went backwards: not healthy.
        let open_ms = now_ms - opened;
        if self.ready_state == ReadyState::Open
            && open_ms.is_finite()
            && open_ms >= HEALTHY_AFTER_MS as f64
        {
            self.retries = 0;
            self.refreshes = 0;
        }
    }

    /// `delay` raised so that the next attempt starts at least
    /// [`MIN_ATTEMPT_INTERVAL_MS`] after the current one started.
    fn spaced(&self, delay: u64, now_ms: f64) -> u64 {
        // [spec] "Reestablish the connection", step 3: "Optionally, wait some
        // more", e.g. after a failed attempt. Without it, `retry: 0` and a
        // stream that ends at once would reconnect in a tight loop.
        let min = MIN_ATTEMPT_INTERVAL_MS as f64;
        let elapsed = self.attempt_started_ms.map_or(f64::NAN, |s| now_ms - s);
        let wait = if elapsed.is_finite() {
            // A clock that went backwards (elapsed < 0) waits `min`, no more.
            (min - elapsed).clamp(0.0, min)
        } else {
            min
        };
        // `as` saturates; `wait` is in [0, min].
        delay.max(wait.ceil() as u64)
    }

    /// Counts one more failure and schedules the next attempt: returns its
    /// delay before the attempt spacing, or `None` (and no change) when
    /// `max_retries` is exhausted.
    fn schedule_retry(&mut self, random: f64) -> Option<u64> {
        let n = self.retries.saturating_add(1);
        if self.policy.max_retries.is_some_and(|max| n > max) {
            return None;
        }
        self.retries = n;
        self.attempt = self.attempt.saturating_add(1);
        self.ready_state = ReadyState::Connecting;
        self.opened_ms = None;
        self.waiting = true;
        Some(self.delay_for(n, random))
    }

    /// A connection ended or could not be made: schedules the reconnect, or
    /// closes when `max_retries` is exhausted.
    fn drop_connection(&mut self, phase: Phase, now_ms: f64, random: f64) -> StreamVerdict {
        // [spec] "Reestablish the connection", step 1: if readyState is
        // CLOSED, abort; else set it to CONNECTING and fire `error`. Steps
        // 2-3: wait the reconnection time, optionally some more.
        if self.ready_state == ReadyState::Closed {
            return StreamVerdict::Ignored;
        }
        self.pending_auth = None;
        self.check_open_time(now_ms);
        let attempt = self.attempt;
        match self.schedule_retry(random) {
            Some(delay_ms) => {
                let delay_ms = self.spaced(delay_ms, now_ms);
                StreamVerdict::Reconnect {
                    delay_ms,
                    error: ErrorInfo {
                        phase,
                        status: None,
                        will_retry: true,
                        attempt,
                        delay_ms: Some(delay_ms),
                    },
                }
            }
            None => {
                self.ready_state = ReadyState::Closed;
                self.opened_ms = None;
                StreamVerdict::Close {
                    reason: CloseReason::RetriesExhausted,
                    error: ErrorInfo {
                        phase,
                        status: None,
                        will_retry: false,
                        attempt,
                        delay_ms: None,
                    },
                }
            }
        }
    }

    /// The delay for the `n`-th consecutive failure (`n >= 1`) before the
    /// attempt spacing; see [`ReconnectPolicy`].
    fn delay_for(&self, n: u32, random: f64) -> u64 {
        let policy = &self.policy;
        let multiplier = policy.effective_multiplier();
        let delay = if multiplier <= 1.0 {
            // [spec] Wait a delay equal to the reconnection time.
            self.reconnection_time_ms as f64
        } else {
            // [spec] "Optionally, wait some more": the backoff is a floor that
            // a server's `retry:` can raise but not lower.
            let base = self.reconnection_time_ms.max(policy.initial_delay_ms);
            let cap = policy.max_delay_ms.max(base) as f64;
            let base = base as f64;
            if base == 0.0 {
                0.0
            } else {
                let exponent = i32::try_from(n.saturating_sub(1)).unwrap_or(i32::MAX);
                (base * multiplier.powi(exponent)).min(cap)
            }
        };
        let jitter = policy.effective_jitter();
        let random = if random.is_nan() {
            0.5
        } else {
            random.clamp(0.0, 1.0)
        };
        let jittered = delay * (1.0 + jitter * (2.0 * random - 1.0));
        // `as` saturates (and maps NaN to 0); the value is >= 0 anyway.
        jittered.max(0.0).round() as u64
    }
}

#[cfg(test)]
mod tests;
