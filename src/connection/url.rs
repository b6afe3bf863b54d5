//! Rules on the URL a source fetches, applied to the URL the platform's parser resolved
//! (its `href`: scheme and host already lowercased, a domain already in ASCII).

/// Whether fetch can fetch `url` for an event stream (a `cors`-mode request): only
/// `http:`, `https:`, `data:` and `blob:` URLs. For any other scheme (`about:`, `ftp:`,
/// `mailto:`, `javascript:`, `file:`, `ws:`, …) fetch returns a network error every
/// time, so the source fails at once instead of reconnecting forever.
// [spec] Fetch, main fetch: a URL whose scheme is "data" (or same-origin, e.g. a blob:
// URL of this origin) goes to scheme fetch; "If request's current URL's scheme is not
// an HTTP(S) scheme, then return a network error." HTML, "reestablish the connection":
// a network error reestablishes it "unless the user agent knows that to be futile, in
// which case the user agent may fail the connection" (every engine fails these).
pub fn is_fetchable(url: &str) -> bool {
    let scheme = scheme_of(url.as_bytes());
    [&b"http"[..], b"https", b"data", b"blob"]
        .iter()
        .any(|fetched| scheme.eq_ignore_ascii_case(fetched))
}

/// The bytes before the first `:` (all of `url` if there is none).
fn scheme_of(url: &[u8]) -> &[u8] {
    let end = url.iter().position(|&b| b == b':').unwrap_or(url.len());
    &url[..end]
}

/// Whether the host of `url`, a special URL (`http:`, `https:`, `ws:`, `wss:`, `ftp:`)
/// with a domain, contains a forbidden domain code point once percent-decoded: the URL
/// standard's parser fails on it, though some engines' parsers accept it (Chromium
/// serializes `http://exa mple.com/` as `http://exa%20mple.com/`).
// [spec] URL, host parser: "Let domain be the result of running UTF-8 decode without
// BOM on the percent-decoding of input. … If asciiDomain contains a forbidden domain
// code point, domain-invalid-code-point validation error, return failure."
pub fn has_forbidden_host(url: &str) -> bool {
    let url = url.as_bytes();
    let scheme = scheme_of(url);
    let special = [&b"http"[..], b"https", b"ws", b"wss", b"ftp"]
        .iter()
        .any(|special| scheme.eq_ignore_ascii_case(special));
    let Some(rest) = url
        .get(scheme.len()..)
        .and_then(|rest| rest.strip_prefix(b"://"))
    else {
        return false;
    };
    if !special {
        return false;
    }
    let end = rest
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = match authority.iter().rposition(|&b| b == b'@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    if host_port.first() == Some(&b'[') {
        // An IPv6 address: the parser already validated it.
        return false;
    }
    let end = host_port
        .iter()
        .position(|&b| b == b':')
        .unwrap_or(host_port.len());
    percent_decode(&host_port[..end])
        .iter()
        .any(|&byte| is_forbidden_domain_byte(byte))
}

/// A forbidden domain code point that is ASCII (the decoded host of a resolved URL is
/// ASCII, and every forbidden domain code point is).
// [spec] URL: "A forbidden host code point is U+0000 NULL, U+0009 TAB, U+000A LF,
// U+000D CR, U+0020 SPACE, U+0023 (#), U+002F (/), U+003A (:), U+003C (<), U+003E (>),
// U+003F (?), U+0040 (@), U+005B ([), U+005C (\), U+005D (]), U+005E (^), or U+007C
// (|). A forbidden domain code point is a forbidden host code point, a C0 control,
// U+0025 (%), or U+007F DELETE."
fn is_forbidden_domain_byte(byte: u8) -> bool {
    byte <= 0x20 || byte == 0x7F || b"#/:<>?@[\\]^|%".contains(&byte)
}

/// Percent-decodes `input` (a `%` not followed by two hex digits stays as it is).
// [spec] URL, "percent-decode a byte sequence".
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |byte: Option<&u8>| match byte {
        Some(&b @ b'0'..=b'9') => Some(b - b'0'),
        Some(&b @ b'a'..=b'f') => Some(b - b'a' + 10),
        Some(&b @ b'A'..=b'F') => Some(b - b'A' + 10),
        _ => None,
    };
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&byte) = input.get(i) {
        match (byte, hex(input.get(i + 1)), hex(input.get(i + 2))) {
            (b'%', Some(high), Some(low)) => {
                out.push(high * 16 + low);
                i += 3;
            }
            _ => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// `url` with its query parameter `name` set to `value`: every parameter of that name
/// (compared after form-decoding: `+` is a space, percent-escapes decoded) is removed,
/// then `name=value` is appended, both percent-encoded as UTF-8 (everything but ASCII
/// letters, digits and `-._~`; a space is `%20`). The rest of the URL (the other
/// parameters, byte for byte, and the fragment) is left as it is, unlike
/// `URLSearchParams`, which would re-serialize every parameter.
pub fn with_query_param(url: &str, name: &str, value: &str) -> String {
    let bytes = url.as_bytes();
    let hash = bytes.iter().position(|&b| b == b'#').unwrap_or(bytes.len());
    let question = bytes[..hash]
        .iter()
        .position(|&b| b == b'?')
        .unwrap_or(hash);
    let wanted = name.as_bytes();
    let mut out = String::with_capacity(url.len() + name.len() + value.len() * 3 + 2);
    out.push_str(url.get(..question).unwrap_or_default());
    out.push('?');
    // The pairs between `question` and `hash`, split on `&` (ASCII, so each is a str).
    let mut start = question + 1;
    while start < hash {
        let end = bytes[start..hash]
            .iter()
            .position(|&b| b == b'&')
            .map_or(hash, |at| start + at);
        let pair = &bytes[start..end];
        let key_end = pair.iter().position(|&b| b == b'=').unwrap_or(pair.len());
        if !pair.is_empty() && form_decode(&pair[..key_end]) != wanted {
            out.push_str(url.get(start..end).unwrap_or_default());
            out.push('&');
        }
        start = end + 1;
    }
    encode_into(&mut out, name);
    out.push('=');
    encode_into(&mut out, value);
    out.push_str(url.get(hash..).unwrap_or_default());
    out
}

/// Form-decodes a query component: `+` is a space, then percent-decoding.
fn form_decode(input: &[u8]) -> Vec<u8> {
    let spaced: Vec<u8> = input
        .iter()
        .map(|&byte| if byte == b'+' { b' ' } else { byte })
        .collect();
    percent_decode(&spaced)
}

/// Appends `input` percent-encoded as UTF-8, all but the unreserved ASCII characters.
fn encode_into(out: &mut String, input: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in input.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetchable_schemes() {
        for url in [
            "http://a/",
            "https://a/",
            "HTTPS://a/",
            "data:text/event-stream,x",
            "blob:http://a/0-1",
        ] {
            assert!(is_fetchable(url), "{url}");
        }
        for url in [
            "ftp://a/",
            "about:blank",
            "mailto:a@b",
            "javascript:void(0)",
            "file:///etc/hostname",
            "ws://a/",
            "wss://a/",
            "foo:bar",
            "httpx://a/",
            "",
        ] {
            assert!(!is_fetchable(url), "{url}");
        }
    }

    #[test]
    fn forbidden_hosts() {
        for url in [
            "http://exa%20mple.com/",
            "http://exa mple.com/",
            "https://a%25b.example/",
            "http://a%3Cb.example:80/x",
            "http://u:p@a%5Eb.example/",
            "http://a%7Cb/",
            "http://a%00b/",
            "http://a%7fb/",
            "http://a%zzb/",
            "ws://a%2Fb/",
        ] {
            assert!(has_forbidden_host(url), "{url}");
        }
        for url in [
            "http://example.com/a%20b?c%20d#e%20f",
            "http://u%20ser:p%20w@example.com/",
            "http://[::1]:8080/",
            "http://xn--r8jz45g.xn--zckzah/",
            "http://a_b.example/",
            "http://127.0.0.1:1234/sse",
            "data:text/plain,a b",
            "foo://exa%20mple/",
            "blob:http://a/0",
        ] {
            assert!(!has_forbidden_host(url), "{url}");
        }
    }

    #[test]
    fn query_param() {
        let cases = [
            ("http://a/sse", "id", "7", "http://a/sse?id=7"),
            ("http://a/sse?", "id", "7", "http://a/sse?id=7"),
            (
                "http://a/sse?x=%20+y&id=old&z",
                "id",
                "7 é",
                "http://a/sse?x=%20+y&z&id=7%20%C3%A9",
            ),
            (
                "http://a/sse?i%64=old&id+x=k#frag",
                "id",
                "&=#",
                "http://a/sse?id+x=k&id=%26%3D%23#frag",
            ),
            ("http://a/sse?a%20b=1", "a b", "", "http://a/sse?a%20b="),
            (
                "http://a/?id=1&id=2&idx=3",
                "id",
                "x",
                "http://a/?idx=3&id=x",
            ),
        ];
        for (url, name, value, expected) in cases {
            assert_eq!(with_query_param(url, name, value), expected, "{url}");
        }
    }
}
