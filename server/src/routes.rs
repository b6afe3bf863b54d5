//! Request dispatch and the endpoints other than `/sse` (see `script`) and the static
//! files (see `static_files`).

use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::conn::{Conn, Ending};
use crate::generate::Gen;
use crate::http::{self, Framing, Request, Response};
use crate::json;
use crate::state::State;
use crate::{script, static_files};

/// Default and largest `/log` long-poll timeout.
const LOG_TIMEOUT_MS: (u64, u64) = (10_000, 30_000);

/// Answers one request; the caller closes the connection as the returned [`Ending`] says.
pub fn handle(state: &State, tcp: &TcpStream, req: &Request) -> Ending {
    let key = req.query.string("key").filter(|k| !k.is_empty());
    let control = matches!(
        req.path.as_str(),
        "/log" | "/reset" | "/demo/drop" | "/live"
    );
    let is_sse = req.path == "/sse" && req.method != "OPTIONS";
    let conn_no = match (&key, control) {
        (Some(k), false) => state.record(k, req, is_sse),
        _ => None,
    };
    if req.method == "OPTIONS" {
        return preflight(tcp, req);
    }
    match req.path.as_str() {
        "/sse" => script::serve(state, tcp, req, key.as_deref(), conn_no.unwrap_or(0)),
        "/redirect" => redirect(tcp, req),
        "/log" => log(state, tcp, req, key.as_deref()),
        "/reset" => match key {
            Some(k) => {
                state.reset(&k);
                json_reply(tcp, req, 200, "{\"ok\":true}".into())
            }
            None => text(tcp, req, 400, "key is required"),
        },
        "/echo" => echo(state, tcp, req, key.as_deref()),
        "/stream" => stream(state, tcp, req, key.as_deref()),
        "/stream/info" => stream_info(state, tcp, req),
        "/demo/drop" => match key {
            Some(k) => {
                let n = state.drop_live(&k);
                json_reply(tcp, req, 200, format!("{{\"dropped\":{n}}}"))
            }
            None => text(tcp, req, 400, "key is required"),
        },
        "/live" => match key {
            Some(k) => json_reply(
                tcp,
                req,
                200,
                format!("{{\"live\":{}}}", state.live_count(&k)),
            ),
            None => text(tcp, req, 400, "key is required"),
        },
        "/demo/chat" => chat(state, tcp, req, key.as_deref()),
        "/health" => text(tcp, req, 200, "ok"),
        _ => static_files::serve(state, tcp, req),
    }
}

/// A complete `text/plain` response; `msg` gets a trailing newline unless it is `ok`.
pub fn text(tcp: &TcpStream, req: &Request, status: u16, msg: &str) -> Ending {
    let body = if msg == "ok" {
        msg.to_owned()
    } else {
        format!("{msg}\n")
    };
    let _ = Response::new(status)
        .content_type(b"text/plain; charset=utf-8")
        .send(tcp, req.origin(), body.as_bytes());
    Ending::Graceful
}

/// A complete `application/json` response.
fn json_reply(tcp: &TcpStream, req: &Request, status: u16, body: String) -> Ending {
    let _ = Response::new(status)
        .content_type(b"application/json")
        .send(tcp, req.origin(), body.as_bytes());
    Ending::Graceful
}

/// CORS preflight: 204 allowing every method and the requested headers.
fn preflight(tcp: &TcpStream, req: &Request) -> Ending {
    let mut resp = Response::new(204)
        .header(
            "Access-Control-Allow-Methods",
            b"GET, POST, PUT, PATCH, DELETE, OPTIONS",
        )
        .header("Access-Control-Max-Age", b"0");
    if let Some(h) = req.header("access-control-request-headers") {
        resp = resp.header("Access-Control-Allow-Headers", h);
    }
    if req
        .header("access-control-request-private-network")
        .is_some_and(|v| v.eq_ignore_ascii_case(b"true"))
    {
        resp = resp.header("Access-Control-Allow-Private-Network", b"true");
    }
    // 204: no body, no Content-Length needed, but an explicit 0 keeps every client happy.
    let _ = resp.send(tcp, req.origin(), b"");
    Ending::Graceful
}

/// `/redirect?to=URL&status=N`.
fn redirect(tcp: &TcpStream, req: &Request) -> Ending {
    let Some(to) = req.query.bytes("to") else {
        return text(tcp, req, 400, "to is required");
    };
    if !http::header_value_ok(&to) {
        return text(tcp, req, 400, "to must not contain CR, LF or NUL");
    }
    let status = match req.query.num("status", 302u16) {
        Ok(s @ (301 | 302 | 303 | 307 | 308)) => s,
        _ => return text(tcp, req, 400, "status must be 301, 302, 303, 307 or 308"),
    };
    let _ = Response::new(status)
        .header("Location", &to)
        .send(tcp, req.origin(), b"");
    Ending::Graceful
}

/// `/log?key=K[&wait=N][&timeout=MS]`.
fn log(state: &State, tcp: &TcpStream, req: &Request, key: Option<&str>) -> Ending {
    let Some(key) = key else {
        return text(tcp, req, 400, "key is required");
    };
    let wait = match req.query.num("wait", 0usize) {
        Ok(w) => w,
        Err(e) => return text(tcp, req, 400, &e),
    };
    let timeout = match req.query.num("timeout", LOG_TIMEOUT_MS.0) {
        Ok(t) => Duration::from_millis(t.min(LOG_TIMEOUT_MS.1)),
        Err(e) => return text(tcp, req, 400, &e),
    };
    json_reply(tcp, req, 200, state.log_json(key, wait, timeout))
}

/// Starts an event-stream response; registers it under `key` for `/demo/drop`.
fn start_stream<'a>(tcp: &'a TcpStream, req: &Request, chunked: bool) -> Result<Conn<'a>, Ending> {
    let resp = Response::new(200).content_type(b"text/event-stream");
    let framing = if chunked {
        Framing::Chunked
    } else {
        Framing::Close
    };
    let mut conn = Conn::new(tcp, chunked);
    match conn.head(&resp.head(req.origin(), framing)) {
        Ok(()) => Ok(conn),
        Err(_) => Err(Ending::Abrupt),
    }
}

/// `/echo[?hold=1]`: one event whose data is the request as JSON.
fn echo(state: &State, tcp: &TcpStream, req: &Request, key: Option<&str>) -> Ending {
    let mut data = String::from("{\"method\":");
    json::push_str(&mut data, &req.method);
    data.push_str(",\"path\":");
    json::push_bytes(&mut data, &req.target);
    data.push_str(",\"headers\":");
    json::push_headers(&mut data, &req.headers);
    data.push_str(",\"body\":");
    json::push_str(&mut data, &String::from_utf8_lossy(&req.body));
    data.push('}');
    let hold = req.query.string("hold").is_some_and(|h| h == "1");

    let _live = key.and_then(|k| state.register(k, tcp));
    let mut conn = match start_stream(tcp, req, false) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let mut res = conn.write(format!("data: {data}\n\n").as_bytes());
    if hold && res.is_ok() {
        res = conn.pause(script::HANG);
    }
    match res {
        Ok(()) => conn.finish(),
        Err(stop) => conn.stopped(stop),
    }
}

/// Parsed `/stream` parameters.
enum GenReq {
    Fixed(Gen, u64),
    Clock {
        interval: Duration,
        count: Option<u64>,
    },
}

fn gen_params(req: &Request) -> Result<GenReq, String> {
    let q = &req.query;
    let name = q.string("gen").unwrap_or_else(|| "tiny".into());
    if name == "clock" {
        let interval = q.num("interval", 1000u64)?.clamp(1, 60_000);
        let count = match q.string("count") {
            Some(_) => Some(q.num("count", 0u64)?),
            None => None,
        };
        return Ok(GenReq::Clock {
            interval: Duration::from_millis(interval),
            count,
        });
    }
    let gen = Gen::parse(&name)
        .ok_or_else(|| format!("unknown gen {name:?} (tiny, kb, big, biglines, mixed, clock)"))?;
    let count = q.num("count", 100u64)?;
    if count > gen.max_count() {
        return Err(format!(
            "count for {name} must be at most {}",
            gen.max_count()
        ));
    }
    Ok(GenReq::Fixed(gen, count))
}

/// `/stream?gen=G&count=N&chunk=BYTES[&interval=MS]`: a generated workload (see
/// `generate`), sent chunked in `chunk`-byte writes as fast as the client reads.
fn stream(state: &State, tcp: &TcpStream, req: &Request, key: Option<&str>) -> Ending {
    let params = match gen_params(req) {
        Ok(p) => p,
        Err(e) => return text(tcp, req, 400, &e),
    };
    let chunk = match req.query.num("chunk", 16_384usize) {
        Ok(c) => c.clamp(1, 1 << 20),
        Err(e) => return text(tcp, req, 400, &e),
    };
    let work = match &params {
        GenReq::Fixed(gen, count) => Some(state.workload(*gen, *count)),
        GenReq::Clock { .. } => None,
    };
    let _live = key.and_then(|k| state.register(k, tcp));
    let mut conn = match start_stream(tcp, req, true) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let res = match (params, work) {
        (GenReq::Fixed(..), Some(work)) => work.body.chunks(chunk).try_for_each(|c| conn.write(c)),
        (GenReq::Clock { interval, count }, _) => clock(&mut conn, req, interval, count),
        (GenReq::Fixed(..), None) => Ok(()),
    };
    match res {
        Ok(()) => conn.finish(),
        Err(stop) => conn.stopped(stop),
    }
}

/// The `clock` generator: `id: i` / `data: {"i":i,"t":<unix ms>}` every `interval`,
/// starting after a numeric `Last-Event-ID`; ends after `count` events (then `done`) when
/// given, else runs until the client leaves or the response cap.
fn clock(
    conn: &mut Conn<'_>,
    req: &Request,
    interval: Duration,
    count: Option<u64>,
) -> Result<(), crate::conn::Stop> {
    let start = req
        .header("last-event-id")
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(0, |id| id.saturating_add(1));
    let mut sent = 0u64;
    let mut i = start;
    loop {
        if count.is_some_and(|c| sent >= c) {
            return conn.write(format!("event: done\ndata: {sent}\n\n").as_bytes());
        }
        if sent > 0 {
            conn.pause(interval)?;
        }
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        conn.write(format!("id: {i}\ndata: {{\"i\":{i},\"t\":{t}}}\n\n").as_bytes())?;
        sent += 1;
        i = i.saturating_add(1);
    }
}

/// `/stream/info?gen=G&count=N`: the check values of a workload as JSON.
fn stream_info(state: &State, tcp: &TcpStream, req: &Request) -> Ending {
    let (gen, count) = match gen_params(req) {
        Ok(GenReq::Fixed(g, c)) => (g, c),
        Ok(GenReq::Clock { .. }) => return text(tcp, req, 400, "clock has no fixed content"),
        Err(e) => return text(tcp, req, 400, &e),
    };
    let w = state.workload(gen, count);
    let last_id = w.last_id.map_or("null".to_owned(), |id| id.to_string());
    let body = format!(
        "{{\"gen\":\"{}\",\"count\":{count},\"events\":{},\"last_id\":{last_id},\"data_bytes\":{},\"body_bytes\":{},\"fnv1a32\":{}}}",
        gen.name(),
        w.events,
        w.data_bytes,
        w.body.len(),
        w.fnv1a32
    );
    json_reply(tcp, req, 200, body)
}

/// `/demo/chat`: an LLM-style finite stream answering a message.
fn chat(state: &State, tcp: &TcpStream, req: &Request, key: Option<&str>) -> Ending {
    let message = if req.body.is_empty() {
        req.query.string("message").unwrap_or_default()
    } else {
        let parsed = json::parse(&String::from_utf8_lossy(&req.body));
        match parsed
            .as_ref()
            .ok()
            .and_then(|v| v.get("message"))
            .and_then(json::Value::as_str)
        {
            Some(m) => m.to_owned(),
            None => return text(tcp, req, 400, "body must be JSON {\"message\": \"...\"}"),
        }
    };
    let delay = match req.query.num("delay", 100u64) {
        Ok(d) => Duration::from_millis(d.min(5_000)),
        Err(e) => return text(tcp, req, 400, &e),
    };
    let mut first = String::from("{\"you\":");
    json::push_str(&mut first, &message);
    first.push_str(",\"auth\":");
    match req.header("authorization") {
        Some(a) => json::push_str(&mut first, &String::from_utf8_lossy(a)),
        None => first.push_str("null"),
    }
    first.push('}');
    let quoted: String = message.chars().take(80).collect();
    let reply = format!(
        "You said \u{201c}{quoted}\u{201d}. This reply is streamed word by word, like a language model would."
    );
    let words: Vec<&str> = reply.split_whitespace().collect();

    let _live = key.and_then(|k| state.register(k, tcp));
    let mut conn = match start_stream(tcp, req, false) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let res = (|| {
        conn.write(format!("data: {first}\n\n").as_bytes())?;
        for (i, word) in words.iter().enumerate() {
            conn.pause(delay)?;
            let mut delta = String::new();
            json::push_str(
                &mut delta,
                &if i == 0 {
                    (*word).to_owned()
                } else {
                    format!(" {word}")
                },
            );
            conn.write(format!("event: reply\ndata: {{\"delta\":{delta}}}\n\n").as_bytes())?;
        }
        conn.pause(delay)?;
        conn.write(format!("event: done\ndata: {{\"words\":{}}}\n\n", words.len()).as_bytes())
    })();
    match res {
        Ok(()) => conn.finish(),
        Err(stop) => conn.stopped(stop),
    }
}
