//! Property tests: the streaming parser against a deliberately naive
//! reference, and against itself under different chunkings.
//!
//! More cases: `PROPTEST_CASES=20000 cargo test --release --test parser_props`.
//! Native only: proptest is a native dev-dependency.
#![cfg(not(target_arch = "wasm32"))]

use eventsource_wasm::batch::{Batch, Decoder};
use eventsource_wasm::parser::{Event, Item, OwnedEvent, ParseError, Parser, Sink};
use proptest::prelude::*;
use proptest::sample::{select, Index};

/// The spec's algorithm applied literally to a whole stream: strip one BOM,
/// cut the bytes into lines, drop the unterminated last line, decode each line
/// with `from_utf8_lossy` (the same as decoding the whole stream: CR and LF
/// never sit inside a multi-byte sequence), then interpret line by line. Keeps
/// the last event ID string across connections (`retry` values are only
/// reported: the connection owns the reconnection time).
///
/// With a limit it also applies the parser's buffer limit as documented on
/// `Parser::max_buffer`, literally: before each line, the line's bytes plus
/// the decoded data, event type and uncommitted id buffers; after applying
/// it, those buffers (plus a comment's text); and the unterminated last line
/// as received so far (unless it is the start of a byte order mark).
#[derive(Default)]
struct Reference {
    last_event_id: String,
    failed: bool,
    /// Per reported event: whether the last event ID may have changed since the
    /// previous event (true for the first, then after an `id` was committed).
    id_changed: Vec<bool>,
    id_unreported: bool,
    /// Whether comments are reported (`Parser::with_comments`).
    comments: bool,
}

impl Reference {
    fn new() -> Self {
        Self {
            id_unreported: true,
            comments: true,
            ..Self::default()
        }
    }

    fn without_comments() -> Self {
        Self {
            comments: false,
            ..Self::new()
        }
    }

    fn stream(&mut self, bytes: &[u8]) -> Vec<Item> {
        self.stream_limited(bytes, usize::MAX)
    }

    fn stream_limited(&mut self, input: &[u8], limit: usize) -> Vec<Item> {
        let mut items = Vec::new();
        if self.failed {
            return items;
        }
        let bytes = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);

        let mut lines: Vec<&[u8]> = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' => {
                    lines.push(&bytes[start..i]);
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    start = i + 1;
                }
                b'\n' => {
                    lines.push(&bytes[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        // What is left is an unterminated line, which the end of the stream discards.
        let unterminated = &bytes[start..];

        let mut data = String::new();
        let mut event_type = String::new();
        let mut pending_id: Option<String> = None;
        let held = |data: &String, event_type: &String, pending_id: &Option<String>| {
            data.len() + event_type.len() + pending_id.as_ref().map_or(0, String::len)
        };
        for raw in lines {
            if raw
                .len()
                .saturating_add(held(&data, &event_type, &pending_id))
                > limit
            {
                self.failed = true;
                return items;
            }
            let line = String::from_utf8_lossy(raw);
            if line.is_empty() {
                if let Some(id) = pending_id.take() {
                    self.last_event_id = id;
                    self.id_unreported = true;
                }
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
                self.id_changed.push(self.id_unreported);
                self.id_unreported = false;
                event_type.clear();
                continue;
            }
            if let Some(text) = line.strip_prefix(':') {
                if !self.comments {
                    continue;
                }
                let text = text.strip_prefix(' ').unwrap_or(text);
                if held(&data, &event_type, &pending_id) + text.len() > limit {
                    self.failed = true;
                    return items;
                }
                items.push(Item::Comment(text.to_owned()));
                continue;
            }
            let (name, value) = match line.split_once(':') {
                Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
                None => (line.as_ref(), ""),
            };
            match name {
                "data" => {
                    data.push_str(value);
                    data.push('\n');
                }
                "event" => event_type = value.to_owned(),
                "id" if !value.contains('\0') => pending_id = Some(value.to_owned()),
                "retry" if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) => {
                    // Only overflow makes `parse` fail here.
                    let millis = value.parse::<u64>().unwrap_or(u64::MAX);
                    items.push(Item::Retry(millis));
                }
                // Unknown fields, `id` with NUL, bad `retry`: ignored.
                _ => {}
            }
            if held(&data, &event_type, &pending_id) > limit {
                self.failed = true;
                return items;
            }
        }
        let bom_start = input.len() < 3 && b"\xEF\xBB\xBF".starts_with(input);
        if !bom_start
            && unterminated
                .len()
                .saturating_add(held(&data, &event_type, &pending_id))
                > limit
        {
            self.failed = true;
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
    /// Any input, any chunking, one to three streams in a row, comments
    /// reported or not: the same items as the reference (`retry` values
    /// included) and the same last event ID.
    #[test]
    fn matches_the_naive_reference(
        streams in prop::collection::vec(chunked_stream(), 1..4),
        comments in any::<bool>(),
    ) {
        let mut reference = if comments { Reference::new() } else { Reference::without_comments() };
        let mut parser = Parser::new().with_comments(comments);
        for (bytes, cuts) in &streams {
            let mut got = Vec::new();
            for chunk in chunks(bytes, cuts) {
                parser.feed(chunk, &mut got).expect("within the default limit");
            }
            parser.finish();
            let expected = reference.stream(bytes);
            prop_assert_eq!(got, expected, "input {:?}", bytes);
            prop_assert_eq!(parser.last_event_id(), reference.last_event_id.as_str());
        }
    }

    /// Byte-at-a-time feeding agrees with the reference too.
    #[test]
    fn byte_by_byte_matches_the_reference(bytes in any_stream()) {
        let mut parser = Parser::new().with_comments(true);
        let mut got = Vec::new();
        for byte in &bytes {
            parser.feed(std::slice::from_ref(byte), &mut got).expect("within the default limit");
        }
        parser.finish();
        prop_assert_eq!(got, Reference::new().stream(&bytes));
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
        let mut whole_parser = Parser::with_max_buffer(limit).with_comments(true);
        let mut split_parser = Parser::with_max_buffer(limit).with_comments(true);
        let expected = run(&mut whole_parser, &whole);
        let got = run(&mut split_parser, &split);
        prop_assert_eq!(got, expected);
        prop_assert_eq!(split_parser.last_event_id(), whole_parser.last_event_id());
    }

    /// Under a limit, whatever is reported before the error is what an
    /// unlimited parser reports first.
    #[test]
    fn a_limit_only_cuts_the_output_short(bytes in any_stream(), limit in 0usize..48) {
        let mut limited = Parser::with_max_buffer(limit).with_comments(true);
        let (got, _) = run(&mut limited, &[vec![bytes.as_slice()]]);
        let full = Reference::new().stream(&bytes);
        prop_assert!(full.starts_with(&got), "{:?} is not a prefix of {:?}", got, full);
    }

    /// With any buffer limit and any chunking, the parser does exactly what the
    /// documented limit rule, applied literally to whole lines, says: the same
    /// items, the error (if any) in the same stream, the same last event ID.
    #[test]
    fn the_limit_matches_the_naive_reference(
        streams in prop::collection::vec(chunked_stream(), 1..4),
        limit in prop_oneof![0usize..64, Just(usize::MAX)],
        comments in any::<bool>(),
    ) {
        let split: Vec<Vec<&[u8]>> = streams.iter().map(|(bytes, cuts)| chunks(bytes, cuts)).collect();
        let mut parser = Parser::with_max_buffer(limit).with_comments(comments);
        let got = run(&mut parser, &split);
        let mut reference = if comments { Reference::new() } else { Reference::without_comments() };
        let mut expected = Vec::new();
        let mut failed_in = None;
        for (index, (bytes, _)) in streams.iter().enumerate() {
            expected.extend(reference.stream_limited(bytes, limit));
            if reference.failed {
                failed_in.get_or_insert(index);
            }
        }
        prop_assert_eq!(got, (expected, failed_in));
        prop_assert_eq!(parser.last_event_id(), reference.last_event_id.as_str());
    }

    /// `Event::id_changed` is true exactly for the first event and after an
    /// `id` was committed, whatever the chunking.
    #[test]
    fn id_changed_matches_the_reference(streams in prop::collection::vec(chunked_stream(), 1..4)) {
        let mut parser = Parser::new();
        let mut flags = Flags::default();
        let mut reference = Reference::new();
        for (bytes, cuts) in &streams {
            for chunk in chunks(bytes, cuts) {
                parser.feed(chunk, &mut flags).expect("within the default limit");
            }
            parser.finish();
            reference.stream(bytes);
        }
        prop_assert_eq!(flags.0, reference.id_changed);
    }

    /// The batch encoding, decoded by the mirror of the JS decoder, gives the
    /// parser's events (and comments, when reported) for any chunking (one batch
    /// per chunk, the decoder's last ID kept across batches and connections).
    #[test]
    fn batches_decode_to_the_parsers_events(streams in prop::collection::vec(chunked_stream(), 1..4), comments: bool) {
        let mut parser = Parser::new().with_comments(comments);
        let mut batch = Batch::new();
        let mut decoder = Decoder::new();
        let mut decoded = Vec::new();
        let mut whole_parser = Parser::new().with_comments(comments);
        let mut whole = Vec::new();
        for (bytes, cuts) in &streams {
            for chunk in chunks(bytes, cuts) {
                parser.feed(chunk, &mut batch).expect("within the default limit");
                let items = decoder.decode(batch.text(), batch.meta());
                prop_assert!(items.is_ok(), "{:?}", items);
                decoded.extend(items.unwrap_or_default());
                batch.clear();
            }
            parser.finish();
            whole_parser.feed(bytes, &mut whole).expect("within the default limit");
            whole_parser.finish();
        }
        whole.retain(|item| !matches!(item, Item::Retry(_)));
        prop_assert_eq!(decoded, whole);
    }
}

/// Records `Event::id_changed` per event.
#[derive(Default)]
struct Flags(Vec<bool>);

impl Sink for Flags {
    fn on_event(&mut self, event: Event<'_>) {
        self.0.push(event.id_changed);
    }
}
