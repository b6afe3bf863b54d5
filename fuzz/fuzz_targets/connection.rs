//! The connection state machine driven the way the glue drives it, by an
//! arbitrary world: a policy, then a sequence of facts (responses with any
//! status, `Content-Type` and `Retry-After` bytes, HTTP-dates included;
//! network errors, events, `retry:` fields, stream ends, timeouts, parse
//! limits, auth hook outcomes, `close()`, time passing, clock jumps, any
//! `random`). Checked after every call:
//!
//! - nothing panics;
//! - every `readyState` transition is one the call may make, and CLOSED stays
//!   CLOSED (every later call answers `Ignored`/`None`/`false`);
//! - every answer's `ErrorInfo` matches it (`will_retry`, `delay_ms`);
//! - the counters follow an independent model of the health rule (an event,
//!   or [`HEALTHY_AFTER_MS`] open, resets them);
//! - while the clock is sane, no delay is below its floors: attempt starts
//!   [`MIN_ATTEMPT_INTERVAL_MS`] apart, the configured backoff (which neither
//!   `retry:` nor `Retry-After` shortens), `Retry-After` itself when backoff
//!   is on, and the auth-refresh backoff.
#![no_main]

use eventsource_wasm::connection::{
    auth_refresh_backoff_ms, parse_retry_after, Connection, ErrorInfo, ReadyState, ReconnectPolicy,
    ResponseVerdict, StreamVerdict, HEALTHY_AFTER_MS, MIN_ATTEMPT_INTERVAL_MS,
};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

/// 2026-01-01T00:00:00Z in Unix epoch ms.
const EPOCH_2026: u64 = 1_767_225_600_000;

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});

/// Where the glue is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// An attempt is in flight, no response yet.
    Fetching,
    /// OPEN: reading the body.
    Reading,
    /// Waiting `until` before reconnecting (after the auth hook, if `refresh`).
    Waiting { until: f64, refresh: bool },
    /// CLOSED.
    Closed,
}

struct World {
    c: Connection,
    phase: Phase,
    /// The fake clock (whole milliseconds, so the arithmetic below is exact).
    now: f64,
    /// A clock jump happened: timing floors are no longer checked.
    clock_broken: bool,
    /// When the current attempt started.
    started: f64,
    /// When the current connection opened.
    opened: f64,
    /// The model's consecutive failures and refreshes since the last healthy
    /// connection.
    retries: u32,
    refreshes: u32,
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let policy = policy(u)?;
    let from_stream = u.ratio(1, 16)?;
    let mut w = World {
        c: Connection::new(policy),
        phase: Phase::Fetching,
        now: (EPOCH_2026 + u64::from(u.arbitrary::<u32>()?)) as f64,
        clock_broken: false,
        started: 0.0,
        opened: 0.0,
        retries: 0,
        refreshes: 0,
    };
    if u.ratio(1, 64)? {
        assert!(w.c.close());
        w.phase = Phase::Closed;
        assert!(!w.c.start(w.now));
    } else {
        assert!(w.c.start(w.now));
        assert!(!w.c.start(w.now), "start twice");
        w.started = w.now;
        assert_eq!(w.c.attempt(), 1);
        if from_stream {
            assert!(w.c.on_stream_open(w.now));
            assert_eq!(w.c.ready_state(), ReadyState::Open);
            w.opened = w.now;
            w.phase = Phase::Reading;
        }
    }
    for _ in 0..2000 {
        if u.is_empty() {
            break;
        }
        if u.ratio(1, 200)? {
            // A clock jump: backwards, far forwards, or nonsense.
            w.now = *u.choose(&[
                w.now - 3_600_000.0,
                w.now + 86_400_000.0,
                f64::NAN,
                f64::INFINITY,
                -1.0,
            ])?;
            w.clock_broken = true;
        } else {
            w.now += f64::from(u.int_in_range(0..=u8::MAX)?);
        }
        match w.phase {
            Phase::Fetching => fetching(&mut w, u)?,
            Phase::Reading => reading(&mut w, u)?,
            Phase::Waiting { until, refresh } => waiting(&mut w, u, until, refresh)?,
            Phase::Closed => closed(&mut w, u)?,
        }
        check_counters(&w);
    }
    Ok(())
}

fn policy(u: &mut Unstructured<'_>) -> Result<ReconnectPolicy> {
    let float = |u: &mut Unstructured<'_>, menu: &[f64]| -> Result<f64> {
        if u.ratio(1, 8)? {
            u.arbitrary()
        } else {
            Ok(*u.choose(menu)?)
        }
    };
    let ms = |u: &mut Unstructured<'_>| -> Result<u64> {
        Ok(match u.int_in_range(0..=3)? {
            0 => 0,
            1 => u.int_in_range(0..=1000)?,
            2 => u.int_in_range(0..=100_000)?,
            _ => u.arbitrary()?,
        })
    };
    if u.ratio(1, 16)? {
        return Ok(ReconnectPolicy::no_reconnect());
    }
    Ok(ReconnectPolicy {
        initial_delay_ms: ms(u)?,
        max_delay_ms: ms(u)?,
        multiplier: float(
            u,
            &[
                1.0,
                1.0,
                2.0,
                1.5,
                10.0,
                0.5,
                0.0,
                -2.0,
                f64::NAN,
                f64::INFINITY,
            ],
        )?,
        jitter: float(u, &[0.0, 0.0, 0.3, 1.0, 2.0, -1.0, f64::NAN])?,
        max_retries: if u.arbitrary()? {
            Some(u.int_in_range(0..=20)?)
        } else {
            None
        },
        retry_statuses: if u.arbitrary()? {
            vec![429, 502, 503, 504]
        } else {
            u.arbitrary()?
        },
        retry_after_cap_ms: ms(u)?,
        finite: u.arbitrary()?,
        auth_refresh: u.arbitrary()?,
        max_auth_refreshes: if u.arbitrary()? {
            u.int_in_range(0..=4)?
        } else {
            u.arbitrary()?
        },
    })
}

fn random(u: &mut Unstructured<'_>) -> Result<f64> {
    if u.ratio(1, 16)? {
        u.arbitrary()
    } else {
        Ok(f64::from(u.arbitrary::<u16>()?) / 65_536.0)
    }
}

fn status(u: &mut Unstructured<'_>) -> Result<u16> {
    if u.ratio(1, 8)? {
        u.arbitrary()
    } else {
        Ok(*u.choose(&[
            200, 200, 200, 200, 204, 301, 401, 403, 404, 429, 500, 502, 503, 504,
        ])?)
    }
}

/// Arbitrary bytes as the `String` a `Headers.get()` could give.
fn header_bytes(u: &mut Unstructured<'_>) -> Result<String> {
    let bytes: &[u8] = u.arbitrary()?;
    // A ByteString reaches Rust as Latin-1 chars.
    Ok(bytes.iter().map(|&b| char::from(b)).collect())
}

fn content_type(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    Ok(match u.int_in_range(0..=5)? {
        0 => None,
        1 | 2 => Some("text/event-stream".to_owned()),
        3 => Some("Text/Event-Stream; charset=utf-8".to_owned()),
        4 => Some("text/plain".to_owned()),
        _ => Some(header_bytes(u)?),
    })
}

fn retry_after(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    let two = |n: u32| format!("{n:02}");
    Ok(match u.int_in_range(0..=7)? {
        0 => None,
        1 => Some("0".to_owned()),
        2 => Some(u.int_in_range(0..=120u32)?.to_string()),
        3 => Some(u.arbitrary::<u64>()?.to_string()),
        // IMF-fixdate, RFC 850 and asctime, with fields in and out of range.
        4 => Some(format!(
            "{}, {} {} {} {}:{}:{} GMT",
            u.choose(&DAYS)?,
            two(u.int_in_range(0..=32)?),
            u.choose(&MONTHS)?,
            u.int_in_range(1900..=2100u32)?,
            two(u.int_in_range(0..=24)?),
            two(u.int_in_range(0..=60)?),
            two(u.int_in_range(0..=61)?),
        )),
        5 => Some(format!(
            "{}, {}-{}-{} {}:{}:{} GMT",
            u.choose(&LONG_DAYS)?,
            two(u.int_in_range(0..=32)?),
            u.choose(&MONTHS)?,
            two(u.int_in_range(0..=99)?),
            two(u.int_in_range(0..=24)?),
            two(u.int_in_range(0..=60)?),
            two(u.int_in_range(0..=61)?),
        )),
        6 => Some(format!(
            "{} {} {:>2} {}:{}:{} {}",
            u.choose(&DAYS)?,
            u.choose(&MONTHS)?,
            u.int_in_range(0..=32u32)?,
            two(u.int_in_range(0..=24)?),
            two(u.int_in_range(0..=60)?),
            two(u.int_in_range(0..=61)?),
            u.int_in_range(1900..=2100u32)?,
        )),
        _ => Some(header_bytes(u)?),
    })
}

/// Asserts that `call` may take `readyState` from `before` to `after`.
fn transition(call: &str, before: ReadyState, after: ReadyState) {
    use ReadyState::{Closed, Connecting};
    let legal = match (before, after) {
        (Closed, Closed) => true,
        (Closed, _) => false,
        _ => match call {
            "reconnect"
            | "on_event"
            | "on_retry_field"
            | "should_wait_for_online"
            | "next_delay_ms" => before == after,
            "on_response" => before == Connecting,
            "on_stream_end" | "on_network_error" | "on_inactivity_timeout" => {
                matches!(after, Connecting | Closed)
            }
            "on_parse_limit" | "fail_auth" | "close" => after == Closed,
            _ => false,
        },
    };
    assert!(legal, "{call}: {before:?} -> {after:?}");
}

fn check_counters(w: &World) {
    if w.phase != Phase::Closed {
        assert_eq!(w.c.retries(), w.retries, "retries");
        assert_eq!(w.c.auth_refreshes(), w.refreshes, "auth refreshes");
    }
}

fn effective_jitter(policy: &ReconnectPolicy) -> f64 {
    if policy.jitter.is_nan() {
        0.0
    } else {
        policy.jitter.clamp(0.0, 1.0)
    }
}

/// The configured backoff for the `n`-th consecutive failure at its lowest
/// jitter, minus 1 ms of rounding slack: what no server may shorten.
fn backoff_floor(policy: &ReconnectPolicy, n: u32) -> f64 {
    if !policy.backoff_enabled() || policy.initial_delay_ms == 0 {
        return 0.0;
    }
    let initial = policy.initial_delay_ms as f64;
    let cap = policy.max_delay_ms.max(policy.initial_delay_ms) as f64;
    let exponent = i32::try_from(n.saturating_sub(1)).unwrap_or(i32::MAX);
    let grown = (initial * policy.multiplier.powi(exponent)).min(cap);
    (grown * (1.0 - effective_jitter(policy))).round() - 1.0
}

/// Checks a scheduled delay against the floors; `delay` was returned at
/// `w.now` for the model's `w.retries`-th failure (or `refresh`-th refresh).
fn check_floors(w: &World, delay: u64, refresh: Option<u32>, retry_after: Option<u64>) {
    if w.clock_broken {
        return;
    }
    let next_start = w.now + delay as f64;
    assert!(
        next_start >= w.started + MIN_ATTEMPT_INTERVAL_MS as f64,
        "attempt spacing: started {}, now {}, delay {delay}",
        w.started,
        w.now
    );
    match refresh {
        Some(n) => assert!(delay >= auth_refresh_backoff_ms(n), "refresh {n}: {delay}"),
        None => {
            let policy = w.c.policy();
            let floor = backoff_floor(policy, w.retries);
            assert!(delay as f64 >= floor, "backoff: {delay} < {floor}");
            if let (true, Some(after)) = (policy.backoff_enabled(), retry_after) {
                let after = after.min(policy.retry_after_cap_ms);
                assert!(delay >= after, "Retry-After {after} shortened to {delay}");
            }
        }
    }
}

/// The connection ends while OPEN: the model's health rule (open for
/// [`HEALTHY_AFTER_MS`] by a finite clock).
fn note_open_time(w: &mut World) {
    let open = w.now - w.opened;
    if open.is_finite() && open >= HEALTHY_AFTER_MS as f64 {
        w.retries = 0;
        w.refreshes = 0;
    }
}

fn reconnect_verdict(w: &mut World, v: StreamVerdict, finite_clean: bool) {
    let after = w.c.ready_state();
    match v {
        StreamVerdict::Reconnect { delay_ms, error } => {
            check_error(&error, true, Some(delay_ms));
            assert_eq!(after, ReadyState::Connecting);
            assert!(!finite_clean, "a clean end in finite mode closes");
            w.retries += 1;
            check_floors(w, delay_ms, None, None);
            w.phase = Phase::Waiting {
                until: w.now + delay_ms as f64,
                refresh: false,
            };
        }
        StreamVerdict::Close { error, .. } => {
            check_error(&error, false, None);
            assert_eq!(after, ReadyState::Closed);
            w.phase = Phase::Closed;
        }
        StreamVerdict::Ignored => panic!("Ignored while not closed"),
    }
}

fn check_error(error: &ErrorInfo, will_retry: bool, delay: Option<u64>) {
    assert_eq!(error.will_retry, will_retry);
    assert_eq!(error.delay_ms, delay);
}

fn fetching(w: &mut World, u: &mut Unstructured<'_>) -> Result<()> {
    let before = w.c.ready_state();
    let attempt = w.c.attempt();
    match u.int_in_range(0..=9)? {
        0..=5 => {
            let status = status(u)?;
            let ct = content_type(u)?;
            let ra = retry_after(u)?;
            let v =
                w.c.on_response(status, ct.as_deref(), ra.as_deref(), w.now, random(u)?);
            transition("on_response", before, w.c.ready_state());
            match v {
                ResponseVerdict::Open => {
                    assert_eq!(status, 200);
                    assert_eq!(w.c.ready_state(), ReadyState::Open);
                    w.opened = w.now;
                    w.phase = Phase::Reading;
                }
                ResponseVerdict::Fail { error, .. } => {
                    check_error(&error, false, None);
                    assert_eq!(error.status, Some(status));
                    assert_eq!(w.c.ready_state(), ReadyState::Closed);
                    w.phase = Phase::Closed;
                }
                ResponseVerdict::Retry { delay_ms, error } => {
                    check_error(&error, true, Some(delay_ms));
                    assert!(w.c.policy().retry_statuses.contains(&status));
                    assert_eq!(w.c.attempt(), attempt + 1);
                    w.retries += 1;
                    let after = ra.as_deref().and_then(|v| parse_retry_after(v, w.now));
                    check_floors(w, delay_ms, None, after);
                    w.phase = Phase::Waiting {
                        until: w.now + delay_ms as f64,
                        refresh: false,
                    };
                }
                ResponseVerdict::Refresh { delay_ms, error } => {
                    check_error(&error, true, Some(delay_ms));
                    assert!(matches!(status, 401 | 403) && w.c.policy().auth_refresh);
                    w.refreshes += 1;
                    check_floors(w, delay_ms, Some(w.refreshes), None);
                    w.phase = Phase::Waiting {
                        until: w.now + delay_ms as f64,
                        refresh: true,
                    };
                }
                ResponseVerdict::Ignored => panic!("Ignored while not closed"),
            }
        }
        6 | 7 => {
            let v = w.c.on_network_error(w.now, random(u)?);
            transition("on_network_error", before, w.c.ready_state());
            reconnect_verdict(w, v, false);
        }
        8 => {
            let v = w.c.on_inactivity_timeout(w.now, random(u)?);
            transition("on_inactivity_timeout", before, w.c.ready_state());
            reconnect_verdict(w, v, false);
        }
        _ => close(w),
    }
    Ok(())
}

fn reading(w: &mut World, u: &mut Unstructured<'_>) -> Result<()> {
    let before = w.c.ready_state();
    match u.int_in_range(0..=11)? {
        0..=2 => {
            w.c.on_event();
            transition("on_event", before, w.c.ready_state());
            w.retries = 0;
            w.refreshes = 0;
        }
        3 | 4 => {
            let ms = if u.arbitrary()? {
                u.int_in_range(0..=5)?
            } else {
                u.arbitrary()?
            };
            w.c.on_retry_field(ms);
            transition("on_retry_field", before, w.c.ready_state());
            assert_eq!(w.c.reconnection_time_ms(), ms);
        }
        5 => {
            // A long quiet stretch (heartbeats only).
            w.now += f64::from(u.int_in_range(0..=60_000u32)?);
        }
        6..=8 => {
            let clean = u.arbitrary()?;
            note_open_time(w);
            let v = w.c.on_stream_end(clean, w.now, random(u)?);
            transition("on_stream_end", before, w.c.ready_state());
            let finite_clean = clean && w.c.policy().finite;
            if finite_clean {
                assert!(matches!(v, StreamVerdict::Close { .. }));
            }
            reconnect_verdict(w, v, finite_clean);
        }
        9 => {
            note_open_time(w);
            let v = w.c.on_inactivity_timeout(w.now, random(u)?);
            transition("on_inactivity_timeout", before, w.c.ready_state());
            reconnect_verdict(w, v, false);
        }
        10 => {
            let error = w.c.on_parse_limit();
            transition("on_parse_limit", before, w.c.ready_state());
            let error = error.expect("an error while open");
            check_error(&error, false, None);
            w.phase = Phase::Closed;
        }
        _ => close(w),
    }
    Ok(())
}

fn waiting(w: &mut World, u: &mut Unstructured<'_>, until: f64, refresh: bool) -> Result<()> {
    let before = w.c.ready_state();
    assert_eq!(before, ReadyState::Connecting);
    match u.int_in_range(0..=5)? {
        0..=2 => {
            // The wait is over (on time, or later).
            if !w.clock_broken {
                w.now = w.now.max(until);
            }
            if refresh && u.ratio(1, 4)? {
                let error = w.c.fail_auth();
                transition("fail_auth", before, w.c.ready_state());
                let error = error.expect("an error while connecting");
                check_error(&error, false, None);
                w.phase = Phase::Closed;
                return Ok(());
            }
            assert!(w.c.reconnect(w.now));
            transition("reconnect", before, w.c.ready_state());
            assert!(!w.c.reconnect(w.now), "reconnect twice");
            w.started = w.now;
            w.phase = Phase::Fetching;
        }
        3 => {
            let online = u.arbitrary()?;
            assert_eq!(w.c.should_wait_for_online(online), !online);
            let preview = w.c.next_delay_ms(w.now, random(u)?);
            transition("next_delay_ms", before, w.c.ready_state());
            let _ = preview;
        }
        4 => {
            // `start()` again is refused.
            assert!(!w.c.start(w.now));
            transition("reconnect", before, w.c.ready_state());
        }
        _ => close(w),
    }
    Ok(())
}

fn close(w: &mut World) {
    let before = w.c.ready_state();
    assert!(w.c.close());
    transition("close", before, w.c.ready_state());
    assert!(!w.c.close());
    w.phase = Phase::Closed;
}

/// After CLOSED: every call, with any arguments, changes nothing.
fn closed(w: &mut World, u: &mut Unstructured<'_>) -> Result<()> {
    assert_eq!(w.c.ready_state(), ReadyState::Closed);
    let r = random(u)?;
    match u.int_in_range(0..=12)? {
        0 => assert!(!w.c.start(w.now)),
        1 => assert!(!w.c.reconnect(w.now)),
        2 => {
            let status = status(u)?;
            let ct = content_type(u)?;
            let ra = retry_after(u)?;
            let v =
                w.c.on_response(status, ct.as_deref(), ra.as_deref(), w.now, r);
            assert_eq!(v, ResponseVerdict::Ignored);
            assert_eq!(v.error(), None);
        }
        3 => assert!(!w.c.on_stream_open(w.now)),
        4 => w.c.on_event(),
        5 => {
            let ms = u.arbitrary()?;
            w.c.on_retry_field(ms);
            assert_eq!(w.c.reconnection_time_ms(), ms, "recorded even when closed");
        }
        6 => {
            let clean = u.arbitrary()?;
            assert_eq!(w.c.on_stream_end(clean, w.now, r), StreamVerdict::Ignored);
        }
        7 => assert_eq!(w.c.on_network_error(w.now, r), StreamVerdict::Ignored),
        8 => assert_eq!(w.c.on_inactivity_timeout(w.now, r), StreamVerdict::Ignored),
        9 => assert_eq!(w.c.on_parse_limit(), None),
        10 => assert_eq!(w.c.fail_auth(), None),
        11 => assert!(!w.c.close()),
        _ => assert!(!w.c.should_wait_for_online(u.arbitrary()?)),
    }
    assert_eq!(w.c.ready_state(), ReadyState::Closed);
    Ok(())
}
