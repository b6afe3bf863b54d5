//! The same wasm-bindgen tests in a dedicated Web Worker (no `window`, no `document`).
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);

mod web;
