//! HTTP/1.1 plumbing: request parsing (with size limits), query-string and percent
//! decoding, and response heads that carry the CORS headers every response needs.
//!
//! Every response is `Connection: close`: one request per connection, no keep-alive.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::str::FromStr;

/// Largest accepted request head (request line plus header lines), in bytes.
pub const MAX_HEAD: usize = 64 * 1024;
/// Largest accepted request body (after chunked decoding), in bytes.
pub const MAX_BODY: usize = 1024 * 1024;

/// A parsed HTTP request.
pub struct Request {
    /// Method token as sent (`GET`, `POST`, …).
    pub method: String,
    /// The raw request target (`/sse?key=…`), bytes as sent.
    pub target: Vec<u8>,
    /// The path part of the target, not percent-decoded (lossy UTF-8).
    pub path: String,
    /// The query string, split into parameters.
    pub query: Query,
    /// All header fields in order: names as sent, values as raw bytes (OWS trimmed).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body (de-chunked when it came chunked).
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// The `Origin` header when present and safe to echo back.
    pub fn origin(&self) -> Option<&[u8]> {
        self.header("origin")
            .filter(|v| !v.is_empty() && header_value_ok(v))
    }
}

/// Why a request could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadError {
    /// The client closed, reset or stalled before sending a request: nothing to answer.
    Closed,
    /// A malformed or oversized request: answer with this status and message.
    Bad(u16, &'static str),
}

/// Reads one request from a connection. Sends `100 Continue` when the client asks for it.
pub fn read_request(tcp: &TcpStream) -> Result<Request, ReadError> {
    let mut reader = BufReader::with_capacity(16 * 1024, tcp);
    parse(&mut reader, || {
        let mut w = tcp;
        let _ = w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    })
}

/// Parses one request from `r`; `on_continue` runs before the body is read when the
/// request carries `Expect: 100-continue`.
pub fn parse<R: BufRead>(r: &mut R, on_continue: impl FnOnce()) -> Result<Request, ReadError> {
    let mut budget = MAX_HEAD;
    // RFC 9112 §2.2: ignore empty lines before the request line.
    let mut line = Vec::new();
    for i in 0..5 {
        line = match read_line(r, &mut budget)? {
            Some(l) => l,
            None if i == 0 => return Err(ReadError::Closed),
            None => return Err(ReadError::Bad(400, "truncated request")),
        };
        if !line.is_empty() {
            break;
        }
    }
    let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let [method, target, version] = parts.as_slice() else {
        return Err(ReadError::Bad(400, "malformed request line"));
    };
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(ReadError::Bad(400, "malformed method"));
    }
    if target.is_empty() || target.iter().any(|&b| b < 0x21 || b == 0x7f) {
        return Err(ReadError::Bad(400, "malformed request target"));
    }
    if *version != b"HTTP/1.1" && *version != b"HTTP/1.0" {
        return Err(ReadError::Bad(400, "unsupported HTTP version"));
    }
    let origin_form = origin_form(target).ok_or(ReadError::Bad(400, "malformed request target"))?;
    let (path, query) = match origin_form.iter().position(|&b| b == b'?') {
        Some(i) => (&origin_form[..i], &origin_form[i + 1..]),
        None => (origin_form, &[][..]),
    };

    let mut headers = Vec::new();
    loop {
        let line = read_line(r, &mut budget)?.ok_or(ReadError::Bad(400, "truncated request"))?;
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            return Err(ReadError::Bad(400, "obsolete header line folding"));
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(ReadError::Bad(400, "malformed header line"))?;
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(ReadError::Bad(400, "malformed header name"));
        }
        let value = trim_ows(&line[colon + 1..]);
        if !header_value_ok(value) {
            return Err(ReadError::Bad(400, "invalid header value"));
        }
        headers.push((String::from_utf8_lossy(name).into_owned(), value.to_vec()));
    }

    let values = |name: &str| -> Vec<&[u8]> {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .collect()
    };
    let te = values("transfer-encoding");
    let cl = values("content-length");
    let expect = values("expect")
        .iter()
        .any(|v| v.eq_ignore_ascii_case(b"100-continue"));
    let body = if !te.is_empty() {
        let joined = te.join(&b","[..]);
        let last = joined.rsplit(|&b| b == b',').next().map(trim_ows);
        if !last.is_some_and(|c| c.eq_ignore_ascii_case(b"chunked")) {
            return Err(ReadError::Bad(400, "unsupported transfer-encoding"));
        }
        if expect {
            on_continue();
        }
        read_chunked(r, &mut budget)?
    } else if !cl.is_empty() {
        let mut len = None;
        for v in cl {
            let n = parse_decimal(v).ok_or(ReadError::Bad(400, "malformed content-length"))?;
            if len.is_some_and(|l| l != n) {
                return Err(ReadError::Bad(400, "conflicting content-length"));
            }
            len = Some(n);
        }
        let len = len.unwrap_or(0);
        if len > MAX_BODY as u64 {
            return Err(ReadError::Bad(413, "request body too large"));
        }
        let mut body = Vec::new();
        if len > 0 {
            if expect {
                on_continue();
            }
            read_exact(r, len as usize, &mut body)?;
        }
        body
    } else {
        Vec::new()
    };

    Ok(Request {
        method: String::from_utf8_lossy(method).into_owned(),
        target: target.to_vec(),
        path: String::from_utf8_lossy(path).into_owned(),
        query: Query::parse(query),
        headers,
        body,
    })
}

/// The origin-form (`/path?query`) of a request target; absolute-form targets lose their
/// scheme and authority, `*` stays as is.
fn origin_form(target: &[u8]) -> Option<&[u8]> {
    if target == b"*" || target.starts_with(b"/") {
        return Some(target);
    }
    let lower = target.to_ascii_lowercase();
    let rest = if lower.starts_with(b"http://") {
        &target[7..]
    } else if lower.starts_with(b"https://") {
        &target[8..]
    } else {
        return None;
    };
    Some(match rest.iter().position(|&b| b == b'/' || b == b'?') {
        Some(i) if rest[i] == b'/' => &rest[i..],
        _ => b"/",
    })
}

/// Reads one line (without its LF or CRLF). `Ok(None)`: EOF before any byte.
fn read_line<R: BufRead>(r: &mut R, budget: &mut usize) -> Result<Option<Vec<u8>>, ReadError> {
    let mut line = Vec::new();
    loop {
        let avail = r.fill_buf().map_err(|_| ReadError::Closed)?;
        if avail.is_empty() {
            return if line.is_empty() {
                Ok(None)
            } else {
                Err(ReadError::Bad(400, "truncated request"))
            };
        }
        let (take, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if take > *budget {
            return Err(ReadError::Bad(431, "request head too large"));
        }
        *budget -= take;
        line.extend_from_slice(&avail[..take]);
        r.consume(take);
        if done {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Some(line));
        }
    }
}

/// Appends exactly `n` bytes from `r` to `out`.
fn read_exact<R: BufRead>(r: &mut R, n: usize, out: &mut Vec<u8>) -> Result<(), ReadError> {
    let got = r
        .take(n as u64)
        .read_to_end(out)
        .map_err(|_| ReadError::Closed)?;
    if got < n {
        return Err(ReadError::Bad(400, "truncated body"));
    }
    Ok(())
}

/// Decodes a chunked body (chunk extensions ignored, trailers read and dropped).
fn read_chunked<R: BufRead>(r: &mut R, trailer_budget: &mut usize) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let mut line_budget = 4096;
        let line =
            read_line(r, &mut line_budget)?.ok_or(ReadError::Bad(400, "truncated chunked body"))?;
        let size = match line.iter().position(|&b| b == b';') {
            Some(i) => trim_ows(&line[..i]),
            None => trim_ows(&line),
        };
        if size.is_empty() || size.len() > 8 || !size.iter().all(u8::is_ascii_hexdigit) {
            return Err(ReadError::Bad(400, "malformed chunk size"));
        }
        let size = std::str::from_utf8(size)
            .ok()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .ok_or(ReadError::Bad(400, "malformed chunk size"))?;
        if size == 0 {
            loop {
                let trailer = read_line(r, trailer_budget)?
                    .ok_or(ReadError::Bad(400, "truncated chunked body"))?;
                if trailer.is_empty() {
                    return Ok(body);
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(ReadError::Bad(413, "request body too large"));
        }
        read_exact(r, size, &mut body)?;
        let mut crlf_budget = 2;
        let end = read_line(r, &mut crlf_budget)
            .map_err(|_| ReadError::Bad(400, "malformed chunk"))?
            .ok_or(ReadError::Bad(400, "truncated chunked body"))?;
        if !end.is_empty() {
            return Err(ReadError::Bad(400, "malformed chunk"));
        }
    }
}

fn parse_decimal(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 18 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// RFC 9110 `tchar`: the bytes allowed in methods and header names.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A header value we can send or echo without breaking the framing: no CR, LF or NUL.
pub fn header_value_ok(v: &[u8]) -> bool {
    !v.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0)
}

/// Trims spaces and tabs at both ends.
pub fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// Decodes `%XX` escapes (either case); everything else, `+` included, stays literal,
/// as do `%` signs not followed by two hex digits.
pub fn percent_decode(s: &[u8]) -> Vec<u8> {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            if let Some(&[h, l]) = s.get(i + 1..i + 3) {
                if let (Some(h), Some(l)) = (hex(h), hex(l)) {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// A query string split on `&` and on the first `=` of each part. Names are
/// percent-decoded; values are kept raw (scripts are split before decoding).
pub struct Query(Vec<(String, Vec<u8>)>);

impl Query {
    /// Splits a raw query string.
    pub fn parse(raw: &[u8]) -> Self {
        Query(
            raw.split(|&b| b == b'&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (n, v) = match p.iter().position(|&b| b == b'=') {
                        Some(i) => (&p[..i], &p[i + 1..]),
                        None => (p, &[][..]),
                    };
                    (
                        String::from_utf8_lossy(&percent_decode(n)).into_owned(),
                        v.to_vec(),
                    )
                })
                .collect(),
        )
    }

    /// The first value of `name`, raw (not percent-decoded).
    pub fn raw(&self, name: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The first value of `name`, percent-decoded.
    pub fn bytes(&self, name: &str) -> Option<Vec<u8>> {
        self.raw(name).map(percent_decode)
    }

    /// The first value of `name`, percent-decoded, as (lossy) UTF-8.
    pub fn string(&self, name: &str) -> Option<String> {
        self.bytes(name)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// Every value of `name`, in order, percent-decoded.
    pub fn all(&self, name: &str) -> Vec<Vec<u8>> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| percent_decode(v))
            .collect()
    }

    /// The first value of `name` parsed as a number; `default` when absent or empty.
    pub fn num<T: FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.string(name) {
            None => Ok(default),
            Some(s) if s.is_empty() => Ok(default),
            Some(s) => s
                .trim()
                .parse()
                .map_err(|_| format!("bad number for {name}: {s:?}")),
        }
    }
}

/// How the body of a response is delimited.
pub enum Framing {
    /// `Content-Length: n`.
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Neither: the body ends when the connection closes.
    Close,
}

/// A response status plus headers; [`Response::head`] adds the standard headers.
pub struct Response {
    status: u16,
    content_type: Option<Vec<u8>>,
    headers: Vec<(String, Vec<u8>)>,
}

impl Response {
    /// A response with this status and no headers of its own yet.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            content_type: None,
            headers: Vec::new(),
        }
    }

    /// Sets the `Content-Type`.
    pub fn content_type(mut self, ct: &[u8]) -> Self {
        self.content_type = Some(ct.to_vec());
        self
    }

    /// Adds a header. It replaces any standard header of the same name and is listed in
    /// `Access-Control-Expose-Headers`.
    pub fn header(mut self, name: &str, value: &[u8]) -> Self {
        self.headers.push((name.to_owned(), value.to_vec()));
        self
    }

    fn has(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The serialized status line and headers, ending with the blank line.
    ///
    /// Standard headers: `Content-Type` (if set), `Cache-Control: no-store`, the CORS set
    /// (`Access-Control-Allow-Origin` = `origin` or `*`, `Access-Control-Allow-Credentials:
    /// true` when echoing an origin, `Access-Control-Expose-Headers: *, <own headers>`,
    /// `Vary: Origin`, `Cross-Origin-Resource-Policy: cross-origin`), `Connection: close`
    /// and the framing header.
    pub fn head(&self, origin: Option<&[u8]>, framing: Framing) -> Vec<u8> {
        let mut std: Vec<(&str, Vec<u8>)> = Vec::new();
        if let Some(ct) = &self.content_type {
            std.push(("Content-Type", ct.clone()));
        }
        std.push(("Cache-Control", b"no-store".to_vec()));
        match origin {
            Some(o) => {
                std.push(("Access-Control-Allow-Origin", o.to_vec()));
                std.push(("Access-Control-Allow-Credentials", b"true".to_vec()));
            }
            None => std.push(("Access-Control-Allow-Origin", b"*".to_vec())),
        }
        let mut expose = String::from("*");
        let mut listed: Vec<String> = Vec::new();
        for (n, _) in &self.headers {
            let lower = n.to_ascii_lowercase();
            if !listed.contains(&lower) {
                expose.push_str(", ");
                expose.push_str(n);
                listed.push(lower);
            }
        }
        std.push(("Access-Control-Expose-Headers", expose.into_bytes()));
        std.push(("Vary", b"Origin".to_vec()));
        std.push(("Cross-Origin-Resource-Policy", b"cross-origin".to_vec()));
        std.push(("Connection", b"close".to_vec()));
        match framing {
            Framing::Length(n) => std.push(("Content-Length", n.to_string().into_bytes())),
            Framing::Chunked => std.push(("Transfer-Encoding", b"chunked".to_vec())),
            Framing::Close => {}
        }

        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status)).into_bytes();
        let own = self.headers.iter().map(|(n, v)| (n.as_str(), v));
        for (name, value) in std
            .iter()
            .filter(|(n, _)| !self.has(n))
            .map(|(n, v)| (*n, v))
            .chain(own)
        {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// Writes the whole response (head plus a `Content-Length` body) in one write.
    pub fn send(&self, tcp: &TcpStream, origin: Option<&[u8]>, body: &[u8]) -> io::Result<()> {
        let mut out = self.head(origin, Framing::Length(body.len()));
        out.extend_from_slice(body);
        let mut w = tcp;
        w.write_all(&out)
    }
}

/// The reason phrase for a status code (any text is valid; these are the usual ones).
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_bytes(raw: &[u8]) -> Result<Request, ReadError> {
        let mut r = raw;
        parse(&mut r, || {})
    }

    #[test]
    fn parses_request_line_headers_and_query() {
        let req = parse_bytes(
            b"GET /sse?key=a%20b&s=w:x%7Cy|end HTTP/1.1\r\nHost: x\r\nX-A:  1 \r\nx-a: 2\r\n\r\n",
        )
        .unwrap();
        assert_eq!(req.method, "GET");
        assert_eq!(req.path, "/sse");
        assert_eq!(req.query.string("key").unwrap(), "a b");
        assert_eq!(req.query.raw("s").unwrap(), b"w:x%7Cy|end");
        assert_eq!(req.headers.len(), 3);
        assert_eq!(req.header("x-a").unwrap(), b"1");
        assert!(req.body.is_empty());
    }

    #[test]
    fn bare_lf_and_absolute_form() {
        let req = parse_bytes(b"GET http://127.0.0.1:1/a?b=1 HTTP/1.0\nHost: x\n\n").unwrap();
        assert_eq!(req.path, "/a");
        assert_eq!(req.query.string("b").unwrap(), "1");
    }

    #[test]
    fn content_length_body() {
        let req =
            parse_bytes(b"POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloEXTRA").unwrap();
        assert_eq!(req.body, b"hello");
    }

    #[test]
    fn chunked_body() {
        let req = parse_bytes(
            b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n",
        )
        .unwrap();
        assert_eq!(req.body, b"abcde");
    }

    #[test]
    fn bad_requests() {
        let bad = |raw: &[u8]| match parse_bytes(raw) {
            Err(ReadError::Bad(s, _)) => s,
            Err(ReadError::Closed) => 0,
            Ok(_) => 1,
        };
        assert_eq!(bad(b""), 0);
        assert_eq!(bad(b"GARBAGE\r\n\r\n"), 400);
        assert_eq!(bad(b"GET / HTTP/2\r\n\r\n"), 400);
        assert_eq!(bad(b"GET / HTTP/1.1\r\nNo colon\r\n\r\n"), 400);
        assert_eq!(bad(b"GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n"), 400);
        assert_eq!(bad(b"GET / HTTP/1.1\r\nBad Name: 1\r\n\r\n"), 400);
        assert_eq!(bad(b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n"), 400);
        assert_eq!(
            bad(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            400
        );
        assert_eq!(bad(b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc"), 400);
        assert_eq!(
            bad(b"POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n"),
            413
        );
        assert_eq!(
            bad(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
            400
        );
        assert_eq!(
            bad(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            400
        );
        let mut huge = b"GET / HTTP/1.1\r\nX: ".to_vec();
        huge.extend(std::iter::repeat_n(b'a', MAX_HEAD));
        huge.extend_from_slice(b"\r\n\r\n");
        assert_eq!(bad(&huge), 431);
    }

    #[test]
    fn percent_decoding_is_bytewise_and_keeps_plus() {
        assert_eq!(
            percent_decode(b"a+b%20%ff%0D%0a%zz%4"),
            b"a+b \xff\r\n%zz%4"
        );
    }

    #[test]
    fn head_has_cors_and_overrides() {
        let r = Response::new(200)
            .content_type(b"text/event-stream")
            .header("Retry-After", b"2")
            .header("Cache-Control", b"max-age=5");
        let head = String::from_utf8(r.head(Some(b"http://a"), Framing::Close)).unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(head.contains("Access-Control-Allow-Origin: http://a\r\n"));
        assert!(head.contains("Access-Control-Allow-Credentials: true\r\n"));
        assert!(head.contains("Access-Control-Expose-Headers: *, Retry-After, Cache-Control\r\n"));
        assert!(head.contains("Cache-Control: max-age=5\r\n"));
        assert!(!head.contains("no-store"));
        let head = String::from_utf8(Response::new(404).head(None, Framing::Length(0))).unwrap();
        assert!(head.contains("Access-Control-Allow-Origin: *\r\n"));
        assert!(!head.contains("Credentials"));
        assert!(head.contains("Content-Length: 0\r\n"));
    }
}
