//! The parser test vectors in `tests/vectors/`, compiled in, and the checks
//! every test suite runs on them.
//!
//! Free of `std::fs` (the JSON is read by `serde_json`, a dev-dependency on
//! every target), so that both the native suite (`tests/parser_vectors.rs`)
//! and the wasm suite can include this file with
//! `#[path = "common/vectors.rs"] mod vectors;` and run the same checks.
//! `tests/vectors/README.md` describes the file format.
#![allow(dead_code)]

use eventsource_wasm::parser::{Item, OwnedEvent, Parser};

/// One vector: exact input bytes and the expected items as JSON text.
#[derive(Debug, Clone, Copy)]
pub struct Vector {
    /// The file stem in `tests/vectors/`.
    pub name: &'static str,
    /// The contents of `<name>.sse`.
    pub input: &'static [u8],
    /// The contents of `<name>.json`.
    pub expected: &'static str,
}

macro_rules! vector {
    ($name:literal) => {
        Vector {
            name: $name,
            input: include_bytes!(concat!("../vectors/", $name, ".sse")),
            expected: include_str!(concat!("../vectors/", $name, ".json")),
        }
    };
}

/// Every vector in `tests/vectors/` (the native suite checks that this list
/// matches the directory).
pub const VECTORS: &[Vector] = &[
    vector!("blank-lines-only-dispatch-once-cr"),
    vector!("blank-lines-only-dispatch-once-crlf"),
    vector!("blank-lines-only-dispatch-once-lf"),
    vector!("bom"),
    vector!("bom-after-start-is-content"),
    vector!("bom-only"),
    vector!("bom-prefix-is-not-a-bom"),
    vector!("bom-then-blank-line"),
    vector!("bom-twice-poisons-first-field"),
    vector!("comment-only-block-dispatches-nothing"),
    vector!("comments"),
    vector!("comment-one-space-stripped"),
    vector!("comments-inside-an-event-change-nothing"),
    vector!("comment-after-bom"),
    vector!("comment-line-endings"),
    vector!("comment-at-eof-without-line-end"),
    vector!("control-characters-kept"),
    vector!("data-leading-space"),
    vector!("data-with-colons"),
    vector!("empty-data-lines-cr"),
    vector!("empty-data-lines-crlf"),
    vector!("empty-data-lines-lf"),
    vector!("empty-stream"),
    vector!("eof-after-cr"),
    vector!("eof-discards-incomplete-event"),
    vector!("eof-discards-partial-line"),
    vector!("eof-inside-crlf-pair"),
    vector!("eof-without-blank-line"),
    vector!("event-type"),
    vector!("event-type-after-data"),
    vector!("event-type-message-explicit"),
    vector!("field-name-spaces-are-kept"),
    vector!("field-names-are-case-sensitive"),
    vector!("field-without-colon"),
    vector!("fields-cr"),
    vector!("fields-crlf"),
    vector!("fields-lf"),
    vector!("id-after-data-in-same-event"),
    vector!("id-committed-without-data"),
    vector!("id-keeps-extra-spaces"),
    vector!("id-persists"),
    vector!("id-reset"),
    vector!("id-with-nul-ignored"),
    vector!("invalid-utf8"),
    vector!("invalid-utf8-in-names-and-values"),
    vector!("lf-then-cr-is-two-line-endings"),
    vector!("line-ending-pairs"),
    vector!("mixed-line-endings"),
    vector!("multibyte"),
    vector!("nul-in-data-and-event"),
    vector!("retry-bogus"),
    vector!("retry-does-not-end-event"),
    vector!("retry-overflow-saturates"),
    vector!("retry-valid"),
    vector!("truncated-utf8"),
    vector!("unknown-fields-ignored"),
    vector!("wpt-style-field-parsing"),
];

/// Runs one vector: the input fed whole, byte by byte, and split in two at
/// every position, each to a fresh parser followed by `finish()`. Every run
/// must report exactly the expected items.
pub fn check_vector(name: &str, input: &[u8], expected: &str) -> Result<(), String> {
    let expected = parse_expected(expected).map_err(|e| format!("{name}.json: {e}"))?;
    let compare = |how: &str, got: Vec<Item>| {
        if got == expected {
            Ok(())
        } else {
            Err(format!(
                "{name}: fed {how}:\n  expected {expected:?}\n       got {got:?}"
            ))
        }
    };
    compare("whole", parse_chunks(&[input]))?;
    // Comments not asked for: the same items without the comments.
    let without: Vec<Item> = expected
        .iter()
        .filter(|item| !matches!(item, Item::Comment(_)))
        .cloned()
        .collect();
    let got = parse_chunks_with(&[input], false);
    if got != without {
        return Err(format!(
            "{name}: fed whole, comments off:\n  expected {without:?}\n       got {got:?}"
        ));
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    compare("byte by byte", parse_chunks(&bytes))?;
    for at in 0..=input.len() {
        let (head, tail) = input.split_at(at);
        compare(&format!("split at {at}"), parse_chunks(&[head, tail]))?;
    }
    Ok(())
}

/// Runs [`check_vector`] on every vector and reports all failures at once.
pub fn check_all() -> Result<usize, String> {
    let failures: Vec<String> = VECTORS
        .iter()
        .filter_map(|v| check_vector(v.name, v.input, v.expected).err())
        .collect();
    if failures.is_empty() {
        Ok(VECTORS.len())
    } else {
        Err(failures.join("\n"))
    }
}

/// Feeds `chunks` to a fresh parser that reports comments, then calls
/// `finish()`, and returns what it reported.
pub fn parse_chunks(chunks: &[&[u8]]) -> Vec<Item> {
    parse_chunks_with(chunks, true)
}

/// [`parse_chunks`] with comments reported or not.
pub fn parse_chunks_with(chunks: &[&[u8]], comments: bool) -> Vec<Item> {
    let mut parser = Parser::new().with_comments(comments);
    let mut items = Vec::new();
    for chunk in chunks {
        if let Err(error) = parser.feed(chunk, &mut items) {
            // The vectors stay far below the default limit.
            items.push(Item::Comment(format!("unexpected error: {error}")));
            break;
        }
    }
    parser.finish();
    items
}

/// One expected item as the `.json` files write it (`tests/vectors/README.md`);
/// any other key, or a missing one, is an error.
#[derive(serde::Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum Expected {
    Event {
        event: String,
        data: String,
        id: String,
    },
    Retry {
        value: u64,
    },
    Comment {
        text: String,
    },
}

/// Reads an expected-items file: a JSON array of objects, each one of
/// `{"type":"event","event":T,"data":D,"id":I}`, `{"type":"retry","value":N}`
/// or `{"type":"comment","text":C}`.
pub fn parse_expected(json: &str) -> Result<Vec<Item>, String> {
    let items: Vec<Expected> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    Ok(items
        .into_iter()
        .map(|item| match item {
            Expected::Event { event, data, id } => Item::Event(OwnedEvent {
                event_type: event,
                data,
                last_event_id: id,
            }),
            Expected::Retry { value } => Item::Retry(value),
            Expected::Comment { text } => Item::Comment(text),
        })
        .collect())
}
