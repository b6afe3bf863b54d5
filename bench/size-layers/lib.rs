//! The crate's pure core behind the smallest JS boundary that keeps all of it alive:
//! `Layer` feeds bytes to the parser into a batch (what the shipped glue hands to JS)
//! and, with the `machine` feature, drives the sans-I/O connection machine through every
//! input. See Cargo.toml and scripts/size-layers.sh.

use eventsource_wasm::batch::Batch;
use wasm_bindgen::prelude::*;

// The allocator the shipped package uses (src/web/mod.rs).
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// What the layer drives: the parser alone.
#[cfg(not(feature = "machine"))]
type Core = eventsource_wasm::parser::Parser;
/// What the layer drives: the connection machine (with its parser).
#[cfg(feature = "machine")]
type Core = eventsource_wasm::connection::machine::Machine;

/// The core and the batch it fills.
#[wasm_bindgen]
pub struct Layer {
    core: Core,
    batch: Batch,
}

#[wasm_bindgen]
impl Layer {
    /// The batch's text.
    pub fn text(&self) -> String {
        self.batch.text().to_owned()
    }
    /// The batch's records.
    pub fn meta(&self) -> Vec<u32> {
        self.batch.meta().to_vec()
    }
    /// Empties the batch.
    pub fn clear(&mut self) {
        self.batch.clear()
    }
}

#[cfg(not(feature = "machine"))]
#[wasm_bindgen]
impl Layer {
    /// A parser with this buffer limit.
    #[wasm_bindgen(constructor)]
    pub fn new(max_buffer: usize) -> Layer {
        Layer {
            core: Core::with_max_buffer(max_buffer),
            batch: Batch::new(),
        }
    }
    /// Parses a chunk into the batch; false on an event over the limit.
    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        self.core.feed(chunk, &mut self.batch).is_ok()
    }
}

#[cfg(feature = "machine")]
mod machine {
    use super::*;
    use eventsource_wasm::connection::machine::{Action, Config, Input, ResponseHead};
    use eventsource_wasm::connection::{NetworkFailure, ReconnectPolicy};

    /// A number per action, so that every branch stays.
    fn code(action: Action) -> f64 {
        match action {
            Action::Fetch(request) => request.url.len() as f64,
            Action::Open => -1.0,
            Action::Read => -2.0,
            Action::Reconnect { error, delay_ms } => delay_ms as f64 + f64::from(error.attempt),
            Action::WaitForOnline => -4.0,
            Action::RefreshAuth {
                delay_ms, status, ..
            } => delay_ms as f64 + f64::from(status),
            Action::Fail { error, finished } => {
                f64::from(error.attempt) + f64::from(u8::from(finished))
            }
            Action::Stop => -7.0,
        }
    }

    impl Layer {
        /// Reports `input` and codes the answer.
        fn step(&mut self, input: Input<'_>, now: f64, random: f64) -> f64 {
            code(self.core.handle(input, now, random, &mut self.batch))
        }
    }

    #[wasm_bindgen]
    impl Layer {
        /// A machine for `url` (its origin given) with the default policy.
        #[wasm_bindgen(constructor)]
        pub fn new(url: String, origin: String, max_buffer: usize) -> Layer {
            let core = Core::new(Config {
                url,
                origin,
                policy: ReconnectPolicy::default(),
                last_event_id: None,
                last_event_id_param: None,
                max_event_size: max_buffer,
                carries_secrets: false,
                any_scheme: false,
                wait_for_online: true,
            });
            Layer {
                core,
                batch: Batch::new(),
            }
        }
        /// `Input::Go`.
        pub fn go(&mut self, offline: bool, now: f64, random: f64) -> f64 {
            self.step(Input::Go { offline }, now, random)
        }
        /// `Input::Response`.
        #[allow(clippy::too_many_arguments)]
        pub fn response(
            &mut self,
            status: u16,
            content_type: Option<String>,
            retry_after: Option<String>,
            final_url: String,
            final_origin: String,
            redirected: bool,
            now: f64,
        ) -> f64 {
            let head = ResponseHead {
                status,
                content_type: content_type.as_deref(),
                retry_after: retry_after.as_deref(),
                final_url: &final_url,
                final_origin: &final_origin,
                redirected,
            };
            self.step(Input::Response(head), now, 0.0)
        }
        /// `Input::Chunk`.
        pub fn chunk(&mut self, chunk: &[u8]) -> f64 {
            self.step(Input::Chunk(chunk), 0.0, 0.0)
        }
        /// `Input::End`.
        pub fn end(&mut self, clean: bool, now: f64, random: f64) -> f64 {
            self.step(Input::End { clean }, now, random)
        }
        /// `Input::Failure` (0 network, 1 aborted, 2 CORS, else a bad scheme).
        pub fn failure(&mut self, kind: u8, now: f64, random: f64) -> f64 {
            let failure = match kind {
                0 => NetworkFailure::Network,
                1 => NetworkFailure::Aborted,
                2 => NetworkFailure::Cors,
                _ => NetworkFailure::Scheme,
            };
            self.step(Input::Failure(failure), now, random)
        }
        /// `Input::InactivityTimeout`.
        pub fn timeout(&mut self, now: f64, random: f64) -> f64 {
            self.step(Input::InactivityTimeout, now, random)
        }
        /// `Input::AuthRefreshed`.
        pub fn auth(&mut self, ok: bool, now: f64, random: f64) -> f64 {
            self.step(Input::AuthRefreshed { ok }, now, random)
        }
        /// `Input::Close`.
        pub fn close(&mut self) -> f64 {
            self.step(Input::Close, 0.0, 0.0)
        }
    }
}
