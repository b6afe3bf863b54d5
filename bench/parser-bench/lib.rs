//! `ParserBench`: the crate's streaming parser driven from JS with no DOM and no JS string
//! per event, so the benchmark can time the parser alone (see bench/README.md).

use eventsource_wasm::parser::{Event, Parser, Sink};
use wasm_bindgen::prelude::*;

const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

/// Counts events and folds the benchmark's check hash over their data.
struct Counter {
    events: u32,
    hash: u32,
}

impl Sink for Counter {
    fn on_event(&mut self, event: Event<'_>) {
        if event.event_type == "done" {
            return;
        }
        // The same steps as take()/cheap8() in bench/bench.js, over UTF-8 bytes.
        let d = event.data.as_bytes();
        let n = d.len();
        let step = |h: u32, x: u32| (h ^ x).wrapping_mul(FNV_PRIME);
        let mut h = step(self.hash, n as u32);
        if n <= 16 {
            for &b in d {
                h = step(h, u32::from(b));
            }
        } else {
            for b in [d[0], d[n / 2], d[n - 1]] {
                h = step(h, u32::from(b));
            }
        }
        self.hash = h;
        self.events += 1;
    }
}

/// A parser plus counters, fed chunk by chunk from JS.
#[wasm_bindgen]
pub struct ParserBench {
    parser: Parser,
    counter: Counter,
}

#[wasm_bindgen]
impl ParserBench {
    /// A parser at the start of a stream.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> ParserBench {
        ParserBench {
            parser: Parser::new(),
            counter: Counter {
                events: 0,
                hash: FNV_OFFSET,
            },
        }
    }

    /// Copies `chunk` into wasm memory (as any `&[u8]` argument does) and parses it.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        self.parser
            .feed(chunk, &mut self.counter)
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// End of input.
    pub fn finish(&mut self) {
        self.parser.finish();
    }

    /// Events dispatched so far, `done` excluded.
    #[wasm_bindgen(getter)]
    pub fn events(&self) -> u32 {
        self.counter.events
    }

    /// The check hash over those events' data.
    #[wasm_bindgen(getter)]
    pub fn hash(&self) -> u32 {
        self.counter.hash
    }

    /// The last event ID string.
    #[wasm_bindgen(getter = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.parser.last_event_id().to_owned()
    }
}
