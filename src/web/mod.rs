//! Browser glue (wasm32 only): fetch, streams, timers and DOM events around the pure
//! [`parser`](crate::parser) and [`connection`](crate::connection) core.

mod attempt_url;
mod options;
mod source;
mod state;
mod sys;
mod task;

use wasm_bindgen::prelude::*;

pub use source::EventSourceCore;

/// Forwards panics to `console.error` when the `panic-hook` feature is on.
fn install_panic_hook() {
    #[cfg(feature = "panic-hook")]
    console_error_panic_hook::set_once();
}

/// A `DOMException` with this message and name, as a thrown JS value.
fn dom_exception(message: &str, name: &str) -> JsValue {
    match web_sys::DomException::new_with_message_and_name(message, name) {
        Ok(exception) => exception.into(),
        Err(error) => error,
    }
}

/// The allocator: Talc instead of the default dlmalloc — a few KB smaller and faster on
/// wasm (single-threaded wasm only, which `new_wasm_dynamic_allocator` checks at compile time).
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
