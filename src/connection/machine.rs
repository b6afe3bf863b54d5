//! A sans-I/O EventSource: one value that is told what happened (the source
//! started, a response head arrived, a body chunk, the end of the body, a
//! network failure, a wait is over, `close()`) and answers what to do next
//! (fetch this request, fire `open`, read on, wait this long, fire the final
//! `error`). It owns the [`Connection`] (ready state, reconnection time,
//! backoff) and the [`Parser`] (the last event ID), so nothing else stores
//! either; the I/O loop around it only performs [`Action`]s — the way
//! quinn-proto and rustls are driven.
//!
//! No JS value, no clock and no randomness inside: the loop passes the time
//! (`now_ms`, as in [`Connection`]) and a random number in `[0, 1)` with each
//! input. Events go to a [`Sink`] passed with each [`Input::Chunk`].
//!
//! The browser glue (`web/task.rs`) is one such loop: it performs each action
//! and reports what happened, holding no rule of its own.

use super::{
    last_event_id_header_value, url, CloseReason, Connection, ErrorInfo, NetworkFailure, Phase,
    ReadyState, ReconnectPolicy, ResponseVerdict, StreamVerdict,
};
use crate::parser::{Event, Parser, Sink};

/// What a source is made with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The URL the caller named, resolved.
    pub url: String,
    /// The origin of `url` (serialized, as the platform's URL parser gives it).
    pub origin: String,
    /// Failures and reconnections.
    pub policy: ReconnectPolicy,
    /// A cursor to start from: sent from the first request on.
    pub last_event_id: Option<String>,
    /// The query parameter that carries the last event ID instead of the
    /// `Last-Event-ID` header.
    pub last_event_id_param: Option<String>,
    /// The parser's buffer limit in bytes.
    pub max_event_size: usize,
    /// Whether requests carry something of the caller's beyond the spec's
    /// request (headers, a body, a custom fetch, cookies with `include`): then
    /// reconnections never go straight to an origin the caller did not name.
    pub carries_secrets: bool,
    /// Whether any URL scheme may be fetched (a caller's own fetch function);
    /// otherwise only `http(s)` (see [`url::is_fetchable`]).
    pub any_scheme: bool,
    /// `waitForOnline`: when a wait ends while offline, wait for `online`
    /// instead of fetching (waiting costs no retries).
    pub wait_for_online: bool,
}

/// A request to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Where: the named URL or a redirect's final URL, with the
    /// `last_event_id_param` query parameter when configured.
    pub url: String,
    /// The `Last-Event-ID` header value (already in byte-string form, see
    /// [`last_event_id_header_value`]), when one must be sent.
    pub last_event_id: Option<String>,
}

/// The head of a response.
#[derive(Debug, Clone, Copy)]
pub struct ResponseHead<'a> {
    /// The (final) HTTP status.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The `Retry-After` header.
    pub retry_after: Option<&'a str>,
    /// The final URL (after redirects).
    pub final_url: &'a str,
    /// The origin of `final_url`.
    pub final_origin: &'a str,
    /// Whether a redirect was followed.
    pub redirected: bool,
}

/// What happened.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// The source starts (once), or a wait it asked for is over
    /// ([`Action::Reconnect`]'s delay, [`Action::WaitForOnline`]).
    /// `offline`: whether the platform says it is offline right now.
    Go {
        /// `navigator.onLine === false`.
        offline: bool,
    },
    /// The response head of the current fetch.
    Response(ResponseHead<'a>),
    /// Bytes of the body.
    Chunk(&'a [u8]),
    /// The body ended: cleanly, or with an error.
    End {
        /// A clean end (`done`), not a read error.
        clean: bool,
    },
    /// The fetch or a body read failed this way.
    Failure(NetworkFailure),
    /// The inactivity timer fired (the loop aborted the fetch).
    InactivityTimeout,
    /// The `onAuthError` hook settled after [`Action::RefreshAuth`].
    AuthRefreshed {
        /// It resolved (true) or threw / rejected (false).
        ok: bool,
    },
    /// `close()`.
    Close,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Fetch this request, then report [`Input::Response`] or [`Input::Failure`].
    Fetch(Request),
    /// The source is OPEN: fire `open`, then read the body.
    Open,
    /// Read on (report the next [`Input::Chunk`] or [`Input::End`]).
    Read,
    /// Fire `error` (readyState CONNECTING), wait `delay_ms` (unless a listener
    /// closed the source), then report [`Input::Go`].
    Reconnect {
        /// The `error` event's details.
        error: ErrorInfo,
        /// The wait.
        delay_ms: u64,
    },
    /// Wait for the platform's `online` event, then report [`Input::Go`].
    WaitForOnline,
    /// 401/403 with an auth hook: fire `error`, wait `delay_ms`, call the hook
    /// with `status`, then report [`Input::AuthRefreshed`].
    RefreshAuth {
        /// The `error` event's details.
        error: ErrorInfo,
        /// The backoff before the hook runs.
        delay_ms: u64,
        /// The status the hook is told.
        status: u16,
    },
    /// The source is CLOSED by a failure or the end of a finite stream: fire
    /// the final `error`, release everything.
    Fail {
        /// The `error` event's details.
        error: ErrorInfo,
        /// Whether the stream merely finished (no failure for a consumer).
        finished: bool,
    },
    /// Nothing to do: the source is closed (or the input came out of turn).
    Stop,
}

/// The sans-I/O source (see the module docs).
#[derive(Debug)]
pub struct Machine {
    config: Config,
    connection: Connection,
    parser: Parser,
    /// Where the next fetch goes (see [`Input::Response`]'s redirect rule).
    fetch_url: String,
    /// The body of the current attempt is being read.
    reading: bool,
    /// The source waits for `online` (set by [`Action::WaitForOnline`]).
    waiting_online: bool,
}

/// Forwards events to the caller's sink and the `retry` field to the
/// connection, the one owner of the reconnection time.
struct Route<'a, S: ?Sized> {
    sink: &'a mut S,
    connection: &'a mut Connection,
    events: bool,
}

impl<S: Sink + ?Sized> Sink for Route<'_, S> {
    fn on_event(&mut self, event: Event<'_>) {
        self.events = true;
        self.sink.on_event(event);
    }
    fn on_retry(&mut self, millis: u64) {
        // [spec] "If the field value consists of only ASCII digits, then
        // interpret it as an integer in base ten, and set the event stream's
        // reconnection time to that integer."
        self.connection.on_retry_field(millis);
    }
    fn on_comment(&mut self, text: &str) {
        self.sink.on_comment(text);
    }
}

impl Machine {
    /// A source in CONNECTING, not started (report [`Input::Go`] to start).
    pub fn new(config: Config) -> Self {
        let mut parser = Parser::with_max_buffer(config.max_event_size);
        if let Some(id) = &config.last_event_id {
            parser.set_last_event_id(id);
        }
        Machine {
            connection: Connection::new(config.policy.clone()),
            fetch_url: config.url.clone(),
            config,
            parser,
            reading: false,
            waiting_online: false,
        }
    }

    /// The ready state.
    pub fn ready_state(&self) -> ReadyState {
        self.connection.ready_state()
    }

    /// The reconnection time in ms (initially the policy's, then `retry:`).
    pub fn reconnection_time_ms(&self) -> u64 {
        self.connection.reconnection_time_ms()
    }

    /// The last event ID string.
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// Discards data buffered for an event not dispatched yet (`reset()`).
    pub fn reset(&mut self) {
        self.parser.reset();
    }

    /// What the source was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// `close()`: CLOSED; every later input answers [`Action::Stop`].
    pub fn close(&mut self) {
        self.connection.close();
        self.reading = false;
    }

    /// A caller's byte stream instead of a fetch (`fromReadableStream`): starts
    /// the source and opens it at once ([`Action::Open`]; then report chunks and
    /// the end as for a response body), or [`Action::Stop`] when closed.
    pub fn open_stream(&mut self, now_ms: f64) -> Action {
        if self.connection.attempt() == 0
            && self.connection.start(now_ms)
            && self.connection.on_stream_open(now_ms)
        {
            self.reading = true;
            Action::Open
        } else {
            Action::Stop
        }
    }

    /// Once the source is done: drops the parser's buffers (a large event may
    /// have left megabytes) and returns the last event ID, which is empty from
    /// then on (the caller keeps it).
    pub fn release_buffers(&mut self) -> String {
        let id = self.parser.last_event_id().to_owned();
        self.parser = Parser::with_max_buffer(self.parser.max_buffer())
            .with_comments(self.parser.reports_comments());
        id
    }

    /// Reports comment lines to the sink ([`Sink::on_comment`]); off by default, when
    /// the parser skips them unread (non-standard: the `onComment` option).
    pub fn with_comments(mut self, on: bool) -> Self {
        self.parser.set_comments(on);
        self
    }

    /// Points the attempt that [`Input::Go`] just answered with [`Action::Fetch`] at
    /// `url` instead (non-standard: the `url` option, a caller's function that names
    /// every attempt's URL). Returns that attempt's request, built by the same rules as
    /// `Go`'s (`Last-Event-ID` or `last_event_id_param`), or `None` when fetch cannot
    /// use its scheme: then report [`Input::Failure`] with [`NetworkFailure::Scheme`].
    pub fn retarget(&mut self, url: String) -> Option<Request> {
        self.fetch_url = url;
        if !(self.config.any_scheme || url::is_fetchable(&self.fetch_url)) {
            return None;
        }
        Some(self.request())
    }

    /// The request of the attempt being started, to `fetch_url`.
    fn request(&self) -> Request {
        let url = &self.fetch_url;
        // [spec] Reestablishing the connection sends `Last-Event-ID` when the
        // last event ID string is not empty; a caller's seeded cursor is sent
        // from the first request on.
        let send_id = self.connection.is_reconnection() || self.config.last_event_id.is_some();
        let id = self.parser.last_event_id();
        match (&self.config.last_event_id_param, send_id) {
            (Some(name), true) if !id.is_empty() => Request {
                url: url::with_query_param(url, name, id),
                last_event_id: None,
            },
            (_, send_id) => Request {
                url: url.clone(),
                last_event_id: send_id.then(|| last_event_id_header_value(id)).flatten(),
            },
        }
    }

    /// The connection's counters and policy.
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Handles `input` at `now_ms` (`random` in `[0, 1)`, for jitter); events
    /// completed by a chunk go to `sink`.
    pub fn handle<S: Sink + ?Sized>(
        &mut self,
        input: Input<'_>,
        now_ms: f64,
        random: f64,
        sink: &mut S,
    ) -> Action {
        match input {
            Input::Go { offline } => self.go(offline, now_ms, random),
            Input::Response(head) => self.response(head, now_ms, random),
            Input::Chunk(bytes) => self.chunk(bytes, sink),
            Input::End { clean } => {
                self.reading = false;
                self.parser.finish();
                let verdict = self.connection.on_stream_end(clean, now_ms, random);
                self.stream_verdict(verdict)
            }
            // A body read that fails with a network error ends the stream
            // uncleanly (like a dropped connection).
            Input::Failure(NetworkFailure::Network) if self.reading => {
                self.reading = false;
                self.parser.finish();
                let verdict = self.connection.on_stream_end(false, now_ms, random);
                self.stream_verdict(verdict)
            }
            Input::Failure(failure) => {
                let phase = if self.reading {
                    Phase::Body
                } else {
                    Phase::Connect
                };
                self.reading = false;
                self.parser.finish();
                let verdict = self
                    .connection
                    .on_network_failure(failure, phase, now_ms, random);
                self.stream_verdict(verdict)
            }
            Input::InactivityTimeout => {
                self.reading = false;
                self.parser.finish();
                let verdict = self.connection.on_inactivity_timeout(now_ms, random);
                self.stream_verdict(verdict)
            }
            Input::AuthRefreshed { ok: true } => self.go(false, now_ms, random),
            Input::AuthRefreshed { ok: false } => match self.connection.fail_auth() {
                Some(error) => Action::Fail {
                    error,
                    finished: false,
                },
                None => Action::Stop,
            },
            Input::Close => {
                self.close();
                Action::Stop
            }
        }
    }

    /// Starts, or ends a wait: fetch (or wait for `online` first).
    fn go(&mut self, offline: bool, now_ms: f64, random: f64) -> Action {
        let started = if self.connection.attempt() == 0 {
            self.connection.start(now_ms)
        } else {
            // `waitForOnline`: while offline, wait for `online` rather than
            // spending attempts (the policy decides; see `Connection`).
            if self.config.wait_for_online
                && !self.waiting_online
                && self.connection.should_wait_for_online(!offline)
            {
                self.waiting_online = true;
                return Action::WaitForOnline;
            }
            self.waiting_online = false;
            self.connection.reconnect(now_ms)
        };
        if !started {
            return Action::Stop;
        }
        let url = &self.fetch_url;
        if !(self.config.any_scheme || url::is_fetchable(url)) {
            let verdict = self.connection.on_network_failure(
                NetworkFailure::Scheme,
                Phase::Connect,
                now_ms,
                random,
            );
            return self.stream_verdict(verdict);
        }
        Action::Fetch(self.request())
    }

    fn response(&mut self, head: ResponseHead<'_>, now_ms: f64, random: f64) -> Action {
        let verdict = self.connection.on_response(
            head.status,
            head.content_type,
            head.retry_after,
            now_ms,
            random,
        );
        match verdict {
            ResponseVerdict::Open => {}
            ResponseVerdict::Fail { error, .. } => {
                return Action::Fail {
                    error,
                    finished: false,
                }
            }
            ResponseVerdict::Retry { delay_ms, error } => {
                return Action::Reconnect { error, delay_ms }
            }
            ResponseVerdict::Refresh { delay_ms, error } => {
                return Action::RefreshAuth {
                    error,
                    delay_ms,
                    status: head.status,
                }
            }
            ResponseVerdict::Ignored => return Action::Stop,
        }
        // [spec] Reestablishing the connection reuses the request, whose current
        // URL is the final URL of a redirect. Rule of this package on top: with
        // something of the caller's on the request, reconnections go straight
        // only to the origin of the URL the caller named.
        if head.redirected && !head.final_url.is_empty() {
            self.fetch_url =
                if !self.config.carries_secrets || head.final_origin == self.config.origin {
                    head.final_url.to_owned()
                } else {
                    self.config.url.clone()
                };
        }
        self.reading = true;
        Action::Open
    }

    fn chunk<S: Sink + ?Sized>(&mut self, bytes: &[u8], sink: &mut S) -> Action {
        if !self.reading {
            return Action::Stop;
        }
        let mut route = Route {
            sink,
            connection: &mut self.connection,
            events: false,
        };
        let fed = self.parser.feed(bytes, &mut route);
        if route.events {
            // A delivered event makes the connection healthy (resets the backoff).
            self.connection.on_event();
        }
        if fed.is_err() {
            self.reading = false;
            return match self.connection.on_parse_limit() {
                Some(error) => Action::Fail {
                    error,
                    finished: false,
                },
                None => Action::Stop,
            };
        }
        Action::Read
    }

    fn stream_verdict(&mut self, verdict: StreamVerdict) -> Action {
        match verdict {
            StreamVerdict::Reconnect { delay_ms, error } => Action::Reconnect { error, delay_ms },
            StreamVerdict::Close { error, reason } => Action::Fail {
                error,
                finished: reason == CloseReason::Finished,
            },
            StreamVerdict::Ignored => Action::Stop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::Item;

    fn config() -> Config {
        Config {
            url: "http://a.test/sse".to_owned(),
            origin: "http://a.test".to_owned(),
            policy: ReconnectPolicy::default(),
            last_event_id: None,
            last_event_id_param: None,
            max_event_size: 1 << 20,
            carries_secrets: false,
            any_scheme: false,
            wait_for_online: true,
        }
    }

    fn ok_head<'a>(
        final_url: &'a str,
        final_origin: &'a str,
        redirected: bool,
    ) -> ResponseHead<'a> {
        ResponseHead {
            status: 200,
            content_type: Some("text/event-stream"),
            retry_after: None,
            final_url,
            final_origin,
            redirected,
        }
    }

    /// Drives `m` with `input` at time 0 with no jitter, collecting events.
    fn step(m: &mut Machine, input: Input<'_>, items: &mut Vec<Item>) -> Action {
        m.handle(input, 0.0, 0.0, items)
    }

    fn fetch(url: &str, id: Option<&str>) -> Action {
        Action::Fetch(Request {
            url: url.to_owned(),
            last_event_id: id.map(str::to_owned),
        })
    }

    #[test]
    fn a_stream_opens_delivers_and_reconnects_with_the_last_event_id() {
        let (mut m, mut items) = (Machine::new(config()), Vec::new());
        let go = Input::Go { offline: false };
        assert_eq!(
            step(&mut m, go, &mut items),
            fetch("http://a.test/sse", None)
        );
        let head = ok_head("http://a.test/sse", "http://a.test", false);
        assert_eq!(
            step(&mut m, Input::Response(head), &mut items),
            Action::Open
        );
        assert_eq!(m.ready_state(), ReadyState::Open);
        let chunk = Input::Chunk(b"retry: 1500\nid: 7\ndata: hi\n\n");
        assert_eq!(step(&mut m, chunk, &mut items), Action::Read);
        assert_eq!(items.len(), 1);
        // One owner of the reconnection time: the connection, fed by the parser.
        assert_eq!(m.reconnection_time_ms(), 1500);
        let Action::Reconnect { delay_ms, error } =
            step(&mut m, Input::End { clean: true }, &mut items)
        else {
            panic!("a clean end reconnects");
        };
        assert_eq!((delay_ms, error.will_retry), (1500, true));
        assert_eq!(m.ready_state(), ReadyState::Connecting);
        assert_eq!(
            step(&mut m, go, &mut items),
            fetch("http://a.test/sse", Some("7"))
        );
    }

    #[test]
    fn a_non_200_status_and_a_wrong_type_fail() {
        for (status, content_type) in [(204, Some("text/event-stream")), (200, Some("text/html"))] {
            let (mut m, mut items) = (Machine::new(config()), Vec::new());
            step(&mut m, Input::Go { offline: false }, &mut items);
            let head = ResponseHead {
                status,
                content_type,
                ..ok_head("http://a.test/sse", "http://a.test", false)
            };
            let action = step(&mut m, Input::Response(head), &mut items);
            assert!(
                matches!(
                    action,
                    Action::Fail {
                        finished: false,
                        ..
                    }
                ),
                "{status}: {action:?}"
            );
            assert_eq!(m.ready_state(), ReadyState::Closed);
            assert_eq!(
                step(&mut m, Input::Go { offline: false }, &mut items),
                Action::Stop
            );
        }
    }

    #[test]
    fn redirects_keep_secrets_on_the_named_origin() {
        for (secrets, expected) in [(false, "http://b.test/x"), (true, "http://a.test/sse")] {
            let mut m = Machine::new(Config {
                carries_secrets: secrets,
                ..config()
            });
            let mut items = Vec::new();
            step(&mut m, Input::Go { offline: false }, &mut items);
            let head = ok_head("http://b.test/x", "http://b.test", true);
            step(&mut m, Input::Response(head), &mut items);
            step(&mut m, Input::End { clean: true }, &mut items);
            assert_eq!(
                step(&mut m, Input::Go { offline: false }, &mut items),
                fetch(expected, None)
            );
        }
    }

    #[test]
    fn the_id_goes_in_the_query_with_last_event_id_param() {
        let mut m = Machine::new(Config {
            last_event_id: Some("5".to_owned()),
            last_event_id_param: Some("cursor".to_owned()),
            ..config()
        });
        let action = step(&mut m, Input::Go { offline: false }, &mut Vec::new());
        assert_eq!(action, fetch("http://a.test/sse?cursor=5", None));
    }

    #[test]
    fn a_non_http_scheme_fails_before_any_fetch() {
        let mut m = Machine::new(Config {
            url: "ftp://a.test/".to_owned(),
            ..config()
        });
        let action = step(&mut m, Input::Go { offline: false }, &mut Vec::new());
        assert!(
            matches!(
                action,
                Action::Fail {
                    finished: false,
                    ..
                }
            ),
            "{action:?}"
        );
        assert_eq!(m.ready_state(), ReadyState::Closed);
    }

    #[test]
    fn offline_waits_for_online_before_reconnecting() {
        let (mut m, mut items) = (Machine::new(config()), Vec::new());
        step(&mut m, Input::Go { offline: false }, &mut items);
        step(&mut m, Input::Failure(NetworkFailure::Network), &mut items);
        assert_eq!(
            step(&mut m, Input::Go { offline: true }, &mut items),
            Action::WaitForOnline
        );
        let retries = m.connection().retries();
        assert_eq!(
            step(&mut m, Input::Go { offline: false }, &mut items),
            fetch("http://a.test/sse", None)
        );
        assert_eq!(m.connection().retries(), retries, "waiting costs no retry");
    }

    #[test]
    fn the_event_size_limit_fails_the_source() {
        let mut m = Machine::new(Config {
            max_event_size: 8,
            ..config()
        });
        let mut items = Vec::new();
        step(&mut m, Input::Go { offline: false }, &mut items);
        let head = ok_head("http://a.test/sse", "http://a.test", false);
        step(&mut m, Input::Response(head), &mut items);
        let action = step(
            &mut m,
            Input::Chunk(b"data: 0123456789abcdef\n"),
            &mut items,
        );
        assert!(matches!(action, Action::Fail { .. }), "{action:?}");
        assert_eq!(m.ready_state(), ReadyState::Closed);
    }

    #[test]
    fn close_stops_everything() {
        let (mut m, mut items) = (Machine::new(config()), Vec::new());
        step(&mut m, Input::Go { offline: false }, &mut items);
        assert_eq!(step(&mut m, Input::Close, &mut items), Action::Stop);
        let head = ok_head("http://a.test/sse", "http://a.test", false);
        assert_eq!(
            step(&mut m, Input::Response(head), &mut items),
            Action::Stop
        );
        assert_eq!(
            step(&mut m, Input::Chunk(b"data: x\n\n"), &mut items),
            Action::Stop
        );
        assert!(items.is_empty());
        assert_eq!(m.ready_state(), ReadyState::Closed);
    }

    #[test]
    fn a_finite_stream_finishes_on_a_clean_end() {
        let mut m = Machine::new(Config {
            policy: ReconnectPolicy {
                finite: true,
                ..ReconnectPolicy::default()
            },
            ..config()
        });
        let mut items = Vec::new();
        step(&mut m, Input::Go { offline: false }, &mut items);
        let head = ok_head("http://a.test/sse", "http://a.test", false);
        step(&mut m, Input::Response(head), &mut items);
        let action = step(&mut m, Input::End { clean: true }, &mut items);
        assert!(
            matches!(action, Action::Fail { finished: true, .. }),
            "{action:?}"
        );
    }

    #[test]
    fn an_auth_hook_refreshes_then_reconnects_or_fails() {
        for ok in [true, false] {
            let mut m = Machine::new(Config {
                policy: ReconnectPolicy {
                    auth_refresh: true,
                    ..ReconnectPolicy::default()
                },
                ..config()
            });
            let mut items = Vec::new();
            step(&mut m, Input::Go { offline: false }, &mut items);
            let head = ResponseHead {
                status: 401,
                ..ok_head("http://a.test/sse", "http://a.test", false)
            };
            let action = step(&mut m, Input::Response(head), &mut items);
            assert!(
                matches!(action, Action::RefreshAuth { status: 401, .. }),
                "{action:?}"
            );
            let action = step(&mut m, Input::AuthRefreshed { ok }, &mut items);
            if ok {
                assert_eq!(action, fetch("http://a.test/sse", None));
            } else {
                assert!(matches!(action, Action::Fail { .. }), "{action:?}");
                assert_eq!(m.ready_state(), ReadyState::Closed);
            }
        }
    }

    #[test]
    fn a_retry_status_waits_for_retry_after() {
        let mut m = Machine::new(Config {
            policy: ReconnectPolicy {
                retry_statuses: vec![503],
                ..ReconnectPolicy::default()
            },
            ..config()
        });
        let mut items = Vec::new();
        step(&mut m, Input::Go { offline: false }, &mut items);
        let head = ResponseHead {
            status: 503,
            retry_after: Some("7"),
            ..ok_head("http://a.test/sse", "http://a.test", false)
        };
        let action = step(&mut m, Input::Response(head), &mut items);
        assert!(
            matches!(action, Action::Reconnect { delay_ms: 7000, .. }),
            "{action:?}"
        );
        assert_eq!(m.ready_state(), ReadyState::Connecting);
    }

    #[test]
    fn a_caller_stream_opens_at_once_and_its_end_finishes_the_source() {
        let mut m = Machine::new(Config {
            policy: ReconnectPolicy::no_reconnect(),
            last_event_id: Some("4".to_owned()),
            ..config()
        });
        let mut items = Vec::new();
        assert_eq!(m.open_stream(0.0), Action::Open);
        assert_eq!(m.ready_state(), ReadyState::Open);
        // Once only.
        assert_eq!(m.open_stream(0.0), Action::Stop);
        let chunk = Input::Chunk(b"id: 5\ndata: a\n\n");
        assert_eq!(step(&mut m, chunk, &mut items), Action::Read);
        assert_eq!(items.len(), 1);
        let action = step(&mut m, Input::End { clean: true }, &mut items);
        assert!(
            matches!(action, Action::Fail { finished: true, .. }),
            "{action:?}"
        );
        assert_eq!(m.ready_state(), ReadyState::Closed);
        assert_eq!(m.release_buffers(), "5");
        assert_eq!(m.last_event_id(), "");
    }

    #[test]
    fn after_close_every_input_stops() {
        let (mut m, mut items) = (Machine::new(config()), Vec::new());
        step(&mut m, Input::Go { offline: false }, &mut items);
        let head = ok_head("http://a.test/sse", "http://a.test", false);
        step(&mut m, Input::Response(head), &mut items);
        m.close();
        assert_eq!(m.ready_state(), ReadyState::Closed);
        assert_eq!(m.open_stream(0.0), Action::Stop);
        for input in [
            Input::Chunk(b"data: late\n\n"),
            Input::End { clean: true },
            Input::Failure(NetworkFailure::Network),
            Input::InactivityTimeout,
            Input::Go { offline: false },
        ] {
            assert_eq!(step(&mut m, input, &mut items), Action::Stop, "{input:?}");
        }
        assert!(items.is_empty());
    }

    #[test]
    fn comments_reach_the_sink_only_when_asked_and_never_heal_the_connection() {
        for on in [false, true] {
            let mut m = Machine::new(config()).with_comments(on);
            let mut items = Vec::new();
            step(&mut m, Input::Go { offline: false }, &mut items);
            let head = ok_head("http://a.test/sse", "http://a.test", false);
            step(&mut m, Input::Response(head), &mut items);
            let chunk = Input::Chunk(b": hello\n:\n");
            assert_eq!(step(&mut m, chunk, &mut items), Action::Read);
            let expected = if on {
                vec![Item::Comment("hello".into()), Item::Comment(String::new())]
            } else {
                vec![]
            };
            assert_eq!(items, expected);
            // Released buffers keep the setting.
            m.release_buffers();
            assert_eq!(m.parser.reports_comments(), on);
        }
    }

    #[test]
    fn a_retargeted_attempt_keeps_the_cursor_rules_and_the_scheme_check() {
        let mut cfg = config();
        cfg.last_event_id = Some("7".to_owned());
        let (mut m, mut items) = (Machine::new(cfg), Vec::new());
        step(&mut m, Input::Go { offline: false }, &mut items);
        assert_eq!(
            m.retarget("http://a.test/sse?token=t1".to_owned()),
            Some(Request {
                url: "http://a.test/sse?token=t1".to_owned(),
                last_event_id: Some("7".to_owned()),
            })
        );
        let mut cfg = config();
        cfg.last_event_id = Some("7".to_owned());
        cfg.last_event_id_param = Some("since".to_owned());
        let mut m = Machine::new(cfg);
        step(&mut m, Input::Go { offline: false }, &mut items);
        let request = m.retarget("http://a.test/sse?token=t2".to_owned());
        assert_eq!(
            request.map(|r| (r.url, r.last_event_id)),
            Some(("http://a.test/sse?token=t2&since=7".to_owned(), None))
        );
        assert_eq!(m.retarget("ftp://a.test/x".to_owned()), None);
        // The failure the glue then reports closes the source.
        let failure = Input::Failure(NetworkFailure::Scheme);
        assert!(matches!(
            step(&mut m, failure, &mut items),
            Action::Fail { .. }
        ));
        assert_eq!(m.ready_state(), ReadyState::Closed);
    }
}
