//! wasm-bindgen tests in a headless browser window (Chromium; see scripts/test.sh).
#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test (clippy does not see `#[wasm_bindgen_test]`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod web;
