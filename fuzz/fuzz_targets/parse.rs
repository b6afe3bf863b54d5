//! Any bytes, fed to parsers with the default limit and with a tiny one:
//! nothing panics, and what is reported respects the parser's guarantees.
//! With comments reported or not, the same events and `retry` values.
#![no_main]

use eventsource_wasm::parser::{Event, Item, Parser, Sink};
use libfuzzer_sys::fuzz_target;

/// Checks every callback against the documented guarantees.
struct Check {
    /// The parser's buffer limit, in bytes.
    limit: usize,
    /// Whether some comment line had two leading spaces (one stays).
    space_kept: bool,
}

impl Sink for Check {
    fn on_event(&mut self, event: Event<'_>) {
        assert!(
            !event.event_type.is_empty(),
            "an empty type becomes \"message\""
        );
        // The limit counts what is stored, decoded: the data and an event
        // type that is not the default fit in it together.
        let stored_type = if event.event_type == "message" {
            0
        } else {
            event.event_type.len()
        };
        assert!(
            event.data.len().saturating_add(stored_type) <= self.limit,
            "type and data over the buffer limit"
        );
        assert!(
            !event.last_event_id.contains('\0'),
            "an id with NUL is ignored"
        );
    }

    fn on_comment(&mut self, text: &str) {
        assert!(!text.contains(['\r', '\n']));
        assert!(
            !text.starts_with(' ') || self.space_kept,
            "one leading space is removed"
        );
        assert!(text.len() <= self.limit, "comment over the buffer limit");
    }
}

fuzz_target!(|input: &[u8]| {
    // The default limit: the input as one stream, then again as a second
    // stream on the same parser.
    let mut parser = Parser::new().with_comments(true);
    let mut check = Check {
        limit: parser.max_buffer(),
        space_kept: input.windows(3).any(|w| w == b":  "),
    };
    for _ in 0..2 {
        assert!(parser.feed(input, &mut check).is_ok());
        parser.finish();
    }

    // Comments on or off: the same events and retries, in the same order.
    let mut with: Vec<Item> = Vec::new();
    let mut without: Vec<Item> = Vec::new();
    let mut on = Parser::new().with_comments(true);
    let mut off = Parser::new();
    assert!(on.feed(input, &mut with).is_ok() && off.feed(input, &mut without).is_ok());
    assert!(!without.iter().any(|item| matches!(item, Item::Comment(_))));
    with.retain(|item| !matches!(item, Item::Comment(_)));
    assert_eq!(with, without, "comments changed what is dispatched");

    // A tiny limit chosen by the first byte, the rest fed in two halves;
    // after a limit error, reset() must bring the parser back.
    let Some((&limit, rest)) = input.split_first() else {
        return;
    };
    let limit = usize::from(limit % 64);
    let mut parser = Parser::with_max_buffer(limit).with_comments(limit % 2 == 0);
    let mut check = Check {
        limit,
        space_kept: true,
    };
    let (first, second) = rest.split_at(rest.len() / 2);
    for chunk in [first, second] {
        if parser.feed(chunk, &mut check).is_err() {
            assert!(parser.feed(b"", &mut check).is_err(), "the error is sticky");
            parser.reset();
            assert!(parser.feed(b"\n", &mut check).is_ok());
        }
    }
    parser.finish();
});
