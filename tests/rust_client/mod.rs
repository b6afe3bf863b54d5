//! The Rust API (`eventsource_wasm::client`, feature `client`) against the loopback
//! server, shared by `client.rs` (a window) and `client_worker.rs` (a dedicated
//! worker). Run the way Rust users run them:
//! `wasm-pack test --headless --chrome --firefox --features client -- --test client`
//! with `SSE_SERVER_URL` set at build time (scripts/test.sh does it).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use eventsource_wasm::client::{Error, Event, EventSource, Item, ReadyState};
use futures_core::Stream;
use js_sys::Promise;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_url(url: &str) -> Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, millis: i32) -> JsValue;
}

/// Base URL of the test server, e.g. `http://127.0.0.1:40123`.
fn server() -> &'static str {
    match option_env!("SSE_SERVER_URL") {
        Some(url) => url,
        None => panic!("SSE_SERVER_URL was not set at build time: run scripts/test.sh"),
    }
}

/// A key unique to this run, so the server's logs of tests don't mix.
fn key(name: &str) -> String {
    format!("client-{name}-{}", (js_sys::Math::random() * 1e12) as u64)
}

/// Percent-encodes a script step's bytes (everything but unreserved characters).
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `/sse?key=K&` + `query`. Scripts that should stall send a comment first
/// (`w:%3A%0A|hang`): Firefox resolves a `fetch` only once the first body bytes arrive.
fn sse(key: &str, query: &str) -> String {
    format!("{}/sse?key={key}&{query}", server())
}

async fn sleep(millis: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, millis);
    });
    let _ = JsFuture::from(promise).await;
}

async fn get_json(url: &str) -> Value {
    let response: web_sys::Response = JsFuture::from(fetch_url(url))
        .await
        .expect("fetch")
        .unchecked_into();
    let text = JsFuture::from(response.text().expect("text"))
        .await
        .expect("body");
    serde_json::from_str(&text.as_string().expect("a string")).expect("JSON")
}

/// The `/sse` requests (no preflights) of `key`, once there are at least `n`.
async fn requests(key: &str, n: usize) -> Vec<Value> {
    let log = get_json(&format!("{}/log?key={key}&wait={n}", server())).await;
    log["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter(|r| r["method"] != "OPTIONS")
        .cloned()
        .collect()
}

/// Live connections of `key` on the server.
async fn live(key: &str) -> u64 {
    get_json(&format!("{}/live?key={key}", server())).await["live"]
        .as_u64()
        .expect("live")
}

/// Waits until the server sees no live connection of `key` (at most 5 s).
async fn until_closed(key: &str) {
    for _ in 0..50 {
        if live(key).await == 0 {
            return;
        }
        sleep(100).await;
    }
    panic!("the server still sees a live connection of {key}");
}

/// The next item, or a panic after 10 s.
async fn next(source: &mut EventSource) -> Option<Result<Item, Error>> {
    let mut timeout = JsFuture::from(Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, 10_000);
    }));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(item) = Pin::new(&mut *source).poll_next(cx) {
            return Poll::Ready(item);
        }
        match Pin::new(&mut timeout).poll(cx) {
            Poll::Ready(_) => panic!("no item within 10 s"),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// The next item, which must be an event.
async fn event(source: &mut EventSource) -> Event {
    match next(source).await {
        Some(Ok(Item::Event(event))) => event,
        other => panic!("expected an event, got {other:?}"),
    }
}

async fn expect_open(source: &mut EventSource) {
    assert_eq!(next(source).await, Some(Ok(Item::Open)));
}

#[wasm_bindgen_test]
async fn events_arrive_with_type_data_and_id() {
    let k = key("events");
    let body = enc("id: 1\nevent: greet\ndata: a\n\ndata: b\ndata: c\n\n");
    let mut source = EventSource::new(sse(&k, &format!("s=w:{body}|hang"))).unwrap();
    assert_eq!(source.ready_state(), ReadyState::Connecting);
    expect_open(&mut source).await;
    assert_eq!(source.ready_state(), ReadyState::Open);
    let first = event(&mut source).await;
    assert_eq!(
        (&*first.event_type, &*first.data, &*first.id),
        ("greet", "a", "1")
    );
    let second = event(&mut source).await;
    assert_eq!(
        (&*second.event_type, &*second.data, &*second.id),
        ("message", "b\nc", "1")
    );
    let request = &requests(&k, 1).await[0];
    assert_eq!(request["headers"]["accept"], "text/event-stream");
    assert!(request["headers"].get("last-event-id").is_none());
}

#[wasm_bindgen_test]
async fn reconnects_with_last_event_id() {
    let k = key("reconnect");
    let s0 = enc("retry: 150\nid: 7\ndata: x\n\n");
    let s1 = enc("data: y\n\n");
    let mut source = EventSource::new(sse(&k, &format!("s0=w:{s0}|end&s=w:{s1}|hang"))).unwrap();
    expect_open(&mut source).await;
    assert_eq!(event(&mut source).await.data, "x");
    match next(&mut source).await {
        Some(Ok(Item::Reconnecting(r))) => {
            assert_eq!((r.delay, r.attempt), (Duration::from_millis(150), 1));
        }
        other => panic!("expected a reconnection, got {other:?}"),
    }
    assert_eq!(source.ready_state(), ReadyState::Connecting);
    expect_open(&mut source).await;
    let y = event(&mut source).await;
    assert_eq!((&*y.data, &*y.id), ("y", "7"));
    let log = requests(&k, 2).await;
    assert!(log[0]["headers"].get("last-event-id").is_none());
    assert_eq!(log[1]["headers"]["last-event-id"], "7");
    assert_eq!(source.last_event_id(), "7");
}

#[wasm_bindgen_test]
async fn a_seeded_last_event_id_goes_with_the_first_request() {
    let k = key("seed");
    let mut source = EventSource::builder(sse(&k, "s=w:%3A%0A|hang"))
        .last_event_id("42")
        .build()
        .unwrap();
    expect_open(&mut source).await;
    assert_eq!(requests(&k, 1).await[0]["headers"]["last-event-id"], "42");
}

#[wasm_bindgen_test]
async fn last_event_id_param_carries_the_cursor_in_the_url() {
    let k = key("id-param");
    let s0 = enc("retry: 100\nid: 7 é\ndata: x\n\n");
    let s1 = enc("data: y\n\n");
    let url = sse(&k, &format!("s0=w:{s0}|end&s=w:{s1}|hang"));
    let mut source = EventSource::builder(format!("{url}&cursor=stale"))
        .last_event_id_param("cursor")
        .build()
        .unwrap();
    expect_open(&mut source).await;
    assert_eq!(event(&mut source).await.data, "x");
    assert!(matches!(
        next(&mut source).await,
        Some(Ok(Item::Reconnecting(_)))
    ));
    expect_open(&mut source).await;
    assert_eq!(event(&mut source).await.data, "y");
    let log = requests(&k, 2).await;
    // Every `cursor` value of the request's query, decoded.
    let cursor = |request: &Value| -> Vec<String> {
        let path = request["path"].as_str().expect("path");
        let query = path.split_once('?').map_or("", |(_, query)| query);
        query
            .split('&')
            .filter_map(|pair| pair.strip_prefix("cursor="))
            .map(|value| {
                let value = value.replace('+', " ");
                js_sys::decode_uri_component(&value)
                    .expect("percent-encoded")
                    .into()
            })
            .collect()
    };
    // The first request is left as named; the reconnection carries the cursor in the
    // parameter (replacing it), never in the header.
    assert_eq!(cursor(&log[0]), ["stale"]);
    assert_eq!(cursor(&log[1]), ["7 é"]);
    assert!(log
        .iter()
        .all(|r| r["headers"].get("last-event-id").is_none()));
}

/// `navigator.onLine` stubbed (an own property over the prototype's getter) until
/// dropped.
struct OnLine(js_sys::Object);

impl OnLine {
    fn stub(online: bool) -> OnLine {
        let navigator: js_sys::Object =
            js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
                .unwrap()
                .unchecked_into();
        let descriptor = js_sys::Object::new();
        js_sys::Reflect::set(&descriptor, &"value".into(), &online.into()).unwrap();
        js_sys::Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
        js_sys::Object::define_property(&navigator, &"onLine".into(), &descriptor);
        OnLine(navigator)
    }
}

impl Drop for OnLine {
    fn drop(&mut self) {
        let _ = js_sys::Reflect::delete_property(&self.0, &"onLine".into());
    }
}

/// Fires the global `online` event.
fn fire_online() {
    let event = web_sys::Event::new("online").unwrap();
    let target: web_sys::EventTarget = js_sys::global().unchecked_into();
    target.dispatch_event(&event).unwrap();
}

/// Polls `source` for `millis`: no item may arrive meanwhile.
async fn nothing_for(source: &mut EventSource, millis: i32) {
    let mut quiet = JsFuture::from(Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, millis);
    }));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(item) = Pin::new(&mut *source).poll_next(cx) {
            panic!("expected nothing for {millis} ms, got {item:?}");
        }
        Pin::new(&mut quiet).poll(cx).map(drop)
    })
    .await
}

#[wasm_bindgen_test]
async fn offline_it_waits_for_online_then_reconnects_at_once() {
    let k = key("offline");
    let s0 = enc("retry: 50\ndata: x\n\n");
    let s1 = enc("data: y\n\n");
    let mut source =
        EventSource::new(sse(&k, &format!("s0=w:{s0}|s:200|end&s=w:{s1}|hang"))).unwrap();
    expect_open(&mut source).await;
    assert_eq!(event(&mut source).await.data, "x");
    let offline = OnLine::stub(false);
    assert!(matches!(
        next(&mut source).await,
        Some(Ok(Item::Reconnecting(_)))
    ));
    // Far past the 50 ms reconnection time: no attempt while offline.
    nothing_for(&mut source, 600).await;
    assert_eq!(requests(&k, 1).await.len(), 1);
    drop(offline);
    fire_online();
    expect_open(&mut source).await;
    assert_eq!(event(&mut source).await.data, "y");
    assert_eq!(requests(&k, 2).await.len(), 2);
}

#[wasm_bindgen_test]
async fn without_wait_for_online_it_reconnects_while_offline() {
    let k = key("offline-off");
    let s0 = enc("retry: 50\ndata: x\n\n");
    let s1 = enc("data: y\n\n");
    let mut source = EventSource::builder(sse(&k, &format!("s0=w:{s0}|s:200|end&s=w:{s1}|hang")))
        .wait_for_online(false)
        .build()
        .unwrap();
    expect_open(&mut source).await;
    assert_eq!(event(&mut source).await.data, "x");
    let _offline = OnLine::stub(false);
    assert!(matches!(
        next(&mut source).await,
        Some(Ok(Item::Reconnecting(_)))
    ));
    expect_open(&mut source).await;
    assert_eq!(event(&mut source).await.data, "y");
}

#[wasm_bindgen_test]
async fn comments_are_items_in_stream_order_only_when_asked() {
    let script = format!(
        "s=w:{}|hang",
        enc(": ping\ndata: x\n\n:\n: pong\ndata: y\n\n")
    );
    let k = key("comments");
    let mut source = EventSource::builder(sse(&k, &script))
        .comments(true)
        .build()
        .unwrap();
    expect_open(&mut source).await;
    let mut items = Vec::new();
    for _ in 0..5 {
        match next(&mut source).await {
            Some(Ok(Item::Comment(text))) => items.push(format!("c:{text}")),
            Some(Ok(Item::Event(event))) => items.push(format!("m:{}", event.data)),
            other => panic!("expected a comment or an event, got {other:?}"),
        }
    }
    assert_eq!(items, ["c:ping", "m:x", "c:", "c:pong", "m:y"]);

    // Off (the default): the same stream yields the events alone.
    let k = key("no-comments");
    let mut source = EventSource::new(sse(&k, &script)).unwrap();
    expect_open(&mut source).await;
    assert_eq!(event(&mut source).await.data, "x");
    assert_eq!(event(&mut source).await.data, "y");
}

#[wasm_bindgen_test]
async fn the_headers_function_runs_before_every_attempt() {
    let k = key("headers");
    let calls = Rc::new(Cell::new(0));
    let counter = Rc::clone(&calls);
    let s0 = enc("retry: 0\ndata: x\n\n");
    let mut source = EventSource::builder(sse(&k, &format!("s0=w:{s0}|end&s=w:%3A%0A|hang")))
        .header("X-Fixed", "f")
        .headers_with(move || {
            counter.set(counter.get() + 1);
            vec![("X-Token".into(), format!("t{}", counter.get()))]
        })
        .build()
        .unwrap();
    expect_open(&mut source).await;
    event(&mut source).await;
    assert!(matches!(
        next(&mut source).await,
        Some(Ok(Item::Reconnecting(_)))
    ));
    expect_open(&mut source).await;
    assert_eq!(calls.get(), 2);
    let log = requests(&k, 2).await;
    let tokens: Vec<_> = log
        .iter()
        .map(|r| r["headers"]["x-token"].clone())
        .collect();
    assert_eq!(tokens, ["t1", "t2"]);
    assert!(log.iter().all(|r| r["headers"]["x-fixed"] == "f"));
}

#[wasm_bindgen_test]
async fn an_async_headers_function_is_awaited_before_every_attempt_and_its_error_retries() {
    let k = key("headers-async");
    let calls = Rc::new(Cell::new(0));
    let counter = Rc::clone(&calls);
    let s0 = enc("retry: 0\ndata: x\n\n");
    let mut source = EventSource::builder(sse(&k, &format!("s0=w:{s0}|end&s=w:%3A%0A|hang")))
        .retry_delay(Duration::from_millis(20))
        .headers_with_async(move || {
            counter.set(counter.get() + 1);
            let n = counter.get();
            async move {
                // A token that takes a wait to fetch; the second call fails.
                sleep(30).await;
                if n == 2 {
                    Err("the auth endpoint is down")
                } else {
                    Ok(vec![("X-Token".into(), format!("t{n}"))])
                }
            }
        })
        .build()
        .unwrap();
    expect_open(&mut source).await;
    event(&mut source).await;
    // The body ended: a reconnection, whose headers fail (a failed attempt), then another.
    for _ in 0..2 {
        assert!(matches!(
            next(&mut source).await,
            Some(Ok(Item::Reconnecting(_)))
        ));
    }
    expect_open(&mut source).await;
    assert_eq!(calls.get(), 3);
    let log = requests(&k, 2).await;
    let tokens: Vec<_> = log
        .iter()
        .map(|r| r["headers"]["x-token"].clone())
        .collect();
    assert_eq!(
        tokens,
        ["t1", "t3"],
        "no request went out for the failed call"
    );
}

/// `url` on the test server's other loopback name: another origin.
fn cross_origin(url: &str) -> String {
    url.replacen("127.0.0.1", "localhost", 1)
}

#[wasm_bindgen_test]
async fn a_cors_failure_fails_at_once_while_a_network_error_reconnects() {
    let k = key("cors");
    let header = enc("Access-Control-Allow-Origin:http://elsewhere");
    let url = cross_origin(&sse(&k, &format!("header={header}&s=w:%3A%0A|hang")));
    let mut source = EventSource::new(url).unwrap();
    assert_eq!(next(&mut source).await, Some(Err(Error::Cors)));
    assert_eq!(next(&mut source).await, None);
    // One request in `cors` mode (no reconnection), and the `no-cors` probe.
    let log = requests(&k, 2).await;
    let modes: Vec<_> = log
        .iter()
        .map(|r| {
            r["headers"]["sec-fetch-mode"]
                .as_str()
                .unwrap_or("?")
                .to_owned()
        })
        .collect();
    assert_eq!(modes, ["cors", "no-cors"]);

    // Nothing answers on the other name's port 1 (a refused or blocked connection): a
    // network error, which reconnects.
    let mut source = EventSource::builder("http://localhost:1/sse")
        .retry_delay(Duration::from_millis(10))
        .build()
        .unwrap();
    assert!(matches!(
        next(&mut source).await,
        Some(Ok(Item::Reconnecting(_)))
    ));
}

#[wasm_bindgen_test]
async fn a_post_body_is_replayed_on_reconnection() {
    let k = key("post");
    let s0 = enc("retry: 0\nid: p1\ndata: x\n\n");
    let mut source = EventSource::builder(sse(&k, &format!("s0=w:{s0}|end&s=w:%3A%0A|hang")))
        .method("POST")
        .header("Content-Type", "application/json")
        .body(r#"{"q":"é"}"#)
        .build()
        .unwrap();
    expect_open(&mut source).await;
    event(&mut source).await;
    next(&mut source).await;
    expect_open(&mut source).await;
    let log = requests(&k, 2).await;
    assert_eq!(log.len(), 2);
    for request in &log {
        assert_eq!(request["method"], "POST");
        assert_eq!(request["body"], r#"{"q":"é"}"#);
    }
    assert_eq!(log[1]["headers"]["last-event-id"], "p1");
}

#[wasm_bindgen_test]
async fn the_backoff_is_a_floor_the_server_cannot_lower() {
    let k = key("backoff");
    // Every connection ends at once and asks for `retry: 0`; no event, so no
    // connection is healthy and the failures are consecutive.
    let script = enc("retry: 0\n\n");
    let mut source = EventSource::builder(sse(&k, &format!("s=w:{script}|end")))
        .backoff(Duration::from_millis(200), Duration::from_secs(5), 2.0)
        .max_retries(2)
        .build()
        .unwrap();
    let mut delays = Vec::new();
    loop {
        match next(&mut source).await {
            Some(Ok(Item::Open)) => {}
            Some(Ok(Item::Reconnecting(r))) => delays.push(r.delay),
            Some(Err(error)) => {
                assert_eq!(error, Error::Network);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(next(&mut source).await, None);
    assert_eq!(
        delays,
        [Duration::from_millis(200), Duration::from_millis(400)]
    );
    // The server saw the attempts that far apart (its own clock).
    let log = requests(&k, 3).await;
    let t: Vec<f64> = log.iter().map(|r| r["t"].as_f64().unwrap()).collect();
    assert_eq!(t.len(), 3);
    assert!(t[1] - t[0] >= 190.0, "{t:?}");
    assert!(t[2] - t[1] >= 390.0, "{t:?}");
}

#[wasm_bindgen_test]
async fn dropping_the_stream_closes_the_connection() {
    let k = key("drop");
    let body = enc("data: a\n\n");
    let mut source = EventSource::new(sse(&k, &format!("s=w:{body}|hang"))).unwrap();
    expect_open(&mut source).await;
    event(&mut source).await;
    assert_eq!(live(&k).await, 1);
    drop(source);
    until_closed(&k).await;
}

#[wasm_bindgen_test]
async fn dropping_while_waiting_to_reconnect_makes_no_more_attempts() {
    let k = key("drop-wait");
    let mut source = EventSource::builder(sse(&k, "s=end"))
        .retry_delay(Duration::from_millis(300))
        .build()
        .unwrap();
    expect_open(&mut source).await;
    assert!(matches!(
        next(&mut source).await,
        Some(Ok(Item::Reconnecting(_)))
    ));
    drop(source);
    sleep(700).await;
    assert_eq!(requests(&k, 1).await.len(), 1, "the timer was cleared");
}

#[wasm_bindgen_test]
async fn the_abort_handle_ends_the_stream_and_the_connection() {
    let k = key("abort");
    let mut source = EventSource::new(sse(&k, "s=w:%3A%0A|hang")).unwrap();
    let handle = source.abort_handle();
    expect_open(&mut source).await;
    assert_eq!(live(&k).await, 1);
    handle.abort();
    assert_eq!(next(&mut source).await, Some(Err(Error::Aborted)));
    assert_eq!(next(&mut source).await, None);
    assert_eq!(source.ready_state(), ReadyState::Closed);
    until_closed(&k).await;
}

#[wasm_bindgen_test]
async fn a_500_fails_with_its_status() {
    let k = key("500");
    let mut source = EventSource::builder(sse(&k, "status=500&s=w:%3A%0A|hang"))
        .max_retries(0)
        .build()
        .unwrap();
    assert_eq!(next(&mut source).await, Some(Err(Error::Status(500))));
    assert_eq!(next(&mut source).await, None);
    assert_eq!(source.ready_state(), ReadyState::Closed);
    until_closed(&k).await;
}

#[wasm_bindgen_test]
async fn a_retryable_status_reconnects_then_gives_up() {
    let k = key("503");
    let mut source = EventSource::builder(sse(&k, "status=503&header=Retry-After:0"))
        .retry_delay(Duration::from_millis(100))
        .retry_statuses([503])
        .max_retries(1)
        .build()
        .unwrap();
    match next(&mut source).await {
        Some(Ok(Item::Reconnecting(r))) => assert_eq!(r.status, Some(503)),
        other => panic!("expected a reconnection, got {other:?}"),
    }
    assert_eq!(next(&mut source).await, Some(Err(Error::Status(503))));
    assert_eq!(requests(&k, 2).await.len(), 2);
}

#[wasm_bindgen_test]
async fn a_wrong_content_type_fails() {
    let k = key("ctype");
    let mut source = EventSource::new(sse(&k, "ctype=text/html&s=w:data%3A%20x%0A%0A")).unwrap();
    assert_eq!(
        next(&mut source).await,
        Some(Err(Error::ContentType(Some("text/html".into()))))
    );
    assert_eq!(next(&mut source).await, None);
}

#[wasm_bindgen_test]
async fn an_event_over_max_event_size_fails_and_closes() {
    let k = key("limit");
    let mut source = EventSource::builder(sse(&k, "s=w:data%3A%20|f:100000|hang"))
        .max_event_size(1024)
        .build()
        .unwrap();
    expect_open(&mut source).await;
    assert_eq!(next(&mut source).await, Some(Err(Error::ParseLimit)));
    assert_eq!(next(&mut source).await, None);
    until_closed(&k).await;
}

#[wasm_bindgen_test]
async fn a_finite_stream_ends_without_an_error() {
    let k = key("finite");
    let body = enc("data: done\n\n");
    let mut source = EventSource::builder(sse(&k, &format!("s=w:{body}|end")))
        .finite(true)
        .build()
        .unwrap();
    expect_open(&mut source).await;
    assert_eq!(event(&mut source).await.data, "done");
    assert_eq!(next(&mut source).await, None);
    assert_eq!(requests(&k, 1).await.len(), 1);
}

#[wasm_bindgen_test]
async fn a_silent_connection_times_out() {
    let k = key("timeout");
    let mut source = EventSource::builder(sse(&k, "s=w:%3A%0A|hang"))
        .inactivity_timeout(Duration::from_millis(300))
        .max_retries(0)
        .build()
        .unwrap();
    expect_open(&mut source).await;
    assert_eq!(next(&mut source).await, Some(Err(Error::Timeout)));
    until_closed(&k).await;
}

#[wasm_bindgen_test]
fn an_invalid_url_is_an_error() {
    let error = EventSource::new("http://exa mple.com/").unwrap_err();
    assert_eq!(error, Error::InvalidUrl("http://exa mple.com/".into()));
}

// The README's example ("From Rust"), verbatim: it must compile and work.
mod readme {
    use eventsource_wasm::client::{Error, EventSource, Item};
    use futures_util::StreamExt;
    use std::{cell::RefCell, rc::Rc, time::Duration};

    /// Follows `url` until the server ends the stream (finite mode) or the source gives up.
    pub async fn follow(url: &str, token: Rc<RefCell<String>>) -> Result<Vec<String>, Error> {
        let mut source = EventSource::builder(url) // absolute, or relative to `location`
            .method("POST")
            .header("Content-Type", "application/json")
            .body(r#"{"topic":"prices"}"#) // replayed on every reconnection
            .headers_with(move || {
                // called before every attempt: a fresh token each time
                vec![("Authorization".into(), format!("Bearer {}", token.borrow()))]
            })
            .backoff(Duration::from_secs(1), Duration::from_secs(30), 2.0)
            .jitter(0.2)
            .max_retries(8)
            .retry_statuses([429, 502, 503, 504]) // these honour `Retry-After`
            .inactivity_timeout(Duration::from_secs(45))
            .max_event_size(1 << 20)
            .finite(true) // a clean end of the body ends the stream
            .build()?;
        let _abort = source.abort_handle(); // `.abort()` it from a button, a route change…
        let mut data = Vec::new();
        while let Some(item) = source.next().await {
            match item? {
                Item::Event(event) => data.push(event.data),
                Item::Open | Item::Reconnecting(_) => {}
                _ => {} // `Item` is #[non_exhaustive]
            }
        }
        Ok(data) // dropping `source` closed the connection
    }
}

#[wasm_bindgen_test]
async fn the_readme_example_works() {
    let k = key("readme");
    let body = enc("data: a\n\ndata: b\n\n");
    let token = Rc::new(std::cell::RefCell::new("secret".to_owned()));
    let data = readme::follow(&sse(&k, &format!("s=w:{body}|end")), token)
        .await
        .unwrap();
    assert_eq!(data, ["a", "b"]);
    let request = &requests(&k, 1).await[0];
    assert_eq!(request["method"], "POST");
    assert_eq!(request["headers"]["authorization"], "Bearer secret");
    assert_eq!(request["body"], r#"{"topic":"prices"}"#);
}
