//! Property tests: the streaming parser against a deliberately naive
//! reference, and against itself under different chunkings.
//!
//! More cases: `PROPTEST_CASES=20000 cargo test --release --test parser_props`.
//! Native only: proptest is a native dev-dependency.
#![cfg(not(target_arch = "wasm32"))]

use eventsource_wasm::parser::{Item, OwnedEvent, ParseError, Parser};
use proptest::prelude::*;
use proptest::sample::{select, Index};

/// The spec's algorithm applied literally to a whole stream: strip one BOM,
/// decode everything with `from_utf8_lossy`, cut it into lines, drop the
/// unterminated last line, then interpret line by line. Keeps what the spec
/// keeps across connections (last event ID string, reconnection time).
#[derive(Default)]
struct Reference {
    last_event_id: String,
    reconnection_time: Option<u64>,
}

impl Reference {
    fn stream(&mut self, bytes: &[u8]) -> Vec<Item> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = String::from_utf8_lossy(bytes);

        let mut lines = Vec::new();
        let mut line = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    lines.push(std::mem::take(&mut line));
                }
                '\n' => lines.push(std::mem::take(&mut line)),
                c => line.push(c),
            }
        }
        // `line` now holds an unterminated line, which the end of the stream discards.

        let mut items = Vec::new();
        let mut data = String::new();
        let mut event_type = String::new();
        let mut id_buffer = self.last_event_id.clone();
        for line in lines {
            if line.is_empty() {
                self.last_event_id = id_buffer.clone();
                if data.is_empty() {
                    event_type.clear();
                    continue;
                }
                if data.ends_with('\n') {
                    data.pop();
                }
                items.push(Item::Event(OwnedEvent {
                    event_type: if event_type.is_empty() {
                        "message".to_owned()
                    } else {
                        event_type.clone()
                    },
                    data: std::mem::take(&mut data),
                    last_event_id: self.last_event_id.clone(),
                }));
                event_type.clear();
                continue;
            }
            if let Some(text) = line.strip_prefix(':') {
                items.push(Item::Comment(text.to_owned()));
                continue;
            }
            let (name, value) = match line.split_once(':') {
                Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
                None => (line.as_str(), ""),
            };
            match name {
                "data" => {
                    data.push_str(value);
                    data.push('\n');
                }
                "event" => event_type = value.to_owned(),
                "id" if !value.contains('\0') => id_buffer = value.to_owned(),
                "retry" if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) => {
                    // Only overflow makes `parse` fail here.
                    let millis = value.parse::<u64>().unwrap_or(u64::MAX);
                    self.reconnection_time = Some(millis);
                    items.push(Item::Retry(millis));
                }
                // Unknown fields, `id` with NUL, bad `retry`: ignored.
                _ => {}
            }
        }
        items
    }
}

/// Pieces that make inputs look like event streams, with the awkward bytes
/// (BOM halves, truncated and invalid UTF-8, NUL, lone CR) well represented.
const TOKENS: &[&[u8]] = &[
    b"data",
    b"data:",
    b"data: ",
    b"event",
    b"event:",
    b"event: ",
    b"id",
    b"id:",
    b"id: ",
    b"retry",
    b"retry:",
    b"retry: ",
    b"Data:",
    b":",
    b": ",
    b" ",
    b"\n",
    b"\n",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"\r\n\r\n",
    b"x",
    b"yz",
    b"1",
    b"42",
    b"007",
    b"99999999999999999999",
    b"+5",
    b"\0",
    b"\xEF\xBB\xBF",
    b"\xEF\xBB",
    b"\xBF",
    b"\xFF",
    b"\x80",
    b"\xC3",
    b"\xC3\xA9",
    b"\xE2\x82\xAC",
    b"\xE2\x82",
    b"\xF0\x9F\x98\x80",
    b"\xF0\x9F",
    b"\xED\xA0\x80",
];

fn sse_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => select(TOKENS).prop_map(<[u8]>::to_vec),
        1 => any::<u8>().prop_map(|b| vec![b]),
    ];
    prop::collection::vec(piece, 0..48).prop_map(|pieces| pieces.concat())
}

/// Whole lines: a field name (sometimes odd), a colon, an optional space, a
/// short value, and a line ending; about a third of them blank.
fn sse_lines() -> impl Strategy<Value = Vec<u8>> {
    const NAMES: &[&[u8]] = &[
        b"data",
        b"data",
        b"data",
        b"event",
        b"id",
        b"retry",
        b"",
        b"x",
        b"\xEF\xBB\xBFdata",
    ];
    const VALUES: &[&[u8]] = &[
        b"",
        b"a",
        b"bc",
        b"0123456789",
        b"12",
        b"\0",
        b"\xC3\xA9",
        b"\xE2\x82",
        b"\xFF",
    ];
    const ENDINGS: &[&[u8]] = &[b"\n", b"\r", b"\r\n"];
    let line = (
        select(NAMES),
        prop_oneof![Just(&b":"[..]), Just(&b": "[..]), Just(&b""[..])],
        prop::collection::vec(select(VALUES), 0..4),
        select(ENDINGS),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(name, colon, value, ending, blank)| {
            if blank {
                ending.to_vec()
            } else {
                [name, colon, &value.concat(), ending].concat()
            }
        });
    (
        prop::bool::weighted(0.2),
        prop::collection::vec(line, 0..16),
    )
        .prop_map(|(bom, lines)| {
            let start: &[u8] = if bom { b"\xEF\xBB\xBF" } else { b"" };
            [start, &lines.concat()].concat()
        })
}

fn any_stream() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => sse_like(),
        3 => sse_lines(),
        1 => prop::collection::vec(any::<u8>(), 0..96),
    ]
}

/// How to cut a stream into chunks.
#[derive(Debug, Clone)]
enum Cuts {
    /// At these positions (any order; repeats give empty chunks).
    At(Vec<Index>),
    /// Into pieces of this many bytes.
    Every(usize),
}

fn cuts() -> impl Strategy<Value = Cuts> {
    prop_oneof![
        prop::collection::vec(any::<Index>(), 0..24).prop_map(Cuts::At),
        (1usize..6).prop_map(Cuts::Every),
    ]
}

/// A stream plus how to cut it into chunks.
fn chunked_stream() -> impl Strategy<Value = (Vec<u8>, Cuts)> {
    (any_stream(), cuts())
}

fn chunks<'a>(bytes: &'a [u8], cuts: &Cuts) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = match cuts {
        Cuts::At(indices) => indices.iter().map(|i| i.index(bytes.len() + 1)).collect(),
        Cuts::Every(size) => (*size..bytes.len()).step_by(*size).collect(),
    };
    at.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for end in at.into_iter().chain([bytes.len()]) {
        out.push(&bytes[start..end]);
        start = end;
    }
    out
}

/// Feeds each stream in its chunks, with `finish()` after each stream.
/// Returns the items, and the index of the stream where the limit error
/// happened, if it did.
fn run(parser: &mut Parser, streams: &[Vec<&[u8]>]) -> (Vec<Item>, Option<usize>) {
    let mut items = Vec::new();
    let mut failed_in = None;
    for (index, stream) in streams.iter().enumerate() {
        for chunk in stream {
            match parser.feed(chunk, &mut items) {
                Ok(()) => {}
                Err(ParseError::BufferLimitExceeded { .. }) => {
                    failed_in.get_or_insert(index);
                }
                Err(other) => panic!("unexpected error {other:?}"),
            }
        }
        parser.finish();
    }
    (items, failed_in)
}

proptest! {
    /// Any input, any chunking, one to three streams in a row: the same items
    /// as the reference, the same last event ID and reconnection time.
    #[test]
    fn matches_the_naive_reference(streams in prop::collection::vec(chunked_stream(), 1..4)) {
        let mut reference = Reference::default();
        let mut parser = Parser::new();
        for (bytes, cuts) in &streams {
            let mut got = Vec::new();
            for chunk in chunks(bytes, cuts) {
                parser.feed(chunk, &mut got).expect("within the default limit");
            }
            parser.finish();
            let expected = reference.stream(bytes);
            prop_assert_eq!(got, expected, "input {:?}", bytes);
            prop_assert_eq!(parser.last_event_id(), reference.last_event_id.as_str());
            prop_assert_eq!(parser.reconnection_time(), reference.reconnection_time);
        }
    }

    /// Byte-at-a-time feeding agrees with the reference too.
    #[test]
    fn byte_by_byte_matches_the_reference(bytes in any_stream()) {
        let mut parser = Parser::new();
        let mut got = Vec::new();
        for byte in &bytes {
            parser.feed(std::slice::from_ref(byte), &mut got).expect("within the default limit");
        }
        parser.finish();
        prop_assert_eq!(got, Reference::default().stream(&bytes));
    }

    /// With any buffer limit, the chunking changes nothing: the same items,
    /// and the limit error (if any) in the same stream.
    #[test]
    fn chunking_never_matters(
        streams in prop::collection::vec(chunked_stream(), 1..4),
        limit in prop_oneof![0usize..48, Just(usize::MAX)],
    ) {
        let whole: Vec<Vec<&[u8]>> = streams.iter().map(|(bytes, _)| vec![bytes.as_slice()]).collect();
        let split: Vec<Vec<&[u8]>> = streams.iter().map(|(bytes, cuts)| chunks(bytes, cuts)).collect();
        let mut whole_parser = Parser::with_max_buffer(limit);
        let mut split_parser = Parser::with_max_buffer(limit);
        let expected = run(&mut whole_parser, &whole);
        let got = run(&mut split_parser, &split);
        prop_assert_eq!(got, expected);
        prop_assert_eq!(split_parser.last_event_id(), whole_parser.last_event_id());
    }

    /// Under a limit, whatever is reported before the error is what an
    /// unlimited parser reports first.
    #[test]
    fn a_limit_only_cuts_the_output_short(bytes in any_stream(), limit in 0usize..48) {
        let mut limited = Parser::with_max_buffer(limit);
        let (got, _) = run(&mut limited, &[vec![bytes.as_slice()]]);
        let full = Reference::default().stream(&bytes);
        prop_assert!(full.starts_with(&got), "{:?} is not a prefix of {:?}", got, full);
    }
}
