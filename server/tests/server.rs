//! End-to-end tests: spawn the built `sse-server` on a free port and talk raw HTTP to it.

// Test code: the helpers below (outside #[test] fns) may panic on failure too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A server process on a free port, serving a temporary directory; killed on drop.
struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Server {
    fn start() -> Server {
        let dir = std::env::temp_dir().join(format!(
            "sse-server-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("index.html"), "<h1>root</h1>").unwrap();
        std::fs::write(dir.join("sub/index.html"), "<h1>sub</h1>").unwrap();
        std::fs::write(dir.join("m.wasm"), b"\0asm\x01\0\0\0").unwrap();
        std::fs::write(dir.join("t.d.ts"), "export {};").unwrap();
        let port_file = dir.join("port.txt");
        let mut child = Command::new(env!("CARGO_BIN_EXE_sse-server"))
            .arg("--root")
            .arg(&dir)
            .args(["--port", "0", "--port-file"])
            .arg(&port_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .trim()
            .strip_prefix("listening on http://127.0.0.1:")
            .unwrap()
            .parse()
            .unwrap();
        let written = std::fs::read_to_string(&port_file).unwrap();
        assert_eq!(written.trim(), port.to_string());
        Server { child, port, dir }
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s
    }

    /// Sends `raw` and reads until the server closes.
    fn exchange(&self, raw: &[u8]) -> Resp {
        let mut s = self.connect();
        s.write_all(raw).unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        Resp::parse(&out)
    }

    fn get(&self, target: &str) -> Resp {
        self.exchange(format!("GET {target} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes())
    }

    fn log(&self, key: &str) -> Value {
        let r = self.get(&format!("/log?key={key}"));
        assert_eq!(r.status, 200);
        serde_json::from_slice(&r.body).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    /// The body, de-chunked when chunked.
    body: Vec<u8>,
    /// For chunked bodies: whether the terminating 0-chunk arrived.
    complete: bool,
}

impl Resp {
    fn parse(raw: &[u8]) -> Resp {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("no end of head");
        let head = std::str::from_utf8(&raw[..split]).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap()[9..12].parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (n, v) = l.split_once(": ").unwrap();
                (n.to_ascii_lowercase(), v.to_owned())
            })
            .collect();
        let rest = &raw[split + 4..];
        let chunked = headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v == "chunked");
        let (body, complete) = if chunked {
            dechunk(rest)
        } else {
            (rest.to_vec(), true)
        };
        Resp {
            status,
            headers,
            body,
            complete,
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

/// De-chunks; returns the data and whether the final 0-chunk was there.
fn dechunk(mut raw: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    loop {
        let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") else {
            return (out, false);
        };
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..eol]).unwrap(), 16).unwrap();
        if size == 0 {
            return (out, &raw[eol..] == b"\r\n\r\n");
        }
        out.extend_from_slice(&raw[eol + 2..eol + 2 + size]);
        assert_eq!(&raw[eol + 2 + size..eol + 4 + size], b"\r\n");
        raw = &raw[eol + 4 + size..];
    }
}

#[test]
fn scripts_write_exact_bytes_per_connection() {
    let srv = Server::start();
    let target = "/sse?key=S&s0=w:data%3A%20%FF%00%0D%0A|s:20|w:x%7Cy+z|end|w:never&s=w:second";
    let r = srv.get(target);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert_eq!(r.header("x-sse-conn"), Some("0"));
    assert_eq!(r.header("content-length"), None);
    assert_eq!(r.header("transfer-encoding"), None);
    assert_eq!(r.body, b"data: \xff\x00\r\nx|y+z");
    let r = srv.get(target);
    assert_eq!(r.header("x-sse-conn"), Some("1"));
    assert_eq!(r.body, b"second");
    let r = srv.get("/sse");
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_eq!(srv.log("S").get("count").unwrap().as_f64(), Some(2.0));
}

#[test]
fn writes_arrive_separately() {
    let srv = Server::start();
    let mut s = srv.connect();
    s.write_all(b"GET /sse?s=w:one|s:300|w:two HTTP/1.1\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let started = Instant::now();
    while !got.ends_with(b"one") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "first write was held back"
    );
    s.read_to_end(&mut got).unwrap();
    assert!(got.ends_with(b"\r\n\r\nonetwo"));
}

#[test]
fn status_ctype_and_extra_headers() {
    let srv = Server::start();
    let r = srv.exchange(
        b"GET /sse?status=503&ctype=none&header=Retry-After:2&header=X-Test:%20a%20b HTTP/1.1\r\nOrigin: http://o.test\r\n\r\n",
    );
    assert_eq!(r.status, 503);
    assert_eq!(r.header("content-type"), None);
    assert_eq!(r.header("retry-after"), Some("2"));
    assert_eq!(r.header("x-test"), Some("a b"));
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://o.test")
    );
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(
        r.header("access-control-expose-headers"),
        Some("*, Retry-After, X-Test")
    );
    assert_eq!(r.header("vary"), Some("Origin"));
    assert_eq!(
        r.header("cross-origin-resource-policy"),
        Some("cross-origin")
    );
    assert_eq!(r.header("connection"), Some("close"));
    let r = srv.get("/sse?ctype=text/plain;charset=x");
    assert_eq!(r.header("content-type"), Some("text/plain;charset=x"));
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(r.header("access-control-allow-credentials"), None);
    assert_eq!(srv.get("/sse?s=w:a|bogus").status, 400);
}

#[test]
fn abort_ends_a_chunked_body_without_terminator() {
    let srv = Server::start();
    let r = srv.get("/sse?s=w:data%3A%20a%0A%0A|w:data%3A%20b|abort");
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.body, b"data: a\n\ndata: b");
    assert!(!r.complete);
    let r = srv.get("/stream?gen=tiny&count=2");
    assert!(r.complete);
}

#[test]
fn preflight_and_log() {
    let srv = Server::start();
    let r = srv.exchange(
        b"OPTIONS /sse?key=P HTTP/1.1\r\nOrigin: http://o.test\r\nAccess-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: last-event-id, authorization\r\n\r\n",
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://o.test")
    );
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(
        r.header("access-control-allow-methods"),
        Some("GET, POST, PUT, PATCH, DELETE, OPTIONS")
    );
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("last-event-id, authorization")
    );
    assert_eq!(r.header("access-control-max-age"), Some("0"));

    let mut req = b"POST /sse?key=P HTTP/1.1\r\nLast-Event-ID: \xc3\xa9\x01\r\nX-Dup: 1\r\nx-dup: 2\r\nContent-Length: 4\r\n\r\nb\"dy".to_vec();
    req.extend_from_slice(b"");
    srv.exchange(&req);

    let raw = srv.get("/log?key=P");
    let log: Value = serde_json::from_str(raw.text()).unwrap();
    assert_eq!(log.get("count").unwrap().as_f64(), Some(1.0));
    let reqs = log.get("requests").unwrap().as_array().unwrap();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].get("method").unwrap().as_str(), Some("OPTIONS"));
    assert_eq!(reqs[1].get("method").unwrap().as_str(), Some("POST"));
    assert_eq!(reqs[1].get("path").unwrap().as_str(), Some("/sse?key=P"));
    assert_eq!(reqs[1].get("body").unwrap().as_str(), Some("b\"dy"));
    assert_eq!(reqs[1].get("conn").unwrap().as_f64(), Some(0.0));
    let h = reqs[1].get("headers").unwrap();
    assert_eq!(h.get("x-dup").unwrap().as_str(), Some("1, 2"));
    // One character per byte that arrived: C3 A9 01 → U+00C3 U+00A9 U+0001.
    assert_eq!(
        h.get("last-event-id").unwrap().as_str(),
        Some("\u{c3}\u{a9}\u{1}")
    );
    assert!(
        reqs[0].get("t").unwrap().as_f64().unwrap() <= reqs[1].get("t").unwrap().as_f64().unwrap()
    );

    assert_eq!(srv.get("/reset?key=P").status, 200);
    assert_eq!(
        srv.log("P")
            .get("requests")
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let r = srv.get("/sse?key=P&s0=w:zero&s1=w:one");
    assert_eq!(r.body, b"zero");
}

#[test]
fn log_long_polls() {
    let srv = Server::start();
    let port = srv.port;
    let poller = thread::spawn(move || {
        let started = Instant::now();
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(b"GET /log?key=L&wait=2&timeout=5000 HTTP/1.1\r\n\r\n")
            .unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        (Resp::parse(&out), started.elapsed())
    });
    thread::sleep(Duration::from_millis(150));
    srv.get("/sse?key=L");
    srv.get("/sse?key=L");
    let (r, took) = poller.join().unwrap();
    let log = serde_json::from_str::<Value>(r.text()).unwrap();
    assert_eq!(log.get("count").unwrap().as_f64(), Some(2.0));
    assert!(
        took >= Duration::from_millis(100) && took < Duration::from_secs(3),
        "{took:?}"
    );
    // Timeout path.
    let started = Instant::now();
    let r = srv.get("/log?key=none&wait=1&timeout=200");
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(r.text(), r#"{"count":0,"requests":[]}"#);
}

#[test]
fn redirect_echo_health() {
    let srv = Server::start();
    let r = srv.get("/redirect?key=R&to=%2Fsse%3Fkey%3DR%26s%3Dw%3Ax&status=307");
    assert_eq!(r.status, 307);
    assert_eq!(r.header("location"), Some("/sse?key=R&s=w:x"));
    assert_eq!(srv.get("/redirect?to=/x").status, 302);
    assert_eq!(srv.get("/redirect?to=/x&status=200").status, 400);
    let log = srv.log("R");
    assert_eq!(log.get("requests").unwrap().as_array().unwrap().len(), 1);
    assert_eq!(log.get("count").unwrap().as_f64(), Some(0.0));

    let r = srv.exchange(
        b"PUT /echo HTTP/1.1\r\nAuthorization: Bearer t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n",
    );
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    let text = r.text();
    let data = text
        .strip_prefix("data: ")
        .unwrap()
        .strip_suffix("\n\n")
        .unwrap();
    let v = serde_json::from_str::<Value>(data).unwrap();
    assert_eq!(v.get("method").unwrap().as_str(), Some("PUT"));
    assert_eq!(v.get("body").unwrap().as_str(), Some("hello"));
    assert_eq!(
        v.get("headers")
            .unwrap()
            .get("authorization")
            .unwrap()
            .as_str(),
        Some("Bearer t")
    );

    let r = srv.get("/health");
    assert_eq!((r.status, r.text()), (200, "ok"));
}

#[test]
fn drop_closes_live_streams_and_hang_notices_disconnects() {
    let srv = Server::start();
    let mut s = srv.connect();
    s.write_all(b"GET /stream?gen=clock&interval=20&key=D HTTP/1.1\r\nLast-Event-ID: 41\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("id: 43\n") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    assert!(text.contains("id: 42\ndata: {\"i\":42,\"t\":"), "{text}");
    assert!(!text.contains("id: 41\n"));
    let r = srv.get("/demo/drop?key=D");
    assert_eq!(r.text(), r#"{"dropped":1}"#);
    let started = Instant::now();
    s.read_to_end(&mut got).unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(!Resp::parse(&got).complete);

    // A hanging /sse connection leaves the registry as soon as its client closes.
    let mut h = srv.connect();
    h.write_all(b"GET /sse?key=H&s=w:x|hang HTTP/1.1\r\n\r\n")
        .unwrap();
    let n = h.read(&mut buf).unwrap();
    assert!(n > 0);
    drop(h);
    thread::sleep(Duration::from_millis(200));
    assert_eq!(srv.get("/demo/drop?key=H").text(), r#"{"dropped":0}"#);
}

#[test]
fn cacheable_static_files_are_no_cache() {
    let srv = Server::start();
    let plain = srv.get("/index.html");
    assert_eq!(plain.header("cache-control"), Some("no-store"));
    let cacheable = srv.get("/index.html?cacheable=1");
    assert_eq!(cacheable.status, 200);
    assert_eq!(cacheable.header("cache-control"), Some("no-cache"));
}

#[test]
fn live_counts_open_streams_per_key() {
    let srv = Server::start();
    assert_eq!(srv.get("/live?key=L").text(), r#"{"live":0}"#);
    let mut buf = [0u8; 4096];
    let mut a = srv.connect();
    a.write_all(b"GET /stream?gen=clock&interval=20&key=L HTTP/1.1\r\n\r\n")
        .unwrap();
    assert!(a.read(&mut buf).unwrap() > 0);
    let mut b = srv.connect();
    b.write_all(b"GET /sse?key=L&s=w:x|hang HTTP/1.1\r\n\r\n")
        .unwrap();
    assert!(b.read(&mut buf).unwrap() > 0);
    assert_eq!(srv.get("/live?key=L").text(), r#"{"live":2}"#);
    // /live is a control endpoint: it is not logged under the key.
    let log = srv.log("L");
    assert_eq!(
        log.get("requests").and_then(|r| r.as_array()).map(Vec::len),
        Some(2)
    );
    drop(a);
    drop(b);
    let deadline = Instant::now() + Duration::from_secs(2);
    while srv.get("/live?key=L").text() != r#"{"live":0}"# {
        assert!(Instant::now() < deadline, "the closed streams stayed live");
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(srv.get("/live").status, 400);
}

#[test]
fn generated_streams_and_info() {
    let srv = Server::start();
    let r = srv.get("/stream?gen=tiny&count=3&chunk=5");
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert!(r.complete);
    assert_eq!(
        r.text(),
        "data: 000000\n\ndata: 000001\n\ndata: 000002\n\nevent: done\ndata: 3\n\n"
    );
    let r = srv.get("/stream?gen=mixed&count=50&chunk=7");
    let text = r.text();
    assert!(text.starts_with(": hb\r\nid: 0\r\nevent: tick\r\ndata: 0 é漢字🎉\r\n"));
    assert!(text.ends_with("event: done\ndata: 50\n\n"));
    let info = srv.get("/stream/info?gen=kb&count=10");
    let v = serde_json::from_str::<Value>(info.text()).unwrap();
    assert_eq!(v.get("events").unwrap().as_f64(), Some(10.0));
    assert_eq!(v.get("last_id").unwrap().as_f64(), Some(9.0));
    assert_eq!(v.get("data_bytes").unwrap().as_f64(), Some(10240.0));
    let r = srv.get("/stream?gen=kb&count=10");
    assert_eq!(
        v.get("body_bytes").unwrap().as_f64(),
        Some(r.body.len() as f64)
    );
    let r = srv.get("/stream?gen=clock&interval=1&count=3");
    assert!(r.text().ends_with("event: done\ndata: 3\n\n"));
    assert!(r.text().starts_with("id: 0\n"));
    assert_eq!(srv.get("/stream?gen=nope").status, 400);
    assert_eq!(srv.get("/stream?gen=big&count=100000").status, 400);
}

#[test]
fn chat_streams_a_reply() {
    let srv = Server::start();
    let body = r#"{"message":"hi \"there\""}"#;
    let r = srv.exchange(
        format!(
            "POST /demo/chat?delay=1 HTTP/1.1\r\nAuthorization: Bearer k\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    let text = r.text();
    assert!(
        text.starts_with("data: {\"you\":\"hi \\\"there\\\"\",\"auth\":\"Bearer k\"}\n\n"),
        "{text}"
    );
    assert!(text.contains("event: reply\ndata: {\"delta\":\"You\"}\n\n"));
    assert!(text.contains("event: reply\ndata: {\"delta\":\" said\"}\n\n"));
    assert!(text.ends_with("}\n\n") && text.contains("event: done\ndata: {\"words\":"));
    let r = srv.get("/demo/chat?delay=0&message=yo");
    assert!(r
        .text()
        .starts_with("data: {\"you\":\"yo\",\"auth\":null}\n\n"));
    let r = srv.exchange(b"POST /demo/chat HTTP/1.1\r\nContent-Length: 3\r\n\r\n{x}");
    assert_eq!(r.status, 400);
}

#[test]
fn static_files_and_bad_requests() {
    let srv = Server::start();
    let r = srv.get("/");
    assert_eq!((r.status, r.text()), (200, "<h1>root</h1>"));
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let r = srv.get("/sub");
    assert_eq!((r.status, r.header("location")), (301, Some("/sub/")));
    assert_eq!(srv.get("/sub/?x=1").text(), "<h1>sub</h1>");
    let r = srv.get("/m.wasm");
    assert_eq!(r.header("content-type"), Some("application/wasm"));
    assert_eq!(r.header("content-length"), Some("8"));
    assert_eq!(
        srv.get("/t.d.ts").header("content-type"),
        Some("text/plain")
    );
    assert_eq!(srv.get("/missing.js").status, 404);
    assert_eq!(srv.get("/../etc/passwd").status, 404);
    assert_eq!(srv.get("/%2e%2e/etc/passwd").status, 404);
    assert_eq!(srv.exchange(b"GARBAGE\r\n\r\n").status, 400);
    assert_eq!(
        srv.exchange(b"GET / HTTP/1.1\r\nbad header\r\n\r\n").status,
        400
    );
    assert_eq!(
        srv.exchange(b"POST /echo HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n")
            .status,
        413
    );
    assert_eq!(
        srv.exchange(b"DELETE /index.html HTTP/1.1\r\n\r\n").status,
        405
    );
}

/// Sends a GET and reads the response head (up to the blank line) off the socket.
fn open_stream(srv: &Server, target: &str) -> (TcpStream, Vec<u8>) {
    let mut s = srv.connect();
    s.write_all(format!("GET {target} HTTP/1.1\r\n\r\n").as_bytes())
        .unwrap();
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut byte).unwrap(), 1, "EOF inside the head");
        got.push(byte[0]);
    }
    (s, got)
}

#[test]
fn rst_resets_the_connection_mid_body() {
    let srv = Server::start();
    let (mut s, head) = open_stream(&srv, "/sse?s=w:data%3A%20a%0A%0Adata%3A%20par|s:50|rst");
    assert!(head.starts_with(b"HTTP/1.1 200 OK\r\n"));
    let mut body = Vec::new();
    let mut buf = [0u8; 4096];
    let err = loop {
        match s.read(&mut buf) {
            Ok(0) => panic!("clean EOF instead of a reset after {body:?}"),
            Ok(n) => body.extend_from_slice(&buf[..n]),
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
    assert_eq!(body, b"data: a\n\ndata: par");

    // The contrast: `abort` ends with a FIN (clean EOF at the TCP level, chunked body
    // unfinished), the plain end of a script too.
    let (mut s, _) = open_stream(&srv, "/sse?s=w:x|abort");
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"1\r\nx\r\n");
}

#[test]
fn drip_writes_one_byte_at_a_time() {
    let srv = Server::start();
    let payload = "data: é\r\n\r\n"; // 12 bytes
    let (mut s, _) = open_stream(
        &srv,
        "/sse?s=w:A|drip:25|w:data%3A%20%C3%A9%0D%0A%0D%0A|drip:0|w:BC",
    );
    let started = Instant::now();
    let mut reads = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        reads.push(buf[..n].to_vec());
    }
    let took = started.elapsed();
    let body: Vec<u8> = reads.concat();
    assert_eq!(body, format!("A{payload}BC").as_bytes());
    // 12 dripped bytes, each followed by 25 ms.
    assert!(took >= Duration::from_millis(12 * 25 - 30), "{took:?}");
    // Every read holds at most one dripped byte unless the reader fell behind; on a
    // loaded machine allow a few merged reads, but most must be single bytes.
    let singles = reads.iter().filter(|r| r.len() == 1).count();
    assert!(singles >= 8, "{singles} single-byte reads: {reads:?}");
    assert_eq!(reads.last().unwrap(), b"BC", "drip:0 ends dripping");
}

#[test]
fn fill_writes_the_pattern() {
    let srv = Server::start();
    let n = 200_000;
    let r = srv.get(&format!("/sse?s=w:data%3A%20|f:{n}|w:%0A%0A"));
    let alpha = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut want = b"data: ".to_vec();
    want.extend((0..n).map(|j| alpha[j % 62]));
    want.extend_from_slice(b"\n\n");
    assert!(
        r.body == want,
        "fill pattern mismatch ({} bytes)",
        r.body.len()
    );
}

#[test]
fn noanswer_accepts_and_never_answers() {
    let srv = Server::start();
    let mut s = srv.connect();
    s.write_all(b"GET /sse?key=N&s0=noanswer&s=w:second HTTP/1.1\r\n\r\n")
        .unwrap();
    s.set_read_timeout(Some(Duration::from_millis(600)))
        .unwrap();
    let mut buf = [0u8; 64];
    let err = s.read(&mut buf).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err}"
    );
    // It is recorded and live: /demo/drop closes it without a byte ever sent.
    assert_eq!(srv.log("N").get("count").unwrap().as_f64(), Some(1.0));
    assert_eq!(srv.get("/demo/drop?key=N").text(), r#"{"dropped":1}"#);
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    assert_eq!(s.read(&mut buf).unwrap(), 0);

    // A client that leaves ends it too (it leaves the registry at once).
    let mut s = srv.connect();
    s.write_all(b"GET /sse?key=M&s=w:x|noanswer HTTP/1.1\r\n\r\n")
        .unwrap();
    thread::sleep(Duration::from_millis(200));
    drop(s);
    thread::sleep(Duration::from_millis(200));
    assert_eq!(srv.get("/demo/drop?key=M").text(), r#"{"dropped":0}"#);
    // Per connection, like every step: the next connection of N is answered.
    assert_eq!(srv.get("/sse?key=N&s0=noanswer&s=w:second").body, b"second");
}

#[test]
fn hang_after_the_head_stalls_until_the_client_leaves() {
    let srv = Server::start();
    let (mut s, head) = open_stream(&srv, "/sse?key=HS&s=hang");
    assert!(head.starts_with(b"HTTP/1.1 200 OK\r\n"));
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut buf = [0u8; 64];
    let err = s.read(&mut buf).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err}"
    );
    drop(s);
    thread::sleep(Duration::from_millis(200));
    assert_eq!(srv.get("/demo/drop?key=HS").text(), r#"{"dropped":0}"#);
}
