//! `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date in any of
//! the three forms of RFC 9110 §5.6.7 (IMF-fixdate, obsolete RFC 850, asctime).

const MS_PER_SECOND: u64 = 1000;
const SECONDS_PER_DAY: i64 = 86_400;
const MS_PER_DAY: f64 = 86_400_000.0;

const SHORT_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
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

/// Parses a `Retry-After` header value into a delay in milliseconds.
///
/// - delta-seconds (`1*DIGIT`): that many seconds, saturating at `u64::MAX` ms.
/// - an HTTP-date: the time from `now_epoch_ms` (Unix epoch milliseconds, e.g.
///   `Date.now()`) until that date, rounded up to a whole millisecond; a date
///   in the past (or now) gives `0`.
///
/// Surrounding spaces and tabs are ignored. Anything else (negative or
/// fractional numbers, unknown formats, impossible dates, a non-finite
/// `now_epoch_ms` for a date) gives `None`. Day and month names are matched
/// case-insensitively; the day of the week is not checked against the date.
/// A two-digit RFC 850 year more than 50 years in the future (relative to
/// `now_epoch_ms`) is taken as the most recent past year with those digits.
pub fn parse_retry_after(value: &str, now_epoch_ms: f64) -> Option<u64> {
    let value = value.trim_matches([' ', '\t']);
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = value.bytes().fold(0u64, |acc, b| {
            acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        });
        return Some(seconds.saturating_mul(MS_PER_SECOND));
    }
    if !now_epoch_ms.is_finite() {
        return None;
    }
    let date_seconds = parse_http_date(value, current_year(now_epoch_ms))?;
    // Exact in f64: |date_seconds| < 2^40 for 4-digit years.
    let delta = date_seconds as f64 * 1000.0 - now_epoch_ms;
    if delta <= 0.0 {
        Some(0)
    } else {
        // `as` saturates; `delta` is finite and positive here.
        Some(delta.ceil() as u64)
    }
}

/// Parses an HTTP-date into seconds since the Unix epoch. `current_year` is
/// used only to expand the two-digit year of the RFC 850 form.
pub(super) fn parse_http_date(value: &str, current_year: i64) -> Option<i64> {
    let tokens: Vec<&str> = value.split_ascii_whitespace().collect();
    let (year, month, day, time) = match tokens.as_slice() {
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        [day_name, day, month, year, time, gmt] => {
            let name = day_name.strip_suffix(',')?;
            if !is_one_of(name, &SHORT_DAYS) || !gmt.eq_ignore_ascii_case("GMT") {
                return None;
            }
            (
                parse_year4(year)?,
                parse_month(month)?,
                parse_day(day)?,
                *time,
            )
        }
        // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
        [day_name, date, time, gmt] => {
            let name = day_name.strip_suffix(',')?;
            if !is_one_of(name, &LONG_DAYS) || !gmt.eq_ignore_ascii_case("GMT") {
                return None;
            }
            let mut parts = date.split('-');
            let day = parse_day(parts.next()?)?;
            let month = parse_month(parts.next()?)?;
            let yy = parts.next()?;
            if parts.next().is_some() {
                return None;
            }
            let year = if yy.len() == 2 {
                expand_two_digit_year(parse_digits(yy)?, current_year)
            } else {
                parse_year4(yy)?
            };
            (year, month, day, *time)
        }
        // asctime: "Sun Nov  6 08:49:37 1994"
        [day_name, month, day, time, year] => {
            if !is_one_of(day_name, &SHORT_DAYS) {
                return None;
            }
            (
                parse_year4(year)?,
                parse_month(month)?,
                parse_day(day)?,
                *time,
            )
        }
        _ => return None,
    };
    if day > days_in_month(year, month) {
        return None;
    }
    let seconds_of_day = parse_time_of_day(time)?;
    Some(days_from_civil(year, month, day) * SECONDS_PER_DAY + seconds_of_day)
}

fn is_one_of(name: &str, names: &[&str]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

fn parse_digits(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        s.bytes()
            .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0')),
    )
}

fn parse_year4(s: &str) -> Option<i64> {
    if s.len() != 4 {
        return None;
    }
    parse_digits(s)
}

/// One or two digits, 1..=31 (validated against the month later).
fn parse_day(s: &str) -> Option<u32> {
    if s.len() > 2 {
        return None;
    }
    let d = u32::try_from(parse_digits(s)?).ok()?;
    (1..=31).contains(&d).then_some(d)
}

fn parse_month(s: &str) -> Option<u32> {
    let index = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(s))?;
    u32::try_from(index + 1).ok()
}

/// "HH:MM:SS" → seconds of the day. A second of 60 (leap second) is accepted.
fn parse_time_of_day(s: &str) -> Option<i64> {
    let mut parts = s.split(':');
    let mut field = |max: i64| -> Option<i64> {
        let p = parts.next()?;
        if p.len() != 2 {
            return None;
        }
        let v = parse_digits(p)?;
        (v <= max).then_some(v)
    };
    let h = field(23)?;
    let m = field(59)?;
    let sec = field(60)?;
    if parts.next().is_some() {
        return None;
    }
    Some(h * 3600 + m * 60 + sec)
}

/// RFC 9110 §5.6.7: a two-digit year that appears to be more than 50 years in
/// the future is the most recent past year with the same last two digits.
fn expand_two_digit_year(yy: i64, current_year: i64) -> i64 {
    let century = current_year - current_year.rem_euclid(100);
    let candidate = century + yy;
    if candidate > current_year + 50 {
        candidate - 100
    } else if candidate <= current_year - 50 {
        // e.g. current 2090, "05" → 2105 is not more than 50 years ahead.
        candidate + 100
    } else {
        candidate
    }
}

fn is_leap_year(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian year containing the Unix epoch time `epoch_ms`.
fn current_year(epoch_ms: f64) -> i64 {
    // `as` saturates; years are only needed roughly for the RFC 850 window.
    let z = (epoch_ms / MS_PER_DAY).floor() as i64;
    let z = z.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let y = yoe + era.saturating_mul(400);
    if mp >= 10 {
        y + 1
    } else {
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1994-11-06T08:49:37Z
    const RFC_EXAMPLE_S: i64 = 784_111_777;
    /// 2026-01-01T00:00:00Z
    const NOW_2026_MS: f64 = 1_767_225_600_000.0;

    #[test]
    fn civil_conversions() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(current_year(0.0), 1970);
        assert_eq!(current_year(NOW_2026_MS), 2026);
        assert_eq!(current_year(NOW_2026_MS - 1.0), 2025);
        assert_eq!(current_year(-1.0), 1969);
        assert_eq!(
            days_from_civil(2026, 1, 1) * SECONDS_PER_DAY * 1000,
            NOW_2026_MS as i64
        );
    }

    #[test]
    fn three_date_forms() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", 2026),
            Some(RFC_EXAMPLE_S)
        );
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", 2026),
            Some(RFC_EXAMPLE_S)
        );
        assert_eq!(
            parse_http_date("Sun Nov  6 08:49:37 1994", 2026),
            Some(RFC_EXAMPLE_S)
        );
        assert_eq!(
            parse_http_date("Sun Nov 06 08:49:37 1994", 2026),
            Some(RFC_EXAMPLE_S)
        );
        assert_eq!(
            parse_http_date("sun, 06 nov 1994 08:49:37 gmt", 2026),
            Some(RFC_EXAMPLE_S)
        );
        assert_eq!(
            parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT", 2026),
            Some(0)
        );
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "Sun 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Sun, 29 Feb 2023 08:49:37 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nox 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1994 08:49:61 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 08:49:37:00 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94-1 08:49:37 GMT",
            "Sunday, 06-Nov 08:49:37 GMT",
            "Sun, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 94",
            "Sun Nov 123 08:49:37 1994",
            "1994-11-06T08:49:37Z",
        ] {
            assert_eq!(parse_http_date(bad, 2026), None, "{bad:?}");
        }
        assert!(parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT", 2026).is_some());
        assert!(parse_http_date("Sat, 29 Feb 2000 00:00:00 GMT", 2026).is_some());
        assert!(parse_http_date("Thu, 29 Feb 1900 00:00:00 GMT", 2026).is_none());
        assert!(parse_http_date("Sun, 06 Nov 1994 23:59:60 GMT", 2026).is_some());
    }

    #[test]
    fn two_digit_years() {
        assert_eq!(expand_two_digit_year(94, 2026), 1994);
        assert_eq!(expand_two_digit_year(26, 2026), 2026);
        assert_eq!(expand_two_digit_year(76, 2026), 2076);
        assert_eq!(expand_two_digit_year(77, 2026), 1977);
        assert_eq!(expand_two_digit_year(5, 2090), 2105);
        assert_eq!(expand_two_digit_year(50, 2090), 2050);
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after("0", NOW_2026_MS), Some(0));
        assert_eq!(parse_retry_after("2", NOW_2026_MS), Some(2000));
        assert_eq!(parse_retry_after(" 120\t", NOW_2026_MS), Some(120_000));
        assert_eq!(parse_retry_after("007", f64::NAN), Some(7000));
        assert_eq!(
            parse_retry_after("99999999999999999999999", 0.0),
            Some(u64::MAX)
        );
        assert_eq!(
            parse_retry_after("18446744073709551", 0.0),
            Some(18_446_744_073_709_551_000)
        );
        assert_eq!(parse_retry_after("18446744073709552", 0.0), Some(u64::MAX));
        for bad in ["", " ", "-1", "+1", "1.5", "1e3", "1 2", "abc", "0x10", "١"] {
            assert_eq!(parse_retry_after(bad, NOW_2026_MS), None, "{bad:?}");
        }
    }

    #[test]
    fn retry_after_dates() {
        let in_90s = "Thu, 01 Jan 2026 00:01:30 GMT";
        assert_eq!(parse_retry_after(in_90s, NOW_2026_MS), Some(90_000));
        // Rounded up: never earlier than the date.
        assert_eq!(parse_retry_after(in_90s, NOW_2026_MS + 0.5), Some(90_000));
        assert_eq!(parse_retry_after(in_90s, NOW_2026_MS + 10.4), Some(89_990));
        assert_eq!(
            parse_retry_after(in_90s, NOW_2026_MS + 1000.0),
            Some(89_000)
        );
        assert_eq!(
            parse_retry_after("Thursday, 01-Jan-26 00:00:02 GMT", NOW_2026_MS),
            Some(2000)
        );
        assert_eq!(
            parse_retry_after("Thu Jan  1 00:00:03 2026", NOW_2026_MS),
            Some(3000)
        );
        // Past dates and "now" → 0.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", NOW_2026_MS),
            Some(0)
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:00:00 GMT", NOW_2026_MS),
            Some(0)
        );
        // A non-finite clock cannot measure a date.
        assert_eq!(parse_retry_after(in_90s, f64::NAN), None);
        assert_eq!(parse_retry_after(in_90s, f64::INFINITY), None);
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:01:30 GMT junk", NOW_2026_MS),
            None
        );
    }
}
