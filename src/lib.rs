//! A spec-exact EventSource (server-sent events) client.
//!
//! The crate has a pure core and a thin browser edge:
//!
//! - [`parser`]: a streaming parser for `text/event-stream` (bytes in, events out, no I/O).
//! - [`batch`]: how the events of one chunk cross the wasm boundary in one call (the
//!   encoding, and a reference decoder mirroring the JS one).
//! - [`connection`]: the connection state machine (ready state, response checks,
//!   reconnection delays) as plain Rust.
//! - `web` (wasm32, default feature `js-class`): fetch, streams, timers and DOM events
//!   around the core, for the JS class.
//! - `client` (wasm32, cargo feature `client`): the Rust API for wasm apps, an
//!   EventSource consumed as a `futures_core::Stream`.

pub mod batch;
pub mod connection;
pub mod parser;

#[cfg(all(feature = "client", target_arch = "wasm32"))]
pub mod client;
#[cfg(all(feature = "js-class", target_arch = "wasm32"))]
mod web;

#[cfg(all(feature = "js-class", target_arch = "wasm32"))]
pub use web::EventSourceCore;
