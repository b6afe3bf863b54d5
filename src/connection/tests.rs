//! Unit tests of the connection state machine.

use super::*;

const ES: Option<&str> = Some("text/event-stream");
/// 2026-01-01T00:00:00Z in Unix epoch ms.
const NOW: f64 = 1_767_225_600_000.0;
/// When [`started`] starts the first attempt: a second before [`NOW`], so that
/// facts at [`NOW`] come well after the attempt started (no attempt spacing)
/// and well before a connection opened at [`NOW`] counts as healthy by time.
const START: f64 = NOW - 1000.0;

fn started(policy: ReconnectPolicy) -> Connection {
    let mut c = Connection::new(policy);
    assert!(c.start(START));
    c
}

fn native() -> Connection {
    started(ReconnectPolicy::default())
}

fn open(c: &mut Connection) {
    assert_eq!(
        c.on_response(200, ES, None, NOW, 0.5),
        ResponseVerdict::Open
    );
    assert_eq!(c.ready_state(), ReadyState::Open);
}

fn reconnect_delay(v: StreamVerdict) -> u64 {
    match v {
        StreamVerdict::Reconnect { delay_ms, error } => {
            assert!(error.will_retry);
            assert_eq!(error.delay_ms, Some(delay_ms));
            delay_ms
        }
        other => panic!("expected Reconnect, got {other:?}"),
    }
}

fn backoff(initial: u64, max: u64, multiplier: f64) -> ReconnectPolicy {
    ReconnectPolicy {
        initial_delay_ms: initial,
        max_delay_ms: max,
        multiplier,
        ..ReconnectPolicy::default()
    }
}

// ---------------------------------------------------------------------------
// Ready state, phases, policy defaults
// ---------------------------------------------------------------------------

#[test]
fn ready_state_values() {
    assert_eq!(ReadyState::Connecting.as_u16(), 0);
    assert_eq!(ReadyState::Open.as_u16(), 1);
    assert_eq!(ReadyState::Closed.as_u16(), 2);
}

#[test]
fn phase_names() {
    let all = [
        (Phase::Connect, "connect"),
        (Phase::Response, "response"),
        (Phase::ContentType, "content-type"),
        (Phase::Body, "body"),
        (Phase::ParseLimit, "parse-limit"),
        (Phase::Timeout, "timeout"),
        (Phase::Auth, "auth"),
    ];
    for (phase, name) in all {
        assert_eq!(phase.as_str(), name);
        assert_eq!(phase.to_string(), name);
    }
}

#[test]
fn default_policy_is_native() {
    let p = ReconnectPolicy::default();
    assert_eq!(p.initial_delay_ms, 3000);
    assert_eq!(p.initial_delay_ms, DEFAULT_RECONNECTION_TIME_MS);
    assert_eq!(p.multiplier, 1.0);
    assert_eq!(p.jitter, 0.0);
    assert_eq!(p.max_retries, None);
    assert!(p.retry_statuses.is_empty());
    assert!(!p.finite);
    assert!(!p.auth_refresh);
    assert!(!p.backoff_enabled());
    assert_eq!(p.max_delay_ms, 30_000);
    assert_eq!(p.retry_after_cap_ms, 60_000);
    assert_eq!(p.max_auth_refreshes, 2);
}

#[test]
fn new_connection_state() {
    let c = Connection::default();
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    assert_eq!(c.reconnection_time_ms(), 3000);
    assert_eq!(c.attempt(), 0);
    assert_eq!(c.retries(), 0);
    assert!(!c.is_reconnection());
    let c = Connection::new(ReconnectPolicy {
        initial_delay_ms: 1234,
        ..ReconnectPolicy::default()
    });
    assert_eq!(c.reconnection_time_ms(), 1234);
    assert_eq!(c.policy().initial_delay_ms, 1234);
}

#[test]
fn start_once() {
    let mut c = Connection::default();
    assert!(c.start(START));
    assert_eq!(c.attempt(), 1);
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    assert!(!c.is_reconnection());
    assert!(!c.start(START));
    assert_eq!(c.attempt(), 1);
    let mut closed = Connection::default();
    closed.close();
    assert!(!closed.start(START));
    assert_eq!(closed.attempt(), 0);
}

// ---------------------------------------------------------------------------
// MIME
// ---------------------------------------------------------------------------

#[test]
fn event_stream_types_accepted() {
    for ct in [
        "text/event-stream",
        "TEXT/EVENT-STREAM",
        "Text/Event-Stream",
        "text/event-stream;",
        "text/event-stream;charset=utf-8",
        "text/event-stream; charset=UTF-8",
        "text/event-stream ; charset=utf-8",
        "text/event-stream;charset=windows-1252",
        "text/event-stream;;;",
        "text/event-stream; a=\"b;c,d\"",
        "text/event-stream;bogus",
        " text/event-stream",
        "text/event-stream ",
        "\ttext/event-stream\t",
        "\r\n text/event-stream \r\n",
        "text/plain, text/event-stream",
        "text/event-stream, */*",
        "text/event-stream, nonsense",
    ] {
        assert!(is_event_stream(Some(ct)), "{ct:?} should match");
    }
}

#[test]
fn other_types_rejected() {
    for ct in [
        "",
        " ",
        "text/event-streamx",
        "text/event-stream2",
        "text/event-stream-foobar",
        "text/event_stream",
        "text/eventstream",
        "text/plain",
        "text/html",
        "text/x-bogus",
        "x bogus",
        "text",
        "event-stream",
        "text/",
        "/event-stream",
        "text /event-stream",
        "text/ event-stream",
        "te xt/event-stream",
        "text/event stream",
        "text/event-stream/x",
        "text\\/event-stream",
        "\"text/event-stream\"",
        "text/\"event-stream\"",
        "text/event-stream\u{a0}",
        "\u{feff}text/event-stream",
        "text/event\u{2013}stream",
        "application/event-stream",
        "text/*",
        "*/*",
        "text/event-stream, text/plain",
        "text/plain; a=\"x,text/event-stream\"",
        "text/event-stream\0",
    ] {
        assert!(!is_event_stream(Some(ct)), "{ct:?} should not match");
    }
    assert!(!is_event_stream(None));
}

#[test]
fn mime_essence_for_diagnostics() {
    assert_eq!(
        mime_essence("Text/HTML; charset=utf-8").as_deref(),
        Some("text/html")
    );
    assert_eq!(
        mime_essence("text/event-stream").as_deref(),
        Some(EVENT_STREAM_MIME)
    );
    assert_eq!(mime_essence("nonsense"), None);
    assert_eq!(mime_essence(""), None);
}

// ---------------------------------------------------------------------------
// Last-Event-ID
// ---------------------------------------------------------------------------

#[test]
fn last_event_id_encoding() {
    assert_eq!(last_event_id_header_value(""), None);
    assert_eq!(last_event_id_header_value("42").as_deref(), Some("42"));
    assert_eq!(
        last_event_id_header_value("é").as_deref(),
        Some("\u{c3}\u{a9}")
    );
    assert_eq!(
        last_event_id_header_value("\u{ff}").as_deref(),
        Some("\u{c3}\u{bf}")
    );
    assert_eq!(
        last_event_id_header_value("a😀").as_deref(),
        Some("a\u{f0}\u{9f}\u{98}\u{80}")
    );
    assert_eq!(
        last_event_id_header_value(" spaced id ").as_deref(),
        Some(" spaced id ")
    );
    for bad in ["a\rb", "a\nb", "a\0b", "\r", "\n", "\0"] {
        assert_eq!(last_event_id_header_value(bad), None, "{bad:?}");
    }
    // Every char of the result is a byte: a valid ByteString.
    let value = last_event_id_header_value("日本語-ü-\u{10ffff}").unwrap_or_default();
    assert!(value.chars().all(|c| u32::from(c) <= 0xff));
    let bytes: Vec<u8> = value.chars().map(|c| u32::from(c) as u8).collect();
    assert_eq!(bytes, "日本語-ü-\u{10ffff}".as_bytes());
}

// ---------------------------------------------------------------------------
// Native behaviour
// ---------------------------------------------------------------------------

#[test]
fn native_open() {
    let mut c = native();
    assert_eq!(
        c.on_response(
            200,
            Some("text/event-stream; charset=utf-8"),
            None,
            NOW,
            0.5
        ),
        ResponseVerdict::Open
    );
    assert_eq!(c.ready_state(), ReadyState::Open);
    assert_eq!(ResponseVerdict::Open.error(), None);
}

#[test]
fn native_non_200_fails() {
    for status in [
        100, 201, 202, 204, 205, 206, 210, 299, 301, 304, 400, 401, 403, 404, 410, 429, 500, 502,
        503, 504, 599,
    ] {
        let mut c = native();
        let v = c.on_response(status, ES, Some("1"), NOW, 0.5);
        let expected_error = ErrorInfo {
            phase: Phase::Response,
            status: Some(status),
            will_retry: false,
            attempt: 1,
            delay_ms: None,
        };
        assert_eq!(
            v,
            ResponseVerdict::Fail {
                reason: FailReason::Status(status),
                error: expected_error,
            },
            "status {status}"
        );
        assert_eq!(v.error(), Some(&expected_error));
        assert_eq!(c.ready_state(), ReadyState::Closed);
        // Nothing reconnects after a failure.
        assert_eq!(c.on_stream_end(true, NOW, 0.5), StreamVerdict::Ignored);
        assert_eq!(c.on_network_error(NOW, 0.5), StreamVerdict::Ignored);
        assert_eq!(c.ready_state(), ReadyState::Closed);
    }
}

#[test]
fn native_wrong_type_fails() {
    for ct in [
        None,
        Some(""),
        Some("text/plain"),
        Some("text/event-streamx"),
    ] {
        let mut c = native();
        let v = c.on_response(200, ct, None, NOW, 0.5);
        assert_eq!(
            v,
            ResponseVerdict::Fail {
                reason: FailReason::ContentType,
                error: ErrorInfo {
                    phase: Phase::ContentType,
                    status: Some(200),
                    will_retry: false,
                    attempt: 1,
                    delay_ms: None,
                },
            },
            "{ct:?}"
        );
        assert_eq!(c.ready_state(), ReadyState::Closed);
    }
}

#[test]
fn native_clean_end_reconnects_after_3000() {
    let mut c = native();
    open(&mut c);
    c.on_event();
    let v = c.on_stream_end(true, NOW, 0.5);
    assert_eq!(
        v,
        StreamVerdict::Reconnect {
            delay_ms: 3000,
            error: ErrorInfo {
                phase: Phase::Body,
                status: None,
                will_retry: true,
                attempt: 1,
                delay_ms: Some(3000),
            },
        }
    );
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    assert_eq!(c.attempt(), 2);
    assert!(c.is_reconnection());
    assert_eq!(c.retries(), 1);
}

#[test]
fn native_error_end_and_network_error_reconnect() {
    let mut c = native();
    open(&mut c);
    c.on_event();
    assert_eq!(reconnect_delay(c.on_stream_end(false, NOW, 0.5)), 3000);
    let v = c.on_network_error(NOW, 0.5);
    assert_eq!(v.error().map(|e| e.phase), Some(Phase::Connect));
    assert_eq!(v.error().map(|e| e.attempt), Some(2));
    assert_eq!(reconnect_delay(v), 3000);
    assert_eq!(c.attempt(), 3);
}

#[test]
fn native_never_gives_up_and_never_backs_off() {
    let mut c = native();
    for i in 0..10_000u32 {
        assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.999)), 3000);
        assert_eq!(c.attempt(), i + 2);
    }
    assert_eq!(c.retries(), 10_000);
    // A server that answers 200 then hangs up at once, forever: same.
    let mut c = native();
    for _ in 0..100 {
        open(&mut c);
        assert_eq!(reconnect_delay(c.on_stream_end(true, NOW, 0.0)), 3000);
    }
}

#[test]
fn retry_field_sets_the_delay() {
    let mut c = native();
    open(&mut c);
    c.on_retry_field(500);
    assert_eq!(c.reconnection_time_ms(), 500);
    assert_eq!(reconnect_delay(c.on_stream_end(true, NOW, 0.5)), 500);
    // Persists across reconnects.
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 500);
    open(&mut c);
    c.on_retry_field(0);
    assert_eq!(reconnect_delay(c.on_stream_end(true, NOW, 0.5)), 0);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 0);
    // Large values are taken as is (no cap without backoff).
    c.on_retry_field(3_600_000);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 3_600_000);
    c.on_retry_field(u64::MAX);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), u64::MAX);
}

#[test]
fn retry_field_recorded_even_when_closed() {
    let mut c = native();
    c.close();
    c.on_retry_field(10);
    assert_eq!(c.reconnection_time_ms(), 10);
}

// ---------------------------------------------------------------------------
// Backoff and jitter
// ---------------------------------------------------------------------------

#[test]
fn backoff_grows_and_caps() {
    let mut c = started(backoff(1000, 10_000, 2.0));
    assert!(c.policy().backoff_enabled());
    let delays: Vec<u64> = (0..7)
        .map(|_| reconnect_delay(c.on_network_error(NOW, 0.5)))
        .collect();
    assert_eq!(delays, [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
}

#[test]
fn backoff_with_fractional_multiplier() {
    let mut c = started(backoff(1000, 5000, 1.5));
    let delays: Vec<u64> = (0..6)
        .map(|_| reconnect_delay(c.on_network_error(NOW, 0.5)))
        .collect();
    assert_eq!(delays, [1000, 1500, 2250, 3375, 5000, 5000]);
}

#[test]
fn backoff_grows_from_a_longer_retry_field() {
    let mut c = started(backoff(1000, 10_000, 2.0));
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 1000);
    open(&mut c);
    c.on_retry_field(1500);
    // Not healthy yet (no event): n = 2, growing from the server's 1500.
    assert_eq!(reconnect_delay(c.on_stream_end(true, NOW, 0.5)), 3000);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 6000);
}

#[test]
fn a_shorter_retry_field_cannot_shorten_the_backoff() {
    for retry in [0, 1, 300, 999] {
        let mut c = started(backoff(1000, 10_000, 2.0));
        assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 1000);
        open(&mut c);
        c.on_retry_field(retry);
        assert_eq!(
            c.reconnection_time_ms(),
            retry,
            "the getter still reports it"
        );
        let delays: Vec<u64> = std::iter::once(c.on_stream_end(true, NOW, 0.5))
            .chain((0..4).map(|_| c.on_network_error(NOW, 0.5)))
            .map(reconnect_delay)
            .collect();
        assert_eq!(delays, [2000, 4000, 8000, 10_000, 10_000], "retry: {retry}");
    }
}

#[test]
fn backoff_cap_never_shortens_the_server_retry() {
    let mut c = started(backoff(1000, 30_000, 2.0));
    open(&mut c);
    c.on_retry_field(60_000);
    assert_eq!(reconnect_delay(c.on_stream_end(true, NOW, 0.5)), 60_000);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 60_000);
}

#[test]
fn backoff_after_retry_zero() {
    let mut c = started(backoff(3000, 20_000, 2.0));
    open(&mut c);
    c.on_retry_field(0);
    c.on_event();
    let delays: Vec<u64> = std::iter::once(c.on_stream_end(true, NOW, 0.5))
        .chain((0..5).map(|_| c.on_network_error(NOW, 0.5)))
        .map(reconnect_delay)
        .collect();
    // `retry: 0` does not shorten the configured backoff.
    assert_eq!(delays, [3000, 6000, 12_000, 20_000, 20_000, 20_000]);
    // A healthy connection starts over at the initial delay.
    open(&mut c);
    c.on_event();
    assert_eq!(reconnect_delay(c.on_stream_end(true, NOW, 0.5)), 3000);
    // A zero initial delay is the caller's choice: only the spacing remains.
    let mut c = started(backoff(0, 20_000, 2.0));
    for _ in 0..5 {
        assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 0);
    }
}

#[test]
fn backoff_huge_counts_saturate_at_cap() {
    let mut c = started(backoff(1000, 10_000, 10.0));
    for _ in 0..2000 {
        assert!(reconnect_delay(c.on_network_error(NOW, 0.5)) <= 10_000);
    }
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 10_000);
    let mut c = started(backoff(1000, 10_000, f64::INFINITY));
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 1000);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 10_000);
}

#[test]
fn bogus_multipliers_mean_constant() {
    for m in [f64::NAN, 0.0, 0.5, -2.0, 1.0, f64::NEG_INFINITY] {
        let mut c = started(backoff(1000, 10_000, m));
        assert!(!c.policy().backoff_enabled(), "{m}");
        for _ in 0..5 {
            assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 1000, "{m}");
        }
    }
}

#[test]
fn jitter_bounds() {
    let policy = ReconnectPolicy {
        initial_delay_ms: 1000,
        jitter: 0.5,
        ..ReconnectPolicy::default()
    };
    let mut c = started(policy.clone());
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.0)), 500);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.999)), 1499);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 1000);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.25)), 750);
    // Out-of-range randomness is clamped; NaN means no spread.
    assert_eq!(reconnect_delay(c.on_network_error(NOW, -3.0)), 500);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 7.0)), 1500);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, f64::NAN)), 1000);
    // Jitter on top of a capped backoff.
    let mut c = started(ReconnectPolicy {
        multiplier: 2.0,
        max_delay_ms: 4000,
        ..policy
    });
    let lows: Vec<u64> = (0..4)
        .map(|_| reconnect_delay(c.on_network_error(NOW, 0.0)))
        .collect();
    assert_eq!(lows, [500, 1000, 2000, 2000]);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.999)), 5996);
}

#[test]
fn jitter_ratio_is_clamped() {
    let mk = |jitter| {
        started(ReconnectPolicy {
            initial_delay_ms: 1000,
            jitter,
            ..ReconnectPolicy::default()
        })
    };
    assert_eq!(reconnect_delay(mk(2.0).on_network_error(NOW, 0.0)), 0);
    assert_eq!(reconnect_delay(mk(2.0).on_network_error(NOW, 0.999)), 1998);
    assert_eq!(reconnect_delay(mk(-1.0).on_network_error(NOW, 0.0)), 1000);
    assert_eq!(
        reconnect_delay(mk(f64::NAN).on_network_error(NOW, 0.0)),
        1000
    );
    assert_eq!(
        reconnect_delay(mk(f64::INFINITY).on_network_error(NOW, 0.0)),
        0
    );
}

#[test]
fn jitter_sweep_stays_in_bounds() {
    let jitter = 0.3;
    let mut c = started(ReconnectPolicy {
        initial_delay_ms: 10_000,
        jitter,
        ..ReconnectPolicy::default()
    });
    for i in 0..1000 {
        let random = f64::from(i) / 1000.0;
        let d = reconnect_delay(c.on_network_error(NOW, random));
        assert!((7000..=13_000).contains(&d), "random {random} → {d}");
    }
}

#[test]
fn next_delay_preview() {
    let mut c = started(backoff(1000, 10_000, 2.0));
    assert_eq!(c.next_delay_ms(NOW, 0.5), 1000);
    assert_eq!(c.retries(), 0);
    c.on_network_error(NOW, 0.5);
    assert_eq!(c.next_delay_ms(NOW, 0.5), 2000);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 2000);
}

// ---------------------------------------------------------------------------
// Max retries and the healthy reset
// ---------------------------------------------------------------------------

#[test]
fn max_retries_closes() {
    let mut c = started(ReconnectPolicy {
        max_retries: Some(2),
        ..ReconnectPolicy::default()
    });
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 3000);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 3000);
    let v = c.on_network_error(NOW, 0.5);
    assert_eq!(
        v,
        StreamVerdict::Close {
            reason: CloseReason::RetriesExhausted,
            error: ErrorInfo {
                phase: Phase::Connect,
                status: None,
                will_retry: false,
                attempt: 3,
                delay_ms: None,
            },
        }
    );
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!(c.attempt(), 3);
    assert_eq!(c.on_network_error(NOW, 0.5), StreamVerdict::Ignored);
}

#[test]
fn max_retries_zero_never_reconnects() {
    let mut c = started(ReconnectPolicy {
        max_retries: Some(0),
        ..ReconnectPolicy::default()
    });
    open(&mut c);
    c.on_event();
    assert!(matches!(
        c.on_stream_end(true, NOW, 0.5),
        StreamVerdict::Close {
            reason: CloseReason::RetriesExhausted,
            ..
        }
    ));
}

#[test]
fn healthy_connection_resets_retries_and_backoff() {
    let mut c = started(ReconnectPolicy {
        max_retries: Some(2),
        ..backoff(1000, 60_000, 2.0)
    });
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 1000);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 2000);
    assert_eq!(c.retries(), 2);
    open(&mut c);
    c.on_event();
    assert_eq!(c.retries(), 0);
    assert_eq!(reconnect_delay(c.on_stream_end(false, NOW, 0.5)), 1000);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 2000);
    assert!(matches!(
        c.on_network_error(NOW, 0.5),
        StreamVerdict::Close { .. }
    ));
}

#[test]
fn open_without_events_is_not_healthy() {
    let mut c = started(ReconnectPolicy {
        max_retries: Some(2),
        ..backoff(1000, 60_000, 2.0)
    });
    open(&mut c);
    assert_eq!(reconnect_delay(c.on_stream_end(true, NOW, 0.5)), 1000);
    open(&mut c);
    // A `retry:` line (or a comment: bytes that complete no event) is not an
    // event.
    c.on_retry_field(0);
    assert_eq!(reconnect_delay(c.on_stream_end(true, NOW, 0.5)), 2000);
    open(&mut c);
    assert!(matches!(
        c.on_stream_end(true, NOW, 0.5),
        StreamVerdict::Close {
            reason: CloseReason::RetriesExhausted,
            ..
        }
    ));
}

#[test]
fn events_before_open_do_not_count() {
    let mut c = started(backoff(1000, 60_000, 2.0));
    c.on_network_error(NOW, 0.5);
    c.on_event();
    assert_eq!(c.retries(), 1);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 2000);
}

// ---------------------------------------------------------------------------
// Retryable statuses and Retry-After
// ---------------------------------------------------------------------------

fn retrying() -> ReconnectPolicy {
    ReconnectPolicy {
        retry_statuses: vec![429, 502, 503, 504],
        ..ReconnectPolicy::default()
    }
}

fn retry_delay(v: ResponseVerdict) -> u64 {
    match v {
        ResponseVerdict::Retry { delay_ms, error } => {
            assert!(error.will_retry);
            assert_eq!(error.phase, Phase::Response);
            assert_eq!(error.delay_ms, Some(delay_ms));
            delay_ms
        }
        other => panic!("expected Retry, got {other:?}"),
    }
}

#[test]
fn retry_status_without_retry_after_uses_computed_delay() {
    let mut c = started(retrying());
    let v = c.on_response(503, Some("text/html"), None, NOW, 0.5);
    assert_eq!(
        v,
        ResponseVerdict::Retry {
            delay_ms: 3000,
            error: ErrorInfo {
                phase: Phase::Response,
                status: Some(503),
                will_retry: true,
                attempt: 1,
                delay_ms: Some(3000),
            },
        }
    );
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    assert_eq!(c.attempt(), 2);
    assert_eq!(c.retries(), 1);
    open(&mut c);
}

#[test]
fn retry_after_seconds() {
    let mut c = started(retrying());
    assert_eq!(
        retry_delay(c.on_response(429, None, Some("2"), NOW, 0.5)),
        2000
    );
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("0"), NOW, 0.5)),
        0
    );
    assert_eq!(
        retry_delay(c.on_response(502, None, Some(" 30 "), NOW, 0.5)),
        30_000
    );
}

#[test]
fn retry_after_http_date() {
    let mut c = started(retrying());
    let v = c.on_response(
        503,
        None,
        Some("Thu, 01 Jan 2026 00:00:05 GMT"),
        NOW + 1000.0,
        0.5,
    );
    assert_eq!(retry_delay(v), 4000);
    let v = c.on_response(503, None, Some("Thu Jan  1 00:00:10 2026"), NOW, 0.5);
    assert_eq!(retry_delay(v), 10_000);
    let v = c.on_response(
        503,
        None,
        Some("Thursday, 01-Jan-26 00:00:01 GMT"),
        NOW,
        0.5,
    );
    assert_eq!(retry_delay(v), 1000);
    // A date in the past: reconnect at once.
    let v = c.on_response(503, None, Some("Sun, 06 Nov 1994 08:49:37 GMT"), NOW, 0.5);
    assert_eq!(retry_delay(v), 0);
}

#[test]
fn retry_after_is_capped() {
    let mut c = started(retrying());
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("3600"), NOW, 0.5)),
        60_000
    );
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("Fri, 01 Jan 2027 00:00:00 GMT"), NOW, 0.5)),
        60_000
    );
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("99999999999999999999"), NOW, 0.5)),
        60_000
    );
    let mut c = started(ReconnectPolicy {
        retry_after_cap_ms: 5000,
        ..retrying()
    });
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("6"), NOW, 0.5)),
        5000
    );
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("4"), NOW, 0.5)),
        4000
    );
}

#[test]
fn invalid_retry_after_falls_back() {
    let mut c = started(ReconnectPolicy {
        jitter: 0.5,
        ..retrying()
    });
    for bad in ["", "soon", "-1", "1.5", "Thu, 01 Jan 2026 00:00:05 UTC"] {
        assert_eq!(
            retry_delay(c.on_response(503, None, Some(bad), NOW, 0.0)),
            1500,
            "{bad:?}"
        );
    }
    // Retry-After is exact: no jitter.
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("2"), NOW, 0.0)),
        2000
    );
    // A date needs a clock.
    assert_eq!(
        retry_delay(c.on_response(
            503,
            None,
            Some("Thu, 01 Jan 2026 00:00:05 GMT"),
            f64::NAN,
            0.5
        )),
        3000
    );
}

#[test]
fn retry_after_ignored_on_other_statuses() {
    let mut c = started(retrying());
    assert!(matches!(
        c.on_response(500, None, Some("1"), NOW, 0.5),
        ResponseVerdict::Fail {
            reason: FailReason::Status(500),
            ..
        }
    ));
    // And a 200 in retry_statuses changes nothing.
    let mut c = started(ReconnectPolicy {
        retry_statuses: vec![200],
        ..ReconnectPolicy::default()
    });
    assert!(matches!(
        c.on_response(200, Some("text/html"), Some("1"), NOW, 0.5),
        ResponseVerdict::Fail {
            reason: FailReason::ContentType,
            ..
        }
    ));
}

#[test]
fn retry_statuses_count_toward_max_retries_and_backoff() {
    let mut c = started(ReconnectPolicy {
        max_retries: Some(2),
        ..ReconnectPolicy {
            retry_statuses: vec![503],
            ..backoff(1000, 60_000, 2.0)
        }
    });
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("10"), NOW, 0.5)),
        10_000
    );
    // The Retry-After override was for one attempt only; backoff continues.
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 2000);
    let v = c.on_response(503, None, None, NOW, 0.5);
    assert_eq!(
        v,
        ResponseVerdict::Fail {
            reason: FailReason::Status(503),
            error: ErrorInfo {
                phase: Phase::Response,
                status: Some(503),
                will_retry: false,
                attempt: 3,
                delay_ms: None,
            },
        }
    );
    assert_eq!(c.ready_state(), ReadyState::Closed);
}

// ---------------------------------------------------------------------------
// Finite mode
// ---------------------------------------------------------------------------

#[test]
fn finite_clean_end_closes() {
    let mut c = started(ReconnectPolicy {
        finite: true,
        ..ReconnectPolicy::default()
    });
    open(&mut c);
    c.on_event();
    let v = c.on_stream_end(true, NOW, 0.5);
    assert_eq!(
        v,
        StreamVerdict::Close {
            reason: CloseReason::Finished,
            error: ErrorInfo {
                phase: Phase::Body,
                status: None,
                will_retry: false,
                attempt: 1,
                delay_ms: None,
            },
        }
    );
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!(c.on_stream_end(true, NOW, 0.5), StreamVerdict::Ignored);
}

#[test]
fn finite_errors_still_reconnect() {
    let mut c = started(ReconnectPolicy {
        finite: true,
        ..ReconnectPolicy::default()
    });
    open(&mut c);
    assert_eq!(reconnect_delay(c.on_stream_end(false, NOW, 0.5)), 3000);
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 3000);
    open(&mut c);
    let v = c.on_inactivity_timeout(NOW, 0.5);
    assert_eq!(v.error().map(|e| e.phase), Some(Phase::Timeout));
    assert_eq!(reconnect_delay(v), 3000);
    open(&mut c);
    assert!(matches!(
        c.on_stream_end(true, NOW, 0.5),
        StreamVerdict::Close {
            reason: CloseReason::Finished,
            ..
        }
    ));
}

#[test]
fn no_reconnect_policy_for_readable_streams() {
    let mut c = started(ReconnectPolicy::no_reconnect());
    open(&mut c);
    assert!(matches!(
        c.on_stream_end(true, NOW, 0.5),
        StreamVerdict::Close {
            reason: CloseReason::Finished,
            ..
        }
    ));
    let mut c = started(ReconnectPolicy::no_reconnect());
    open(&mut c);
    assert!(matches!(
        c.on_stream_end(false, NOW, 0.5),
        StreamVerdict::Close {
            reason: CloseReason::RetriesExhausted,
            ..
        }
    ));
    // Works without a response too (fromReadableStream has none).
    let mut c = started(ReconnectPolicy::no_reconnect());
    assert!(c.on_stream_open(NOW));
    assert_eq!(c.ready_state(), ReadyState::Open);
    assert!(matches!(
        c.on_stream_end(true, NOW, 0.5),
        StreamVerdict::Close {
            reason: CloseReason::Finished,
            ..
        }
    ));
    assert_eq!(c.ready_state(), ReadyState::Closed);
}

// ---------------------------------------------------------------------------
// Auth refresh
// ---------------------------------------------------------------------------

fn refreshing() -> ReconnectPolicy {
    ReconnectPolicy {
        auth_refresh: true,
        ..ReconnectPolicy::default()
    }
}

#[test]
fn auth_refresh_on_401_and_403() {
    for status in [401, 403] {
        let mut c = started(refreshing());
        let v = c.on_response(status, Some("text/plain"), None, NOW, 0.5);
        assert_eq!(
            v,
            ResponseVerdict::Refresh {
                delay_ms: 0,
                error: ErrorInfo {
                    phase: Phase::Auth,
                    status: Some(status),
                    will_retry: true,
                    attempt: 1,
                    delay_ms: Some(0),
                },
            }
        );
        assert_eq!(c.ready_state(), ReadyState::Connecting);
        assert_eq!(c.attempt(), 2);
        assert!(c.is_reconnection());
        assert_eq!(c.retries(), 0, "a refresh is not a retry");
        open(&mut c);
    }
}

#[test]
fn auth_refresh_not_counted_as_retry() {
    let mut c = started(ReconnectPolicy {
        max_retries: Some(0),
        ..refreshing()
    });
    assert!(matches!(
        c.on_response(401, None, None, NOW, 0.5),
        ResponseVerdict::Refresh { .. }
    ));
    open(&mut c);
}

#[test]
fn auth_refresh_does_not_touch_backoff() {
    let mut c = started(ReconnectPolicy {
        auth_refresh: true,
        ..backoff(1000, 60_000, 2.0)
    });
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 1000);
    assert!(matches!(
        c.on_response(401, None, None, NOW, 0.5),
        ResponseVerdict::Refresh { .. }
    ));
    assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 2000);
}

#[test]
fn auth_refresh_loop_guard() {
    let mut c = started(refreshing());
    assert!(matches!(
        c.on_response(401, None, None, NOW, 0.5),
        ResponseVerdict::Refresh { .. }
    ));
    assert!(matches!(
        c.on_response(403, None, None, NOW, 0.5),
        ResponseVerdict::Refresh { .. }
    ));
    let v = c.on_response(401, None, None, NOW, 0.5);
    assert_eq!(
        v,
        ResponseVerdict::Fail {
            reason: FailReason::Status(401),
            error: ErrorInfo {
                phase: Phase::Auth,
                status: Some(401),
                will_retry: false,
                attempt: 3,
                delay_ms: None,
            },
        }
    );
    assert_eq!(c.ready_state(), ReadyState::Closed);
}

#[test]
fn auth_refresh_guard_resets_after_a_healthy_connection() {
    let mut c = started(refreshing());
    for _ in 0..5 {
        for _ in 0..2 {
            assert!(matches!(
                c.on_response(401, None, None, NOW, 0.5),
                ResponseVerdict::Refresh { .. }
            ));
        }
        assert_eq!(c.auth_refreshes(), 2);
        open(&mut c);
        c.on_event();
        assert_eq!(c.auth_refreshes(), 0);
        assert_eq!(reconnect_delay(c.on_stream_end(true, NOW, 0.5)), 3000);
    }
    // An open without an event does not reset it.
    let mut c = started(refreshing());
    for _ in 0..2 {
        assert!(matches!(
            c.on_response(401, None, None, NOW, 0.5),
            ResponseVerdict::Refresh { .. }
        ));
        open(&mut c);
        reconnect_delay(c.on_stream_end(true, NOW, 0.5));
    }
    assert!(matches!(
        c.on_response(401, None, None, NOW, 0.5),
        ResponseVerdict::Fail {
            reason: FailReason::Status(401),
            ..
        }
    ));
    // Other failures between refreshes do not reset the guard.
    let mut c = started(ReconnectPolicy {
        retry_statuses: vec![503],
        max_auth_refreshes: 1,
        ..refreshing()
    });
    assert!(matches!(
        c.on_response(401, None, None, NOW, 0.5),
        ResponseVerdict::Refresh { .. }
    ));
    retry_delay(c.on_response(503, None, None, NOW, 0.5));
    assert!(matches!(
        c.on_response(401, None, None, NOW, 0.5),
        ResponseVerdict::Fail { .. }
    ));
}

#[test]
fn auth_refresh_zero_means_fail() {
    let mut c = started(ReconnectPolicy {
        max_auth_refreshes: 0,
        ..refreshing()
    });
    assert!(matches!(
        c.on_response(403, None, None, NOW, 0.5),
        ResponseVerdict::Fail {
            reason: FailReason::Status(403),
            ..
        }
    ));
}

#[test]
fn auth_refresh_takes_precedence_over_retry_statuses() {
    let mut c = started(ReconnectPolicy {
        retry_statuses: vec![401],
        ..refreshing()
    });
    assert!(matches!(
        c.on_response(401, None, None, NOW, 0.5),
        ResponseVerdict::Refresh { .. }
    ));
    // Without the hook a listed 401 retries with a delay.
    let mut c = started(ReconnectPolicy {
        retry_statuses: vec![401],
        ..ReconnectPolicy::default()
    });
    assert_eq!(retry_delay(c.on_response(401, None, None, NOW, 0.5)), 3000);
}

#[test]
fn auth_hook_failure_closes() {
    let mut c = started(refreshing());
    assert!(matches!(
        c.on_response(403, None, None, NOW, 0.5),
        ResponseVerdict::Refresh { .. }
    ));
    assert_eq!(
        c.fail_auth(),
        Some(ErrorInfo {
            phase: Phase::Auth,
            status: Some(403),
            will_retry: false,
            attempt: 1,
            delay_ms: None,
        })
    );
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!(c.fail_auth(), None);
    assert_eq!(
        c.on_response(200, ES, None, NOW, 0.5),
        ResponseVerdict::Ignored
    );
}

#[test]
fn without_hook_401_fails_like_native() {
    let mut c = native();
    assert!(matches!(
        c.on_response(401, None, None, NOW, 0.5),
        ResponseVerdict::Fail {
            reason: FailReason::Status(401),
            error: ErrorInfo {
                phase: Phase::Response,
                ..
            },
        }
    ));
}

// ---------------------------------------------------------------------------
// close, parse limit, timeout, offline
// ---------------------------------------------------------------------------

#[test]
fn close_is_idempotent() {
    let mut c = native();
    open(&mut c);
    assert!(c.close());
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert!(!c.close());
    assert!(!c.close());
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!(c.on_stream_end(true, NOW, 0.5), StreamVerdict::Ignored);
    assert_eq!(c.on_stream_end(false, NOW, 0.5), StreamVerdict::Ignored);
    assert_eq!(c.on_network_error(NOW, 0.5), StreamVerdict::Ignored);
    assert_eq!(c.on_inactivity_timeout(NOW, 0.5), StreamVerdict::Ignored);
    assert_eq!(c.on_parse_limit(), None);
    assert_eq!(c.fail_auth(), None);
    assert_eq!(
        c.on_response(200, ES, None, NOW, 0.5),
        ResponseVerdict::Ignored
    );
    assert_eq!(ResponseVerdict::Ignored.error(), None);
    assert_eq!(StreamVerdict::Ignored.error(), None);
    c.on_event();
    assert_eq!(c.ready_state(), ReadyState::Closed);
}

#[test]
fn close_while_waiting_to_reconnect() {
    let mut c = native();
    reconnect_delay(c.on_network_error(NOW, 0.5));
    assert!(c.close());
    assert_eq!(c.on_network_error(NOW, 0.5), StreamVerdict::Ignored);
    assert!(!c.should_wait_for_online(false));
}

#[test]
fn stream_open_after_close_is_refused() {
    let mut c = started(ReconnectPolicy::no_reconnect());
    c.close();
    assert!(!c.on_stream_open(NOW));
    assert_eq!(c.ready_state(), ReadyState::Closed);
}

#[test]
fn close_before_start() {
    let mut c = Connection::default();
    assert!(c.close());
    assert!(!c.start(START));
    assert_eq!(c.ready_state(), ReadyState::Closed);
}

#[test]
fn close_during_refresh() {
    let mut c = started(refreshing());
    assert!(matches!(
        c.on_response(401, None, None, NOW, 0.5),
        ResponseVerdict::Refresh { .. }
    ));
    assert!(c.close());
    assert_eq!(c.fail_auth(), None);
}

#[test]
fn parse_limit_fails() {
    let mut c = native();
    open(&mut c);
    c.on_event();
    assert_eq!(
        c.on_parse_limit(),
        Some(ErrorInfo {
            phase: Phase::ParseLimit,
            status: None,
            will_retry: false,
            attempt: 1,
            delay_ms: None,
        })
    );
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!(c.on_parse_limit(), None);
    assert_eq!(c.on_stream_end(false, NOW, 0.5), StreamVerdict::Ignored);
}

#[test]
fn inactivity_timeout_reconnects() {
    let mut c = native();
    open(&mut c);
    c.on_event();
    let v = c.on_inactivity_timeout(NOW, 0.5);
    assert_eq!(
        v,
        StreamVerdict::Reconnect {
            delay_ms: 3000,
            error: ErrorInfo {
                phase: Phase::Timeout,
                status: None,
                will_retry: true,
                attempt: 1,
                delay_ms: Some(3000),
            },
        }
    );
    // Before any response too.
    assert_eq!(reconnect_delay(c.on_inactivity_timeout(NOW, 0.5)), 3000);
    assert_eq!(c.attempt(), 3);
}

#[test]
fn offline_waiting() {
    let mut c = Connection::default();
    assert!(c.should_wait_for_online(false));
    assert!(!c.should_wait_for_online(true));
    c.start(START);
    open(&mut c);
    assert!(!c.should_wait_for_online(false));
    reconnect_delay(c.on_stream_end(true, NOW, 0.5));
    assert!(c.should_wait_for_online(false));
    assert!(!c.should_wait_for_online(true));
    c.close();
    assert!(!c.should_wait_for_online(false));
}

// ---------------------------------------------------------------------------
// Attempt spacing: at most 10 attempts per second
// ---------------------------------------------------------------------------

#[test]
fn documented_constants() {
    assert_eq!(MIN_ATTEMPT_INTERVAL_MS, 100);
    assert_eq!(HEALTHY_AFTER_MS, 30_000);
    assert_eq!(AUTH_REFRESH_INITIAL_DELAY_MS, 1000);
    assert_eq!(AUTH_REFRESH_MAX_DELAY_MS, 30_000);
}

#[test]
fn retry_zero_waits_out_the_attempt_spacing() {
    // Attempt 1 started at START; its stream sets `retry: 0` and ends 5 ms in.
    let mut c = native();
    assert_eq!(
        c.on_response(200, ES, None, START + 2.0, 0.5),
        ResponseVerdict::Open
    );
    c.on_retry_field(0);
    c.on_event();
    assert_eq!(reconnect_delay(c.on_stream_end(true, START + 5.0, 0.5)), 95);
    // The glue waits that long, then starts attempt 2.
    assert!(c.reconnect(START + 100.0));
    // A connection that lasted longer than the spacing: `retry: 0` is honoured.
    assert_eq!(
        c.on_response(200, ES, None, START + 101.0, 0.5),
        ResponseVerdict::Open
    );
    assert_eq!(
        reconnect_delay(c.on_stream_end(true, START + 600.0, 0.5)),
        0
    );
    // Fractions of a millisecond round up.
    assert!(c.reconnect(START + 600.0));
    assert_eq!(reconnect_delay(c.on_network_error(START + 650.25, 0.5)), 50);
}

#[test]
fn attempt_spacing_applies_to_every_delay() {
    let mut c = native();
    c.on_retry_field(0);
    assert_eq!(c.next_delay_ms(START + 10.0, 0.5), 90);
    assert_eq!(c.retries(), 0, "a preview schedules nothing");
    assert_eq!(reconnect_delay(c.on_network_error(START + 10.0, 0.5)), 90);
    assert!(c.reconnect(START + 100.0));
    assert_eq!(
        reconnect_delay(c.on_inactivity_timeout(START + 130.0, 0.5)),
        70
    );
    let mut c = started(retrying());
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("0"), START + 1.0, 0.5)),
        99
    );
    let mut c = started(refreshing());
    assert_eq!(
        refresh_delay(c.on_response(401, None, None, START + 1.0, 0.5)),
        99
    );
    // Longer delays are untouched.
    let mut c = native();
    assert_eq!(reconnect_delay(c.on_network_error(START + 1.0, 0.5)), 3000);
    let mut c = started(ReconnectPolicy {
        jitter: 1.0,
        ..ReconnectPolicy::default()
    });
    // Jitter cannot take a delay below the spacing either.
    assert_eq!(reconnect_delay(c.on_network_error(START + 1.0, 0.0)), 99);
}

#[test]
fn attempt_spacing_with_a_broken_clock() {
    // A clock that went backwards waits the full interval, never more.
    let mut c = native();
    c.on_retry_field(0);
    assert_eq!(
        reconnect_delay(c.on_network_error(START - 3_600_000.0, 0.5)),
        100
    );
    for t in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut c = native();
        c.on_retry_field(0);
        assert_eq!(reconnect_delay(c.on_network_error(t, 0.5)), 100, "{t}");
        let mut c = Connection::default();
        assert!(c.start(t));
        c.on_retry_field(0);
        assert_eq!(reconnect_delay(c.on_network_error(NOW, 0.5)), 100, "{t}");
    }
}

#[test]
fn reconnect_once_per_scheduled_reconnect() {
    let mut c = started(ReconnectPolicy {
        retry_statuses: vec![503],
        ..refreshing()
    });
    assert!(!c.reconnect(NOW), "attempt 1 is in flight");
    open(&mut c);
    assert!(!c.reconnect(NOW), "OPEN");
    reconnect_delay(c.on_stream_end(true, NOW, 0.5));
    assert_eq!(c.attempt(), 2);
    assert!(c.reconnect(NOW + 3000.0));
    assert!(!c.reconnect(NOW + 3001.0), "already reconnected");
    retry_delay(c.on_response(503, None, None, NOW + 3001.0, 0.5));
    assert!(c.reconnect(NOW + 6001.0));
    refresh_delay(c.on_response(401, None, None, NOW + 6002.0, 0.5));
    assert!(c.reconnect(NOW + 6100.0));
    assert_eq!(c.attempt(), 4);
    reconnect_delay(c.on_network_error(NOW + 6200.0, 0.5));
    c.close();
    assert!(!c.reconnect(NOW + 9300.0), "closed");
    let mut c = Connection::default();
    assert!(!c.reconnect(NOW), "not started");
}

// ---------------------------------------------------------------------------
// A configured backoff is a floor
// ---------------------------------------------------------------------------

fn retrying_with_backoff(initial: u64) -> ReconnectPolicy {
    ReconnectPolicy {
        retry_statuses: vec![503],
        ..backoff(initial, 30_000, 2.0)
    }
}

#[test]
fn retry_after_cannot_shorten_the_backoff() {
    for after in [
        "0",
        " 0 ",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Thu, 01 Jan 2026 00:00:00 GMT",
    ] {
        let mut c = started(retrying_with_backoff(200));
        let delays: Vec<u64> = (0..6)
            .map(|_| retry_delay(c.on_response(503, None, Some(after), NOW, 0.5)))
            .collect();
        assert_eq!(delays, [200, 400, 800, 1600, 3200, 6400], "{after:?}");
    }
}

#[test]
fn retry_after_can_lengthen_the_backoff() {
    let mut c = started(retrying_with_backoff(200));
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("5"), NOW, 0.5)),
        5000
    );
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("Thu, 01 Jan 2026 00:00:02 GMT"), NOW, 0.5)),
        2000
    );
    // The failure count kept counting: n = 3.
    assert_eq!(retry_delay(c.on_response(503, None, None, NOW, 0.5)), 800);
    // Retry-After is capped…
    let mut c = started(ReconnectPolicy {
        retry_after_cap_ms: 1000,
        ..retrying_with_backoff(200)
    });
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("3600"), NOW, 0.5)),
        1000
    );
    // …but the cap never takes the delay below the backoff.
    let mut c = started(ReconnectPolicy {
        retry_after_cap_ms: 1000,
        ..retrying_with_backoff(5000)
    });
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("3600"), NOW, 0.5)),
        5000
    );
    // With jitter, the floor is the jittered backoff.
    let mut c = started(ReconnectPolicy {
        jitter: 0.5,
        ..retrying_with_backoff(1000)
    });
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("0"), NOW, 0.0)),
        500
    );
}

#[test]
fn without_backoff_retry_after_still_replaces_the_delay() {
    let mut c = started(retrying());
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("1"), NOW, 0.5)),
        1000
    );
    // Down to the attempt spacing, no further.
    assert!(c.reconnect(NOW + 1000.0));
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("0"), NOW + 1001.0, 0.5)),
        99
    );
}

// ---------------------------------------------------------------------------
// Health: an event, or HEALTHY_AFTER_MS open
// ---------------------------------------------------------------------------

fn backoff_and_refresh() -> ReconnectPolicy {
    ReconnectPolicy {
        auth_refresh: true,
        ..backoff(1000, 60_000, 2.0)
    }
}

#[test]
fn an_event_makes_the_connection_healthy() {
    let mut c = started(backoff_and_refresh());
    reconnect_delay(c.on_network_error(NOW, 0.5));
    refresh_delay(c.on_response(401, None, None, NOW, 0.5));
    open(&mut c);
    assert_eq!((c.retries(), c.auth_refreshes()), (1, 1));
    c.on_event();
    assert_eq!((c.retries(), c.auth_refreshes()), (0, 0));
    assert_eq!(reconnect_delay(c.on_stream_end(true, NOW, 0.5)), 1000);
}

#[test]
fn staying_open_long_enough_makes_the_connection_healthy() {
    let healthy = HEALTHY_AFTER_MS as f64;
    let mut c = started(backoff_and_refresh());
    reconnect_delay(c.on_network_error(NOW, 0.5));
    reconnect_delay(c.on_network_error(NOW, 0.5));
    refresh_delay(c.on_response(401, None, None, NOW, 0.5));
    // Open (no event) for just under the threshold: not healthy, n = 3.
    open(&mut c);
    assert_eq!(
        reconnect_delay(c.on_stream_end(true, NOW + healthy - 1.0, 0.5)),
        4000
    );
    assert_eq!(c.auth_refreshes(), 1);
    // Open for the threshold (comments only): healthy, so n = 1.
    open(&mut c);
    assert_eq!(
        reconnect_delay(c.on_stream_end(false, NOW + healthy, 0.5)),
        1000
    );
    assert_eq!((c.retries(), c.auth_refreshes()), (1, 0));
    // The same when it ends by the inactivity timeout.
    reconnect_delay(c.on_network_error(NOW, 0.5));
    open(&mut c);
    assert_eq!(
        reconnect_delay(c.on_inactivity_timeout(NOW + 2.0 * healthy, 0.5)),
        1000
    );
    // A clock that went backwards, or a NaN, proves nothing.
    for end in [NOW - healthy, f64::NAN, f64::INFINITY] {
        let mut c = started(backoff_and_refresh());
        reconnect_delay(c.on_network_error(NOW, 0.5));
        open(&mut c);
        assert_eq!(
            reconnect_delay(c.on_stream_end(true, end, 0.5)),
            2000,
            "{end}"
        );
    }
}

#[test]
fn waiting_for_the_response_does_not_count_as_open() {
    let mut c = started(backoff(1000, 60_000, 2.0));
    reconnect_delay(c.on_network_error(NOW, 0.5));
    assert!(c.reconnect(NOW + 1000.0));
    // The response takes 40 s to arrive, then the body ends at once.
    assert_eq!(
        c.on_response(200, ES, None, NOW + 41_000.0, 0.5),
        ResponseVerdict::Open
    );
    assert_eq!(
        reconnect_delay(c.on_stream_end(true, NOW + 41_001.0, 0.5)),
        2000
    );
}

// ---------------------------------------------------------------------------
// Auth refreshes back off
// ---------------------------------------------------------------------------

fn refresh_delay(v: ResponseVerdict) -> u64 {
    match v {
        ResponseVerdict::Refresh { delay_ms, error } => {
            assert!(error.will_retry);
            assert_eq!(error.phase, Phase::Auth);
            assert_eq!(error.delay_ms, Some(delay_ms));
            delay_ms
        }
        other => panic!("expected Refresh, got {other:?}"),
    }
}

#[test]
fn auth_refresh_backoff_values() {
    let delays: Vec<u64> = (0..9).map(auth_refresh_backoff_ms).collect();
    assert_eq!(
        delays,
        [0, 0, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]
    );
    for n in [40, 63, 64, 65, 66, 1000, u32::MAX] {
        assert_eq!(auth_refresh_backoff_ms(n), 30_000, "{n}");
    }
}

#[test]
fn consecutive_auth_refreshes_back_off() {
    let mut c = started(ReconnectPolicy {
        max_auth_refreshes: 100,
        ..refreshing()
    });
    let delays: Vec<u64> = (0..8)
        .map(|_| refresh_delay(c.on_response(401, None, None, NOW, 0.5)))
        .collect();
    assert_eq!(delays, [0, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    // An open in between does not reset it…
    open(&mut c);
    reconnect_delay(c.on_stream_end(true, NOW, 0.5));
    assert_eq!(
        refresh_delay(c.on_response(403, None, None, NOW, 0.5)),
        30_000
    );
    // …an event does.
    open(&mut c);
    c.on_event();
    reconnect_delay(c.on_stream_end(true, NOW, 0.5));
    assert_eq!(refresh_delay(c.on_response(401, None, None, NOW, 0.5)), 0);
    assert_eq!(
        refresh_delay(c.on_response(401, None, None, NOW, 0.5)),
        1000
    );
}

// ---------------------------------------------------------------------------
// Storms: a hostile server against a fake clock
// ---------------------------------------------------------------------------

/// What the simulated server does with one attempt.
#[derive(Debug, Clone, Copy)]
enum Serve {
    /// The fetch rejects (connection refused).
    Refuse,
    /// The response never comes: the inactivity timeout fires after `ms`.
    Stall(f64),
    /// A non-200 status, with an optional `Retry-After`.
    Status(u16, Option<&'static str>),
    /// 200 `text/event-stream`: an optional `retry:`, `events` events, and a
    /// clean end `open_ms` after the response.
    Stream {
        retry: Option<u64>,
        events: u32,
        open_ms: f64,
    },
}

/// What a source did in a simulation (times in ms since it started).
#[derive(Debug, Default)]
struct Trace {
    /// When each attempt started.
    starts: Vec<f64>,
    /// The delay each reconnect or retry waited, with `retries()` after it.
    delays: Vec<(u64, u32)>,
    /// When the auth hook was called, the delay before it, and
    /// `auth_refreshes()` then.
    hook_calls: Vec<(f64, u64, u32)>,
    /// Whether the source ended CLOSED (before the time was up).
    closed: bool,
}

/// The most of `times` within any one second (`[t, t + 1000)`).
fn max_per_second(times: &[f64]) -> usize {
    let mut first = 0;
    let mut most = 0;
    for (i, &t) in times.iter().enumerate() {
        while times[first] <= t - 1000.0 {
            first += 1;
        }
        most = most.max(i + 1 - first);
    }
    most
}

fn gaps(times: &[f64]) -> Vec<f64> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

/// The configured backoff for the `n`-th consecutive failure, jitter at its
/// lowest: what no server may shorten.
fn backoff_floor(policy: &ReconnectPolicy, n: u32) -> f64 {
    let initial = policy.initial_delay_ms as f64;
    let cap = policy.max_delay_ms.max(policy.initial_delay_ms) as f64;
    let grown = initial
        * policy
            .multiplier
            .powi(i32::try_from(n - 1).unwrap_or(i32::MAX));
    (grown.min(cap) * (1.0 - policy.jitter)).round()
}

/// The time the network and the auth hook take, in ms.
const LATENCY_MS: f64 = 1.0;

/// Drives a source for `duration_ms` of fake time the way the glue does:
/// each attempt is served by `serve(attempt)` after [`LATENCY_MS`]; every
/// delay is waited exactly; the auth hook resolves after [`LATENCY_MS`].
/// `random` comes from a fixed xorshift sequence.
fn simulate(
    policy: ReconnectPolicy,
    duration_ms: f64,
    mut serve: impl FnMut(u32) -> Serve,
) -> Trace {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut c = Connection::new(policy);
    let mut trace = Trace::default();
    let mut now = NOW;
    assert!(c.start(now));
    loop {
        trace.starts.push(now - NOW);
        now += LATENCY_MS;
        let verdict = match serve(c.attempt()) {
            Serve::Refuse => c.on_network_error(now, random()),
            Serve::Stall(ms) => {
                now += ms;
                c.on_inactivity_timeout(now, random())
            }
            Serve::Status(status, after) => {
                match c.on_response(status, Some("text/html"), after, now, random()) {
                    ResponseVerdict::Retry { delay_ms, .. } => StreamVerdict::Reconnect {
                        delay_ms,
                        error: ErrorInfo {
                            phase: Phase::Response,
                            status: Some(status),
                            will_retry: true,
                            attempt: 0,
                            delay_ms: Some(delay_ms),
                        },
                    },
                    ResponseVerdict::Refresh { delay_ms, .. } => {
                        now += delay_ms as f64;
                        trace
                            .hook_calls
                            .push((now - NOW, delay_ms, c.auth_refreshes()));
                        now += LATENCY_MS;
                        if now - NOW >= duration_ms {
                            break;
                        }
                        assert!(c.reconnect(now));
                        continue;
                    }
                    ResponseVerdict::Fail { .. } => break,
                    other => panic!("unexpected {other:?}"),
                }
            }
            Serve::Stream {
                retry,
                events,
                open_ms,
            } => {
                assert_eq!(
                    c.on_response(200, ES, None, now, random()),
                    ResponseVerdict::Open
                );
                if let Some(ms) = retry {
                    c.on_retry_field(ms);
                }
                if events > 0 {
                    c.on_event();
                }
                now += open_ms;
                c.on_stream_end(true, now, random())
            }
        };
        match verdict {
            StreamVerdict::Reconnect { delay_ms, .. } => {
                trace.delays.push((delay_ms, c.retries()));
                now += delay_ms as f64;
            }
            _ => break,
        }
        if now - NOW >= duration_ms {
            break;
        }
        assert!(c.reconnect(now));
    }
    trace.closed = c.ready_state() == ReadyState::Closed;
    trace
}

/// Asserts that every delay of `trace` respects `policy`'s backoff floor, and
/// every auth refresh the auth-refresh backoff.
fn assert_backoff_respected(policy: &ReconnectPolicy, trace: &Trace) {
    if policy.backoff_enabled() {
        for &(delay, n) in &trace.delays {
            let floor = backoff_floor(policy, n);
            assert!(
                delay as f64 >= floor,
                "delay {delay} < floor {floor} (n = {n})"
            );
        }
    }
    for &(_, delay, n) in &trace.hook_calls {
        assert!(
            delay >= auth_refresh_backoff_ms(n),
            "refresh {n} after {delay}"
        );
    }
}

#[test]
fn storm_503_retry_after_zero_follows_the_backoff() {
    // Found: `Retry-After: 0` or a date in the past gave 400-500 requests/s
    // despite `multiplier: 2`.
    for after in ["0", "Sun, 06 Nov 1994 08:49:37 GMT"] {
        let policy = ReconnectPolicy {
            retry_statuses: vec![503],
            ..backoff(200, 30_000, 2.0)
        };
        let trace = simulate(policy.clone(), 120_000.0, |_| {
            Serve::Status(503, Some(after))
        });
        let delays: Vec<u64> = trace.delays.iter().map(|d| d.0).collect();
        assert_eq!(
            delays,
            [200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000, 30_000],
            "{after:?}"
        );
        assert_backoff_respected(&policy, &trace);
        assert!(max_per_second(&trace.starts) <= 3);
        // Without backoff, the same server gets the attempt spacing.
        let trace = simulate(retrying(), 10_000.0, |_| Serve::Status(503, Some(after)));
        assert_eq!(max_per_second(&trace.starts), 10, "{after:?}");
        assert!(gaps(&trace.starts).iter().all(|&g| g >= 100.0));
    }
}

#[test]
fn storm_retry_zero_and_an_immediate_end() {
    // Found: 200 + `retry: 0` + one byte + end reset the failure count and
    // reconnected ~500 times a second.
    for events in [0, 1] {
        let serve = |_| Serve::Stream {
            retry: Some(0),
            events,
            open_ms: 1.0,
        };
        // Default options: `retry: 0` honoured, down to the spacing: 10/s.
        let trace = simulate(ReconnectPolicy::default(), 60_000.0, serve);
        assert_eq!(max_per_second(&trace.starts), 10, "events {events}");
        assert!(gaps(&trace.starts).iter().all(|&g| g == 100.0));
        assert_eq!(trace.starts.len(), 600);
        // Backoff configured: it is respected. Without events it grows; with
        // them every reconnect waits the initial delay (`retry: 0` cannot
        // shorten it).
        let policy = backoff(200, 5000, 2.0);
        let trace = simulate(policy.clone(), 60_000.0, serve);
        assert_backoff_respected(&policy, &trace);
        let delays: Vec<u64> = trace.delays.iter().take(7).map(|d| d.0).collect();
        if events == 0 {
            assert_eq!(delays, [200, 400, 800, 1600, 3200, 5000, 5000]);
        } else {
            assert_eq!(delays, [200; 7]);
        }
        assert!(max_per_second(&trace.starts) <= 5);
    }
}

#[test]
fn storm_alternating_401_and_an_empty_200() {
    // Found: 401, 200 + `retry: 0` + end, 401, … ran the auth hook ~145
    // times a second.
    let serve = |attempt: u32| {
        if attempt % 2 == 1 {
            Serve::Status(401, None)
        } else {
            Serve::Stream {
                retry: Some(0),
                events: 0,
                open_ms: 1.0,
            }
        }
    };
    // The default guard: the third 401 without a healthy connection fails.
    let trace = simulate(refreshing(), 60_000.0, serve);
    assert!(trace.closed);
    let calls: Vec<u64> = trace.hook_calls.iter().map(|c| c.1).collect();
    assert_eq!(calls.len(), 2);
    assert!(calls[1] >= 1000);
    // A generous guard: the hook calls back off to one per 30 s.
    let trace = simulate(
        ReconnectPolicy {
            max_auth_refreshes: u32::MAX,
            ..refreshing()
        },
        600_000.0,
        serve,
    );
    assert!(!trace.closed);
    let delays: Vec<u64> = trace.hook_calls.iter().map(|c| c.1).collect();
    assert_eq!(
        delays[1..8],
        [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]
    );
    let times: Vec<f64> = trace.hook_calls.iter().map(|c| c.0).collect();
    assert!(gaps(&times).iter().skip(5).all(|&g| g >= 30_000.0));
    assert!(max_per_second(&trace.starts) <= 10);
    // A 200 that does deliver an event makes each refresh a first one, yet
    // attempts stay within 10/s (so the hook within 5/s).
    let trace = simulate(refreshing(), 60_000.0, |attempt| {
        if attempt % 2 == 1 {
            Serve::Status(401, None)
        } else {
            Serve::Stream {
                retry: Some(0),
                events: 1,
                open_ms: 1.0,
            }
        }
    });
    assert!(!trace.closed);
    assert_eq!(max_per_second(&trace.starts), 10);
    let times: Vec<f64> = trace.hook_calls.iter().map(|c| c.0).collect();
    assert!(max_per_second(&times) <= 5);
}

#[test]
fn storm_refused_and_stalled_connections() {
    // `retry: 0` once, then every connection is refused or times out at once.
    for fault in [Serve::Refuse, Serve::Stall(0.0)] {
        let serve = |attempt: u32| {
            if attempt == 1 {
                Serve::Stream {
                    retry: Some(0),
                    events: 1,
                    open_ms: 1.0,
                }
            } else {
                fault
            }
        };
        let trace = simulate(ReconnectPolicy::default(), 10_000.0, serve);
        assert_eq!(max_per_second(&trace.starts), 10, "{fault:?}");
        let policy = backoff(100, 10_000, 1.5);
        let trace = simulate(policy.clone(), 60_000.0, serve);
        assert_backoff_respected(&policy, &trace);
    }
}

#[test]
fn storm_from_any_server_stays_within_the_floors() {
    // A server that picks its answer from a fixed pseudo-random sequence.
    let menu = [
        Serve::Refuse,
        Serve::Stall(3.0),
        Serve::Status(503, Some("0")),
        Serve::Status(503, Some("Sun, 06 Nov 1994 08:49:37 GMT")),
        Serve::Status(503, None),
        Serve::Status(401, None),
        Serve::Status(403, None),
        Serve::Stream {
            retry: Some(0),
            events: 0,
            open_ms: 0.0,
        },
        Serve::Stream {
            retry: Some(0),
            events: 1,
            open_ms: 5.0,
        },
        Serve::Stream {
            retry: Some(1),
            events: 0,
            open_ms: 50.0,
        },
    ];
    let policies = [
        ReconnectPolicy {
            retry_statuses: vec![503],
            max_auth_refreshes: u32::MAX,
            ..refreshing()
        },
        ReconnectPolicy {
            retry_statuses: vec![503],
            jitter: 0.3,
            max_auth_refreshes: u32::MAX,
            ..backoff_and_refresh()
        },
    ];
    for seed in 1..=50u64 {
        for policy in &policies {
            let mut state = seed;
            let trace = simulate(policy.clone(), 30_000.0, |_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                menu[(state >> 33) as usize % menu.len()]
            });
            assert!(!trace.closed);
            assert!(
                max_per_second(&trace.starts) <= 10,
                "seed {seed}: {:?}",
                trace.starts
            );
            assert_backoff_respected(policy, &trace);
        }
    }
}

// ---------------------------------------------------------------------------
// A longer session, as the glue would drive it
// ---------------------------------------------------------------------------

#[test]
fn full_session() {
    // Times in ms after the first attempt started, as the glue would pass them.
    let t = |ms: f64| NOW + ms;
    let mut c = Connection::new(ReconnectPolicy {
        retry_statuses: vec![503],
        auth_refresh: true,
        max_retries: Some(3),
        ..backoff(1000, 8000, 2.0)
    });
    assert!(c.start(t(0.0)));
    // Attempt 1: the fetch rejects.
    assert_eq!(reconnect_delay(c.on_network_error(t(5.0), 0.5)), 1000);
    assert!(c.reconnect(t(1005.0)));
    // Attempt 2: 503 with Retry-After, longer than the backoff (2000).
    assert_eq!(
        retry_delay(c.on_response(503, None, Some("5"), t(1010.0), 0.5)),
        5000
    );
    assert!(c.reconnect(t(6010.0)));
    // Attempt 3: token expired; the first refresh only waits out the spacing.
    let v = c.on_response(401, None, None, t(6020.0), 0.5);
    assert_eq!(v.error().map(|e| e.attempt), Some(3));
    assert_eq!(refresh_delay(v), 90);
    assert!(c.reconnect(t(6150.0)));
    // Attempt 4: opens, streams an event, sets retry, drops.
    assert_eq!(c.attempt(), 4);
    assert_eq!(
        c.on_response(200, ES, None, t(6160.0), 0.5),
        ResponseVerdict::Open
    );
    c.on_event();
    c.on_retry_field(2000);
    assert_eq!((c.retries(), c.auth_refreshes()), (0, 0));
    let v = c.on_stream_end(false, t(9000.0), 0.5);
    assert_eq!(
        v.error().map(|e| (e.phase, e.attempt)),
        Some((Phase::Body, 4))
    );
    assert_eq!(reconnect_delay(v), 2000);
    assert!(c.reconnect(t(11_000.0)));
    // Attempts 5..7 fail; the cap never shortens retry: 2000 → 2000, 4000, 8000.
    assert_eq!(reconnect_delay(c.on_network_error(t(11_001.0), 0.5)), 4000);
    assert!(c.reconnect(t(15_001.0)));
    assert_eq!(reconnect_delay(c.on_network_error(t(15_002.0), 0.5)), 8000);
    assert!(c.reconnect(t(23_002.0)));
    let v = c.on_network_error(t(23_003.0), 0.5);
    assert_eq!(
        v,
        StreamVerdict::Close {
            reason: CloseReason::RetriesExhausted,
            error: ErrorInfo {
                phase: Phase::Connect,
                status: None,
                will_retry: false,
                attempt: 7,
                delay_ms: None,
            },
        }
    );
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert!(!c.reconnect(t(40_000.0)));
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

// proptest is a native-only dev-dependency (it needs OS randomness); `wasm-pack test`
// builds the lib's tests for wasm32 too.
#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::super::*;
    use super::{NOW, START};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn is_event_stream_never_panics(s in any::<String>()) {
            let _ = is_event_stream(Some(&s));
            let _ = mime_essence(&s);
        }

        #[test]
        fn event_stream_with_any_params_matches(params in "[ -~]*") {
            let ct = format!("text/event-stream;{params}");
            prop_assert!(is_event_stream(Some(&ct)) || ct[17..].contains(','));
        }

        #[test]
        fn retry_after_never_panics(s in any::<String>(), now in any::<f64>()) {
            let _ = parse_retry_after(&s, now);
        }

        #[test]
        fn retry_after_digits_are_seconds(n in 0u64..1_000_000_000) {
            prop_assert_eq!(parse_retry_after(&n.to_string(), 0.0), Some(n * 1000));
        }

        #[test]
        fn header_value_round_trips(id in any::<String>()) {
            match last_event_id_header_value(&id) {
                None => prop_assert!(id.is_empty() || id.contains(['\r', '\n', '\0'])),
                Some(v) => {
                    let bytes: Vec<u8> = v.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
                    prop_assert_eq!(bytes, id.as_bytes());
                }
            }
        }

        #[test]
        fn no_server_drives_a_source_past_its_floors(
            script in proptest::collection::vec((0usize..8, 0u64..200, 0u32..3), 1..60),
            initial in 0u64..2000,
            max in 0u64..20_000,
            multiplier in 0.0f64..4.0,
            jitter in 0.0f64..1.0,
            max_auth_refreshes in 0u32..6,
        ) {
            const AFTER: [Option<&str>; 5] = [
                None,
                Some("0"),
                Some("1"),
                Some("Sun, 06 Nov 1994 08:49:37 GMT"),
                Some("soon"),
            ];
            let policy = ReconnectPolicy {
                initial_delay_ms: initial,
                max_delay_ms: max,
                multiplier,
                jitter,
                retry_statuses: vec![429, 503],
                auth_refresh: true,
                max_auth_refreshes,
                ..ReconnectPolicy::default()
            };
            let trace = super::simulate(policy.clone(), 20_000.0, |attempt| {
                let (kind, param, events) = script[(attempt as usize - 1) % script.len()];
                match kind {
                    0 => super::Serve::Refuse,
                    1 => super::Serve::Stall(param as f64),
                    2 => super::Serve::Status(503, AFTER[param as usize % AFTER.len()]),
                    3 => super::Serve::Status(401, None),
                    4 => super::Serve::Status(429, AFTER[param as usize % AFTER.len()]),
                    _ => super::Serve::Stream {
                        retry: Some(param % 3),
                        events,
                        open_ms: param as f64,
                    },
                }
            });
            prop_assert!(super::max_per_second(&trace.starts) <= 10, "{:?}", trace.starts);
            prop_assert!(super::gaps(&trace.starts).iter().all(|&g| g >= 100.0));
            super::assert_backoff_respected(&policy, &trace);
        }

        #[test]
        fn delays_stay_in_bounds(
            initial in 0u64..100_000,
            max in 0u64..200_000,
            multiplier in 0.0f64..10.0,
            jitter in 0.0f64..1.0,
            retry in proptest::option::of(0u64..100_000),
            randoms in proptest::collection::vec(0.0f64..1.0, 1..40),
        ) {
            let mut c = Connection::new(ReconnectPolicy {
                initial_delay_ms: initial,
                max_delay_ms: max,
                multiplier,
                jitter,
                ..ReconnectPolicy::default()
            });
            c.start(START);
            if let Some(r) = retry {
                c.on_retry_field(r);
            }
            let base = c.reconnection_time_ms();
            let ceiling = if multiplier > 1.0 { max.max(base).max(initial) } else { base } as f64;
            for r in randoms {
                match c.on_network_error(NOW, r) {
                    StreamVerdict::Reconnect { delay_ms, .. } => {
                        prop_assert!(delay_ms as f64 <= (ceiling * (1.0 + jitter)).round());
                        if multiplier <= 1.0 {
                            prop_assert!(delay_ms as f64 >= (base as f64 * (1.0 - jitter)).round() - 1.0);
                        } else {
                            let floor = super::backoff_floor(c.policy(), c.retries());
                            prop_assert!(delay_ms as f64 >= floor, "{} < {}", delay_ms, floor);
                        }
                    }
                    other => prop_assert!(false, "unexpected {:?}", other),
                }
            }
        }
    }
}

#[test]
fn network_failures_that_cannot_be_mended_fail_the_connection() {
    for failure in [
        NetworkFailure::Aborted,
        NetworkFailure::Scheme,
        NetworkFailure::Cors,
    ] {
        let mut c = Connection::new(ReconnectPolicy::default());
        assert!(c.start(0.0));
        let verdict = c.on_network_failure(failure, Phase::Connect, 10.0, 0.0);
        assert_eq!(
            verdict,
            StreamVerdict::Close {
                reason: CloseReason::Failed,
                error: ErrorInfo {
                    phase: Phase::Connect,
                    status: None,
                    will_retry: false,
                    attempt: 1,
                    delay_ms: None,
                },
            },
            "{failure:?}"
        );
        assert_eq!(c.ready_state(), ReadyState::Closed);
        // Once closed, nothing more.
        assert_eq!(
            c.on_network_failure(failure, Phase::Body, 20.0, 0.0),
            StreamVerdict::Ignored
        );
        assert!(!c.reconnect(5000.0));
    }
}

#[test]
fn a_plain_network_failure_reconnects() {
    let mut c = Connection::new(ReconnectPolicy::default());
    assert!(c.start(0.0));
    let verdict = c.on_network_failure(NetworkFailure::Network, Phase::Body, 10.0, 0.0);
    assert!(
        matches!(verdict, StreamVerdict::Reconnect { delay_ms: 3000, .. }),
        "{verdict:?}"
    );
    assert_eq!(c.ready_state(), ReadyState::Connecting);
}
