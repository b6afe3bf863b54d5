//! `/sse`: scripted responses, the workhorse of the browser tests.
//!
//! A script is a `|`-separated list of steps; the split happens before percent-decoding,
//! so a literal `|` in data is written `%7C`. Each step is then percent-decoded (only
//! `%XX`; `+` stays `+`):
//!
//! - `w:BYTES` — write exactly these bytes (one TCP write) and flush;
//! - `s:MS` — sleep MS milliseconds (at most 30000);
//! - `end` — end the body cleanly (same as running out of steps);
//! - `f:N` — write N bytes (at most [`MAX_FILL`]) of the fill pattern `0-9A-Za-z`
//!   repeated (`ALPHA[j % 62]`), in writes of at most 64 KiB: long lines without a long URL;
//! - `drip:MS` — from here on every byte is its own write, each followed by a pause of MS
//!   milliseconds (at most 1000; `drip:0` turns dripping off again);
//! - `hang` — write nothing until the client disconnects or 60 s pass, then go on;
//! - `abort` — close the connection mid-body: a script containing `abort` is sent with
//!   `Transfer-Encoding: chunked` and `abort` closes without the final 0-chunk, which a
//!   browser reports as a network error. Scripts without `abort` send the body raw (no
//!   `Content-Length`) and end with a clean EOF;
//! - `rst` — reset the connection: `SO_LINGER` 0, then close, so the kernel sends a TCP
//!   RST instead of a FIN (the client sees `ECONNRESET`, mid-body or wherever it comes).
//! - `noanswer` — anywhere in a script: the request is read and never answered (no
//!   status line, not a byte) until the client leaves or `/demo/drop`, at most
//!   [`MAX_RESPONSE`](crate::conn::MAX_RESPONSE); then the connection is closed without a
//!   response. Per connection like every step (`s0=noanswer&s=w:…`).
//!
//! Empty steps are ignored; an unknown step makes the request fail with 400 before
//! anything is streamed.

use std::net::TcpStream;
use std::time::Duration;

use crate::conn::{Conn, Ending, Stop, MAX_RESPONSE};
use crate::generate;
use crate::http::{self, percent_decode, Framing, Request, Response};
use crate::routes::text;
use crate::state::State;

/// Longest `s:` sleep (and the longest `delay=`).
pub const MAX_SLEEP_MS: u64 = 30_000;
/// How long `hang` waits for the client to go away.
pub const HANG: Duration = Duration::from_secs(60);
/// Longest `drip:` pause between two bytes.
pub const MAX_DRIP_MS: u64 = 1_000;
/// Most bytes one `f:` step writes.
pub const MAX_FILL: usize = 64 << 20;
/// Size of the writes of an `f:` step.
const FILL_WRITE: usize = 64 << 10;

/// One script step.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Write these bytes.
    Write(Vec<u8>),
    /// Sleep.
    Sleep(Duration),
    /// End the body cleanly.
    End,
    /// Wait for the client to leave (at most [`HANG`]).
    Hang,
    /// Close without finishing the body.
    Abort,
    /// Write this many bytes of the fill pattern.
    Fill(usize),
    /// From now on write byte by byte, pausing this long after each (zero: off).
    Drip(Duration),
    /// Reset the connection (TCP RST).
    Reset,
    /// Send no response at all.
    NoAnswer,
}

/// Parses the number after a step's prefix.
fn number<T: std::str::FromStr>(digits: &[u8], step: &[u8]) -> Result<T, String> {
    std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| format!("bad number in step {:?}", String::from_utf8_lossy(step)))
}

/// Parses a raw (not yet percent-decoded) script.
pub fn parse(raw: &[u8]) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in raw.split(|&b| b == b'|') {
        if part.is_empty() {
            continue;
        }
        let step = percent_decode(part);
        steps.push(if let Some(data) = step.strip_prefix(b"w:") {
            Step::Write(data.to_vec())
        } else if let Some(ms) = step.strip_prefix(b"s:") {
            let ms: u64 = number(ms, &step)?;
            Step::Sleep(Duration::from_millis(ms.min(MAX_SLEEP_MS)))
        } else if let Some(n) = step.strip_prefix(b"f:") {
            let n: usize = number(n, &step)?;
            Step::Fill(n.min(MAX_FILL))
        } else if let Some(ms) = step.strip_prefix(b"drip:") {
            let ms: u64 = number(ms, &step)?;
            Step::Drip(Duration::from_millis(ms.min(MAX_DRIP_MS)))
        } else {
            match step.as_slice() {
                b"end" => Step::End,
                b"hang" => Step::Hang,
                b"abort" => Step::Abort,
                b"rst" => Step::Reset,
                b"noanswer" => Step::NoAnswer,
                _ => {
                    return Err(format!(
                        "unknown script step {:?} (expected w:BYTES, s:MS, f:N, drip:MS, end, hang, abort, rst or noanswer)",
                        String::from_utf8_lossy(&step)
                    ))
                }
            }
        });
    }
    Ok(steps)
}

/// Serves `/sse` for connection number `conn_no` of `key`.
pub fn serve(
    state: &State,
    tcp: &TcpStream,
    req: &Request,
    key: Option<&str>,
    conn_no: usize,
) -> Ending {
    let q = &req.query;
    let raw = q
        .raw(&format!("s{conn_no}"))
        .or_else(|| q.raw("s"))
        .unwrap_or(b"");
    let steps = match parse(raw) {
        Ok(s) => s,
        Err(e) => return text(tcp, req, 400, &e),
    };
    let status = match q.num("status", 200u16) {
        Ok(s) if (100..=999).contains(&s) => s,
        _ => return text(tcp, req, 400, "status must be a number from 100 to 999"),
    };
    let delay = match q.num("delay", 0u64) {
        Ok(d) => Duration::from_millis(d.min(MAX_SLEEP_MS)),
        Err(e) => return text(tcp, req, 400, &e),
    };
    let mut resp = Response::new(status);
    let ctype = q
        .bytes("ctype")
        .unwrap_or_else(|| b"text/event-stream".to_vec());
    if ctype != b"none" {
        if !http::header_value_ok(&ctype) {
            return text(tcp, req, 400, "ctype must not contain CR, LF or NUL");
        }
        resp = resp.content_type(&ctype);
    }
    for h in q.all("header") {
        let Some(colon) = h.iter().position(|&b| b == b':') else {
            return text(tcp, req, 400, "header must be Name:Value");
        };
        let (name, value) = (&h[..colon], http::trim_ows(&h[colon + 1..]));
        if name.is_empty()
            || !name.iter().all(|&b| http::is_tchar(b))
            || !http::header_value_ok(value)
        {
            return text(
                tcp,
                req,
                400,
                "header must be Name:Value with a token name and no CR/LF",
            );
        }
        resp = resp.header(&String::from_utf8_lossy(name), value);
    }
    if key.is_some() {
        resp = resp.header("X-Sse-Conn", conn_no.to_string().as_bytes());
    }
    let noanswer = steps.contains(&Step::NoAnswer);
    let chunked = steps.contains(&Step::Abort);

    let _live = key.and_then(|k| state.register(k, tcp));
    let mut conn = Conn::new(tcp, chunked);
    if noanswer {
        // Never a byte: wait for the client (or /demo/drop, or the response cap), then
        // close without having answered.
        let _ = conn.pause(MAX_RESPONSE);
        return Ending::Abrupt;
    }
    if !delay.is_zero() {
        if let Err(stop) = conn.pause(delay) {
            return conn.stopped(stop);
        }
    }
    let framing = if chunked {
        Framing::Chunked
    } else {
        Framing::Close
    };
    if let Err(stop) = conn.head(&resp.head(req.origin(), framing)) {
        return conn.stopped(stop);
    }
    let mut drip = Duration::ZERO;
    for step in &steps {
        let res = match step {
            Step::Write(data) => send(&mut conn, data, drip),
            Step::Fill(n) => fill(&mut conn, *n, drip),
            Step::Drip(d) => {
                drip = *d;
                Ok(())
            }
            Step::Sleep(d) => conn.pause(*d),
            Step::Hang => conn.pause(HANG),
            Step::End => break,
            Step::Abort => return Ending::Abrupt,
            Step::Reset => return Ending::Reset,
            Step::NoAnswer => Ok(()),
        };
        if let Err(stop) = res {
            return conn.stopped(stop);
        }
    }
    conn.finish()
}

/// Writes `data`: in one write, or dripped (one write per byte, each followed by a
/// pause of `drip`) when `drip` is not zero.
fn send(conn: &mut Conn<'_>, data: &[u8], drip: Duration) -> Result<(), Stop> {
    if drip.is_zero() {
        return conn.write(data);
    }
    for byte in data.chunks(1) {
        conn.write(byte)?;
        conn.pause(drip)?;
    }
    Ok(())
}

/// Writes `n` bytes of the fill pattern (`ALPHA[j % 62]`), in writes of at most 64 KiB.
fn fill(conn: &mut Conn<'_>, n: usize, drip: Duration) -> Result<(), Stop> {
    let mut piece = Vec::with_capacity(FILL_WRITE.min(n));
    let mut done = 0;
    while done < n {
        piece.clear();
        generate::fill(&mut piece, done as u64, FILL_WRITE.min(n - done));
        send(conn, &piece, drip)?;
        done += piece.len();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_steps() {
        let steps = parse(
            b"w:data%3A%20%FF%00%0D%0A|s:10||w%3Ax%7Cy+|hang|end|abort|f:5|drip:7|rst|noanswer",
        )
        .unwrap();
        assert_eq!(
            steps,
            vec![
                Step::Write(b"data: \xff\x00\r\n".to_vec()),
                Step::Sleep(Duration::from_millis(10)),
                Step::Write(b"x|y+".to_vec()),
                Step::Hang,
                Step::End,
                Step::Abort,
                Step::Fill(5),
                Step::Drip(Duration::from_millis(7)),
                Step::Reset,
                Step::NoAnswer,
            ]
        );
        assert_eq!(
            parse(b"drip:5000|f:999999999999").unwrap(),
            vec![
                Step::Drip(Duration::from_millis(MAX_DRIP_MS)),
                Step::Fill(MAX_FILL)
            ]
        );
        assert!(parse(b"drip:x").is_err());
        assert!(parse(b"f:-1").is_err());
        assert!(parse(b"rst2").is_err());
        assert_eq!(
            parse(b"s:99999999").unwrap(),
            vec![Step::Sleep(Duration::from_millis(MAX_SLEEP_MS))]
        );
        assert!(parse(b"x:1").is_err());
        assert!(parse(b"s:abc").is_err());
        assert!(parse(b"").unwrap().is_empty());
    }
}
