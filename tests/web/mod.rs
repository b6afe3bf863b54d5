//! Browser tests shared by `web_window.rs` and `web_worker.rs`. They talk to the
//! loopback SSE server whose URL scripts/test.sh passes in at build time.

mod event_source;
mod fetch_stream;
mod vectors;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_url(url: &str) -> Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, millis: i32) -> JsValue;
}

/// Base URL of the test server, e.g. `http://127.0.0.1:40123`.
pub fn server() -> &'static str {
    match option_env!("SSE_SERVER_URL") {
        Some(url) => url,
        None => panic!("SSE_SERVER_URL was not set at build time: run scripts/test.sh"),
    }
}

/// A key unique to this test run, so server-side logs of tests don't mix.
pub fn unique_key(name: &str) -> String {
    format!("{name}-{}", (js_sys::Math::random() * 1e12) as u64)
}

/// Resolves after `millis`.
pub async fn sleep(millis: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, millis);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// `fetch(url)` and parse the JSON body.
pub async fn fetch_json(url: &str) -> JsValue {
    let response = wasm_bindgen_futures::JsFuture::from(fetch_url(url))
        .await
        .expect("fetch");
    let response: web_sys::Response = response.unchecked_into();
    wasm_bindgen_futures::JsFuture::from(response.json().expect("json"))
        .await
        .expect("json body")
}
