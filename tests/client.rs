//! The Rust API (`client` feature) in a headless browser window:
//! `wasm-pack test --headless --chrome --firefox --features client -- --test client`.
#![cfg(all(target_arch = "wasm32", feature = "client"))]
// Test code: a failed unwrap is a failed test (clippy does not see `#[wasm_bindgen_test]`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod rust_client;
