//! wasm-bindgen tests in a headless browser window (Chromium; see scripts/test.sh).
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod web;
