//! The Rust API (`client` feature) in a dedicated Web Worker (no `window`):
//! `wasm-pack test --headless --chrome --firefox --features client -- --test client_worker`.
#![cfg(all(target_arch = "wasm32", feature = "client"))]
// Test code: a failed unwrap is a failed test (clippy does not see `#[wasm_bindgen_test]`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);

mod rust_client;
