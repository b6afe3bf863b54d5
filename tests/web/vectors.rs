//! The parser test vectors (tests/vectors/), run through the wasm build in the browser
//! exactly as the native suite runs them: whole, byte by byte, at every split point.

#[path = "../common/vectors.rs"]
mod common;

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn every_vector_passes_in_wasm() {
    match common::check_all() {
        Ok(count) => assert!(count >= 30, "only {count} vectors ran"),
        Err(failures) => panic!("vector failures:\n{failures}"),
    }
}
