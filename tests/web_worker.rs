//! The same wasm-bindgen tests in a dedicated Web Worker (no `window`, no `document`).
#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test (clippy does not see `#[wasm_bindgen_test]`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);

mod web;
