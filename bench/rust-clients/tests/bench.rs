//! Events/s through each Rust EventSource API, in one headless page, on the loopback
//! server's generated workloads (`/stream?gen=tiny|kb`, as the JS benchmark uses): each
//! run opens a source, takes `count` `message` events (reading each event's data), and
//! stops; the median of the runs is printed. Not a test of correctness.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::StreamExt;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const RUNS: usize = 5;

/// The loopback server, baked in at build time (run.sh starts it).
const SERVER: &str = env!("SSE_SERVER_URL");

fn url(gen: &str, count: u32) -> String {
    format!("{SERVER}/stream?gen={gen}&count={count}")
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Ours: `eventsource_wasm::client`.
async fn ours(url: &str, count: u32) -> (f64, usize) {
    use eventsource_wasm::client::{EventSource, Item};
    let start = now();
    let mut source = EventSource::new(url).unwrap();
    let (mut n, mut bytes) = (0, 0);
    while let Some(item) = source.next().await {
        if let Item::Event(event) = item.unwrap() {
            if event.event_type == "message" {
                bytes += event.data.len();
                n += 1;
                if n == count {
                    break;
                }
            }
        }
    }
    (now() - start, bytes)
}

/// gloo-net: the browser's EventSource, one stream per event type.
async fn gloo(url: &str, count: u32) -> (f64, usize) {
    use gloo_net::eventsource::futures::EventSource;
    let start = now();
    let mut source = EventSource::new(url).unwrap();
    let mut messages = source.subscribe("message").unwrap();
    let (mut n, mut bytes) = (0, 0);
    while let Some(item) = messages.next().await {
        let (_, event) = item.unwrap();
        bytes += event.data().as_string().unwrap().len();
        n += 1;
        if n == count {
            break;
        }
    }
    source.close();
    (now() - start, bytes)
}

/// reqwest-eventsource: reqwest (fetch on wasm) + eventsource-stream.
async fn reqwest_es(url: &str, count: u32) -> (f64, usize) {
    use reqwest_eventsource::{Event, EventSource};
    let start = now();
    let mut source = EventSource::new(reqwest::Client::new().get(url)).unwrap();
    let (mut n, mut bytes) = (0, 0);
    while let Some(item) = source.next().await {
        if let Event::Message(event) = item.unwrap() {
            if event.event == "message" {
                bytes += event.data.len();
                n += 1;
                if n == count {
                    break;
                }
            }
        }
    }
    source.close();
    (now() - start, bytes)
}

async fn measure(gen: &str, count: u32) {
    let url = url(gen, count);
    for name in ["eventsource-wasm client", "gloo-net", "reqwest-eventsource"] {
        let mut times = Vec::new();
        let mut checked = None;
        // One warm-up run, then RUNS measured, interleaving nothing else.
        for run in 0..=RUNS {
            let (ms, bytes) = match name {
                "gloo-net" => gloo(&url, count).await,
                "reqwest-eventsource" => reqwest_es(&url, count).await,
                _ => ours(&url, count).await,
            };
            // Every implementation read the same data.
            assert_eq!(*checked.get_or_insert(bytes), bytes);
            if run > 0 {
                times.push(ms);
            }
        }
        times.sort_by(f64::total_cmp);
        let median = times[RUNS / 2];
        console_log!(
            "BENCH {gen} {count} | {name} | {:.0} events/s | median {median:.0} ms of {RUNS} ({} data bytes)",
            f64::from(count) / median * 1000.0,
            checked.unwrap_or(0)
        );
    }
}

#[wasm_bindgen_test]
async fn tiny() {
    measure("tiny", 100_000).await;
}

#[wasm_bindgen_test]
async fn kb() {
    measure("kb", 10_000).await;
}
