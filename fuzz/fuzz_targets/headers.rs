//! The response headers the connection reads: `Content-Type`
//! (`is_event_stream`, `mime_essence`) and `Retry-After`
//! (`parse_retry_after`, HTTP-dates included), on any bytes and any clock.
//! Nothing panics, and:
//!
//! - `is_event_stream` is exactly "the essence is `text/event-stream`"; an
//!   essence is lowercase `token/token`; ASCII case never matters; parameters
//!   added to a match keep it a match;
//! - `Retry-After` digits are seconds whatever the clock; a date's delay moves
//!   with the clock, millisecond for millisecond, and never goes below 0;
//! - a valid IMF-fixdate or asctime date gives the delay an independent
//!   calendar computation gives.
#![no_main]

use eventsource_wasm::connection::{is_event_stream, mime_essence, parse_retry_after};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = match u.int_in_range(0..=2u8) {
        Ok(0) => content_type(&mut u),
        Ok(1) => retry_after(&mut u),
        _ => calendar(&mut u),
    };
});

/// Bytes as a header value: Latin-1 chars (a `ByteString`), or the UTF-8
/// text when it is valid (other callers).
fn value(u: &mut Unstructured<'_>) -> Result<String> {
    let bytes: &[u8] = u.arbitrary()?;
    Ok(match std::str::from_utf8(bytes) {
        Ok(text) if u.arbitrary()? => text.to_owned(),
        _ => bytes.iter().map(|&b| char::from(b)).collect(),
    })
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn content_type(u: &mut Unstructured<'_>) -> Result<()> {
    let s = value(u)?;
    let essence = mime_essence(&s);
    let matches = is_event_stream(Some(&s));
    assert_eq!(
        matches,
        essence.as_deref() == Some("text/event-stream"),
        "{s:?}: {essence:?}"
    );
    if let Some(essence) = &essence {
        let (ty, sub) = essence.split_once('/').expect("type/subtype");
        for part in [ty, sub] {
            assert!(
                !part.is_empty() && part.chars().all(is_token_char),
                "{essence:?}"
            );
        }
        assert!(
            !essence.chars().any(|c| c.is_ascii_uppercase()),
            "{essence:?}"
        );
    }
    let upper = s.to_ascii_uppercase();
    assert_eq!(mime_essence(&upper), essence, "case: {s:?}");
    assert_eq!(is_event_stream(Some(&upper)), matches, "case: {s:?}");
    if matches && !s.contains([',', '"']) {
        let with_params = format!("{s};charset=utf-8;x=y");
        assert!(is_event_stream(Some(&with_params)), "{with_params:?}");
    }
    assert!(!is_event_stream(None));
    Ok(())
}

fn retry_after(u: &mut Unstructured<'_>) -> Result<()> {
    let s = value(u)?;
    // Any clock, nonsense included: no panic.
    let _ = parse_retry_after(&s, u.arbitrary()?);
    // A sane clock: whole milliseconds within ±2^50 (exact in f64).
    let now = u.int_in_range(-(1i64 << 50)..=(1i64 << 50))? as f64;
    let got = parse_retry_after(&s, now);
    let trimmed = s.trim_matches([' ', '\t']);
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = trimmed.bytes().fold(0u64, |acc, b| {
            acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        });
        assert_eq!(got, Some(seconds.saturating_mul(1000)), "{s:?}");
        assert_eq!(parse_retry_after(&s, f64::NAN), got, "digits need no clock");
        return Ok(());
    }
    let Some(delay) = got else {
        return Ok(());
    };
    assert_eq!(
        parse_retry_after(&s, f64::NAN),
        None,
        "a date needs a clock"
    );
    // Two-digit RFC 850 years depend on the current year; the other forms
    // move with the clock exactly.
    if trimmed.contains('-') {
        return Ok(());
    }
    assert_eq!(
        parse_retry_after(&s, now - 1000.0),
        Some(delay + 1000),
        "{s:?} at {now}"
    );
    if delay == 0 {
        assert_eq!(
            parse_retry_after(&s, now + 1000.0),
            Some(0),
            "past stays past"
        );
    } else if delay > 1000 {
        assert_eq!(
            parse_retry_after(&s, now + 1000.0),
            Some(delay - 1000),
            "{s:?}"
        );
    }
    Ok(())
}

/// Days from 1970-01-01 to `year`-`month`-`day`, by counting (independent of
/// the crate's closed formula).
fn days_since_epoch(year: i64, month: usize, day: i64) -> i64 {
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut days: i64 = if year >= 1970 {
        (1970..year).map(|y| 365 + i64::from(leap(y))).sum()
    } else {
        -(year..1970).map(|y| 365 + i64::from(leap(y))).sum::<i64>()
    };
    for (m, len) in lengths.iter().enumerate().take(month) {
        days += len + i64::from(m == 1 && leap(year));
    }
    days + day - 1
}

fn calendar(u: &mut Unstructured<'_>) -> Result<()> {
    let year = u.int_in_range(1000..=9999i64)?;
    let month = u.int_in_range(0..=11usize)?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let length = [
        31,
        28 + i64::from(leap),
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month];
    let day = u.int_in_range(1..=length)?;
    let (h, m, s) = (
        u.int_in_range(0..=23i64)?,
        u.int_in_range(0..=59i64)?,
        u.int_in_range(0..=59i64)?,
    );
    let weekday = DAYS[u.int_in_range(0..=6usize)?];
    let seconds = days_since_epoch(year, month, day) * 86_400 + h * 3600 + m * 60 + s;
    let now = u.int_in_range(-(1i64 << 50)..=(1i64 << 50))?;
    let expected = (seconds * 1000 - now).max(0) as u64;
    let imf = format!(
        "{weekday}, {day:02} {} {year} {h:02}:{m:02}:{s:02} GMT",
        MONTHS[month]
    );
    let asctime = format!(
        "{weekday} {} {day:>2} {h:02}:{m:02}:{s:02} {year}",
        MONTHS[month]
    );
    for date in [imf, asctime] {
        assert_eq!(
            parse_retry_after(&date, now as f64),
            Some(expected),
            "{date:?} at {now}"
        );
    }
    Ok(())
}
