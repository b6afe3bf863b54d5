//! `Content-Type` checks: WHATWG Fetch "extract a MIME type" on top of WHATWG
//! MIME Sniffing "parse a MIME type", reduced to what EventSource needs (the
//! essence). Parameters can never make a MIME type invalid, so they are skipped
//! without being parsed.

/// HTTP whitespace: U+0009 TAB, U+000A LF, U+000D CR, U+0020 SPACE.
fn is_http_whitespace(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\r' | b' ')
}

/// HTTP tab or space: U+0009 TAB, U+0020 SPACE.
fn is_http_tab_or_space(b: u8) -> bool {
    matches!(b, b'\t' | b' ')
}

/// An HTTP token code point: ASCII alphanumeric or one of ``!#$%&'*+-.^_`|~``.
fn is_http_token_code_point(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_http_token_code_point)
}

fn trim_bytes(s: &str, pred: fn(u8) -> bool) -> &str {
    let start = s.bytes().position(|b| !pred(b)).unwrap_or(s.len());
    let end = s.bytes().rposition(|b| !pred(b)).map_or(start, |i| i + 1);
    // Both bounds sit next to ASCII bytes (or at the ends), so they are char
    // boundaries; `get` keeps this panic-free regardless.
    s.get(start..end).unwrap_or("")
}

/// The essence of a MIME type as (type, subtype), both still in their original
/// case. Compare with `eq_ignore_ascii_case`.
pub(super) type Essence<'a> = (&'a str, &'a str);

/// WHATWG MIME Sniffing "parse a MIME type", steps 1 to 10 (type and subtype).
/// Returns `None` on failure. Parameters are ignored: per the algorithm they
/// can only be dropped, never cause a failure.
pub(super) fn parse_mime_essence(input: &str) -> Option<Essence<'_>> {
    // 1. Remove leading and trailing HTTP whitespace.
    let input = trim_bytes(input, is_http_whitespace);
    // 3-6. type: up to '/', must be a non-empty token; the '/' must exist.
    let slash = input.find('/')?;
    let ty = input.get(..slash)?;
    if !is_token(ty) {
        return None;
    }
    let rest = input.get(slash + 1..)?;
    // 7-9. subtype: up to ';', trailing HTTP whitespace removed, non-empty token.
    let subtype = match rest.find(';') {
        Some(semi) => rest.get(..semi)?,
        None => rest,
    };
    let subtype = trim_end_bytes(subtype, is_http_whitespace);
    if !is_token(subtype) {
        return None;
    }
    Some((ty, subtype))
}

fn trim_end_bytes(s: &str, pred: fn(u8) -> bool) -> &str {
    let end = s.bytes().rposition(|b| !pred(b)).map_or(0, |i| i + 1);
    s.get(..end).unwrap_or("")
}

/// WHATWG Fetch "get, decode, and split" for one already-combined header value
/// (what `Headers.get()` returns): split on commas that are not inside an HTTP
/// quoted string, trimming HTTP tab or space around each value.
pub(super) fn split_header_values(value: &str) -> Vec<&str> {
    let bytes = value.as_bytes();
    let mut values = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    loop {
        // Collect code points that are not '"' or ','.
        while pos < bytes.len() && bytes[pos] != b'"' && bytes[pos] != b',' {
            pos += 1;
        }
        if pos < bytes.len() {
            if bytes[pos] == b'"' {
                pos = skip_quoted_string(bytes, pos);
                if pos < bytes.len() {
                    continue;
                }
            } else {
                // A ','.
                let item = value.get(start..pos).unwrap_or("");
                values.push(trim_bytes(item, is_http_tab_or_space));
                pos += 1;
                start = pos;
                if pos >= bytes.len() {
                    return values;
                }
                continue;
            }
        }
        let item = value.get(start..).unwrap_or("");
        values.push(trim_bytes(item, is_http_tab_or_space));
        return values;
    }
}

/// "Collect an HTTP quoted string" starting at the `"` at `pos`; returns the
/// position just after it (the closing quote, or the end of input).
fn skip_quoted_string(bytes: &[u8], mut pos: usize) -> usize {
    pos += 1; // the opening quote
    while pos < bytes.len() {
        match bytes[pos] {
            b'\\' => {
                pos += 1;
                if pos >= bytes.len() {
                    return pos;
                }
                pos += 1;
            }
            b'"' => return pos + 1,
            _ => pos += 1,
        }
    }
    pos
}

/// WHATWG Fetch "extract a MIME type", reduced to the essence: the last value of
/// the (comma-combined) header that parses as a MIME type whose essence is not
/// `*/*`.
pub(super) fn extract_essence(header_value: &str) -> Option<Essence<'_>> {
    split_header_values(header_value)
        .into_iter()
        .filter_map(parse_mime_essence)
        .rfind(|(ty, sub)| !(*ty == "*" && *sub == "*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn essence(v: &str) -> Option<String> {
        extract_essence(v).map(|(t, s)| [t.to_ascii_lowercase(), s.to_ascii_lowercase()].join("/"))
    }

    #[test]
    fn split_respects_quotes() {
        assert_eq!(split_header_values("a, b ,c"), vec!["a", "b", "c"]);
        assert_eq!(
            split_header_values("a;x=\"1,2\", b"),
            vec!["a;x=\"1,2\"", "b"]
        );
        assert_eq!(
            split_header_values("a;x=\"1\\\",2\", b"),
            vec!["a;x=\"1\\\",2\"", "b"]
        );
        assert_eq!(split_header_values("a,"), vec!["a"]);
        assert_eq!(split_header_values(""), vec![""]);
        assert_eq!(split_header_values(",a"), vec!["", "a"]);
        assert_eq!(
            split_header_values("a;x=\"unterminated, b"),
            vec!["a;x=\"unterminated, b"]
        );
        assert_eq!(split_header_values("a;x=\"ends\\"), vec!["a;x=\"ends\\"]);
    }

    #[test]
    fn parse_basics() {
        assert_eq!(parse_mime_essence("text/html"), Some(("text", "html")));
        assert_eq!(
            parse_mime_essence(" \t\r\ntext/html \r\n"),
            Some(("text", "html"))
        );
        assert_eq!(parse_mime_essence("text/html ;a=b"), Some(("text", "html")));
        assert_eq!(parse_mime_essence("text/html;"), Some(("text", "html")));
        assert_eq!(parse_mime_essence("text/html;;;=;"), Some(("text", "html")));
        assert_eq!(parse_mime_essence("text"), None);
        assert_eq!(parse_mime_essence("/html"), None);
        assert_eq!(parse_mime_essence("text/"), None);
        assert_eq!(parse_mime_essence("text/;a=b"), None);
        assert_eq!(parse_mime_essence("text /html"), None);
        assert_eq!(parse_mime_essence("text/ html"), None);
        assert_eq!(parse_mime_essence("te xt/html"), None);
        assert_eq!(parse_mime_essence("text/ht ml"), None);
        assert_eq!(parse_mime_essence("text/html/x"), None);
        assert_eq!(parse_mime_essence("\"text\"/html"), None);
        assert_eq!(parse_mime_essence("tèxt/html"), None);
        assert_eq!(parse_mime_essence(""), None);
    }

    #[test]
    fn extract_takes_last_valid_value() {
        assert_eq!(
            essence("text/plain, text/event-stream").as_deref(),
            Some("text/event-stream")
        );
        assert_eq!(
            essence("text/event-stream, text/plain").as_deref(),
            Some("text/plain")
        );
        assert_eq!(
            essence("text/event-stream, */*").as_deref(),
            Some("text/event-stream")
        );
        assert_eq!(
            essence("text/event-stream, bogus").as_deref(),
            Some("text/event-stream")
        );
        assert_eq!(
            essence("text/event-stream,").as_deref(),
            Some("text/event-stream")
        );
        assert_eq!(essence("*/*"), None);
        assert_eq!(essence("bogus, also bogus"), None);
        assert_eq!(
            essence("TEXT/Event-Stream").as_deref(),
            Some("text/event-stream")
        );
    }
}
