//! Unit tests for the parser's API. The spec rules themselves are covered by
//! the data-file vectors in `tests/vectors/` and the property tests.

use super::*;

fn event(event_type: &str, data: &str, id: &str) -> Item {
    Item::Event(OwnedEvent {
        event_type: event_type.into(),
        data: data.into(),
        last_event_id: id.into(),
    })
}

fn feed(parser: &mut Parser, bytes: &[u8]) -> Vec<Item> {
    let mut items = Vec::new();
    parser.feed(bytes, &mut items).expect("within the limit");
    items
}

#[test]
fn reports_each_item_before_feed_returns() {
    let mut parser = Parser::new().with_comments(true);
    assert_eq!(feed(&mut parser, b"data: a\n"), []);
    assert_eq!(
        feed(&mut parser, b"\n: hi\nretry: 5\n"),
        [
            event("message", "a", ""),
            Item::Comment("hi".into()),
            Item::Retry(5),
        ]
    );
}

#[test]
fn default_matches_new() {
    let parser = Parser::default();
    assert_eq!(parser.max_buffer(), DEFAULT_MAX_BUFFER);
    assert_eq!(parser.last_event_id(), "");
}

#[test]
fn finish_discards_the_incomplete_event_and_keeps_the_id() {
    let mut parser = Parser::new();
    assert_eq!(
        feed(&mut parser, b"id: 1\ndata: a\n\nid: 2\nevent: x\ndata: b\n"),
        [event("message", "a", "1")]
    );
    parser.finish();
    assert_eq!(parser.last_event_id(), "1");
    // The uncommitted `id: 2`, `event: x` and `data: b` are gone.
    assert_eq!(
        feed(&mut parser, b"data: c\n\n"),
        [event("message", "c", "1")]
    );
}

#[test]
fn finish_discards_a_partial_line() {
    let mut parser = Parser::new();
    assert_eq!(
        feed(&mut parser, b"data: a\n\ndata: par"),
        [event("message", "a", "")]
    );
    parser.finish();
    assert_eq!(feed(&mut parser, b"tial\n\n"), []);
}

#[test]
fn finish_restores_the_stream_start() {
    let mut parser = Parser::new();
    assert_eq!(feed(&mut parser, b"\xEF\xBB\xBFdata: a\r"), []);
    parser.finish();
    // A BOM is stripped again, and the leading LF is not half of a CRLF:
    // it is a blank line on its own (which dispatches nothing).
    assert_eq!(
        feed(&mut parser, b"\xEF\xBB\xBF\ndata: b\n\n"),
        [event("message", "b", "")]
    );
}

#[test]
fn finish_forgets_a_partial_bom() {
    let mut parser = Parser::new();
    assert_eq!(feed(&mut parser, b"\xEF\xBB"), []);
    parser.finish();
    assert_eq!(
        feed(&mut parser, b"\xEF\xBB\xBFdata: a\n\n"),
        [event("message", "a", "")]
    );
}

#[test]
fn retry_is_reported_after_finish_and_reset() {
    let mut parser = Parser::new();
    assert_eq!(feed(&mut parser, b"retry: 1500\n"), [Item::Retry(1500)]);
    parser.finish();
    parser.reset();
    assert_eq!(feed(&mut parser, b"retry: 20\n"), [Item::Retry(20)]);
}

#[test]
fn reset_discards_undispatched_data() {
    let mut parser = Parser::new();
    let items = feed(
        &mut parser,
        b"id: 1\n\nid: 2\nevent: e\ndata: a\ndata: b\nda",
    );
    assert_eq!(items, []);
    parser.reset();
    assert_eq!(parser.last_event_id(), "1");
    // The partial `da` line is gone: `ta: c` is an unknown field.
    assert_eq!(
        feed(&mut parser, b"ta: c\ndata: d\n\n"),
        [event("message", "d", "1")]
    );
}

#[test]
fn reset_keeps_the_stream_position() {
    let mut parser = Parser::new();
    assert_eq!(
        feed(&mut parser, b"data: a\n\n"),
        [event("message", "a", "")]
    );
    parser.reset();
    // Not a new stream: a BOM now is content, so the field name is
    // "\u{FEFF}data" and the event has no data.
    assert_eq!(feed(&mut parser, b"\xEF\xBB\xBFdata: b\n\n"), []);
}

#[test]
fn reset_before_any_input_still_strips_the_bom() {
    let mut parser = Parser::new();
    parser.reset();
    assert_eq!(
        feed(&mut parser, b"\xEF\xBB\xBFdata: b\n\n"),
        [event("message", "b", "")]
    );
}

#[test]
fn set_last_event_id_seeds_both_the_string_and_the_buffer() {
    let mut parser = Parser::new();
    parser.set_last_event_id("seed");
    assert_eq!(parser.last_event_id(), "seed");
    assert_eq!(
        feed(&mut parser, b"data: a\n\n"),
        [event("message", "a", "seed")]
    );
    assert_eq!(
        feed(&mut parser, b"id\ndata: b\n\n"),
        [event("message", "b", "")]
    );
    parser.set_last_event_id("again");
    assert_eq!(feed(&mut parser, b"\n"), []);
    assert_eq!(parser.last_event_id(), "again");
}

#[test]
fn set_last_event_id_overrides_an_uncommitted_id() {
    let mut parser = Parser::new();
    assert_eq!(feed(&mut parser, b"id: 1\n"), []);
    parser.set_last_event_id("seed");
    assert_eq!(
        feed(&mut parser, b"data: a\n\n"),
        [event("message", "a", "seed")]
    );
}

#[test]
fn id_is_committed_by_a_blank_line_without_data() {
    let mut parser = Parser::new();
    assert_eq!(feed(&mut parser, b"id: 5\n"), []);
    assert_eq!(parser.last_event_id(), "");
    assert_eq!(feed(&mut parser, b"\n"), []);
    assert_eq!(parser.last_event_id(), "5");
}

#[test]
fn sink_through_a_mutable_reference() {
    struct Count(usize);
    impl Sink for Count {
        fn on_event(&mut self, _: Event<'_>) {
            self.0 += 1;
        }
    }
    let mut parser = Parser::new();
    let mut count = Count(0);
    let mut by_ref = &mut count;
    parser
        .feed(b"data: a\n\n: ignored\nretry: 1\ndata: b\n\n", &mut by_ref)
        .expect("within the limit");
    let dynamic: &mut dyn Sink = &mut count;
    parser
        .feed(b"data: c\n\n", dynamic)
        .expect("within the limit");
    assert_eq!(count.0, 3);
}

#[test]
fn limit_error_is_typed_and_sticky_until_reset() {
    let mut parser = Parser::with_max_buffer(16);
    assert_eq!(parser.max_buffer(), 16);
    let mut items = Vec::new();
    // 8 bytes of data buffered, then a 9-byte line: 17 > 16.
    let result = parser.feed(b"data: a\n\ndata: 1234567\ndata: 123\n\n", &mut items);
    let error = ParseError::BufferLimitExceeded { limit: 16 };
    assert_eq!(result, Err(error));
    // What came before the error was reported.
    assert_eq!(items, [event("message", "a", "")]);
    assert_eq!(parser.feed(b"data: b\n\n", &mut items), Err(error));
    parser.finish();
    assert_eq!(parser.feed(b"data: b\n\n", &mut items), Err(error));
    assert_eq!(items.len(), 1);

    parser.reset();
    assert_eq!(
        feed(&mut parser, b"data: b\n\n"),
        [event("message", "b", "")]
    );
}

#[test]
fn limit_counts_a_partial_line() {
    let mut parser = Parser::with_max_buffer(8);
    let mut items = Vec::new();
    assert_eq!(parser.feed(b": 345678", &mut items), Ok(()));
    assert!(parser.feed(b"9", &mut items).is_err());
    assert_eq!(items, []);
}

#[test]
fn limit_holds_at_exactly_the_limit() {
    // "data: 12345678" is 14 bytes; then 9 data bytes plus a 5-byte line.
    let mut parser = Parser::with_max_buffer(14);
    assert_eq!(
        feed(&mut parser, b"data: 12345678\ndata:\n\n"),
        [event("message", "12345678\n", "")]
    );
    let mut parser = Parser::with_max_buffer(13);
    assert!(parser.feed(b"data: 12345678\n", &mut Vec::new()).is_err());
}

#[test]
fn zero_limit_allows_only_blank_lines() {
    let mut parser = Parser::with_max_buffer(0);
    assert_eq!(feed(&mut parser, b"\n\r\n\r"), []);
    assert!(parser.feed(b"x", &mut Vec::new()).is_err());
}

#[test]
fn limit_error_displays_the_limit() {
    let error = ParseError::BufferLimitExceeded { limit: 42 };
    assert!(error.to_string().contains("42"));
    let _: &dyn std::error::Error = &error;
}

#[test]
fn huge_line_in_tiny_chunks() {
    const LEN: usize = 4 * 1024 * 1024;
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser
        .feed(b"data: ", &mut items)
        .expect("within the limit");
    let piece = [b'x'; 3];
    for _ in 0..LEN / piece.len() {
        parser.feed(&piece, &mut items).expect("within the limit");
    }
    parser.feed(b"\n\n", &mut items).expect("within the limit");
    let [Item::Event(event)] = items.as_slice() else {
        panic!("expected one event, got {items:?}");
    };
    assert_eq!(event.data.len(), LEN / 3 * 3);
    assert!(event.data.bytes().all(|b| b == b'x'));
}

#[test]
fn crlf_split_across_chunks_is_one_line_ending() {
    let mut parser = Parser::new();
    assert_eq!(feed(&mut parser, b"data: a\r"), []);
    assert_eq!(feed(&mut parser, b""), []);
    assert_eq!(feed(&mut parser, b"\n"), []);
    assert_eq!(feed(&mut parser, b"\r"), [event("message", "a", "")]);
}

#[test]
fn multibyte_character_split_across_chunks() {
    let euro = "€".as_bytes();
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser
        .feed(b"data: ", &mut items)
        .expect("within the limit");
    for byte in euro {
        parser.feed(&[*byte], &mut items).expect("within the limit");
    }
    parser.feed(b"\n\n", &mut items).expect("within the limit");
    assert_eq!(items, [event("message", "€", "")]);
}

#[test]
fn owned_event_from_event() {
    let owned = OwnedEvent::from(Event {
        event_type: "t",
        data: "d",
        last_event_id: "i",
        id_changed: true,
    });
    assert_eq!(
        owned,
        OwnedEvent {
            event_type: "t".into(),
            data: "d".into(),
            last_event_id: "i".into(),
        }
    );
}

// --- What the limit counts (issue #10, finding 2) -------------------------------------

/// The capacities of every buffer the parser owns.
fn capacity(parser: &Parser) -> usize {
    parser.line.capacity()
        + parser.data.capacity()
        + parser.event_type.capacity()
        + parser.id_buffer.capacity()
        + parser.last_event_id.capacity()
        + parser.scratch.capacity()
}

fn fails(parser: &mut Parser, bytes: &[u8]) -> bool {
    parser.feed(bytes, &mut Vec::new()).is_err()
}

#[test]
fn limit_counts_data_as_decoded() {
    // "data: " + 3 invalid bytes is a 9-byte line, but stores 3 U+FFFD and an LF.
    let hostile = b"data: \xFF\xFF\xFF\n\n";
    assert!(fails(&mut Parser::with_max_buffer(9), hostile));
    assert_eq!(
        feed(&mut Parser::with_max_buffer(10), hostile),
        [event("message", "\u{FFFD}\u{FFFD}\u{FFFD}", "")]
    );
    // The same when the value was borrowed from the chunk, then copied by a
    // second `data` line, or kept across chunks.
    assert!(fails(
        &mut Parser::with_max_buffer(11),
        b"data: \xFF\xFF\xFF\ndata\n\n"
    ));
    let mut parser = Parser::with_max_buffer(9);
    assert_eq!(feed(&mut parser, b"data: \xFF\xFF"), []);
    assert!(fails(&mut parser, b"\xFF\n"));
}

#[test]
fn limit_counts_the_event_type_buffer() {
    // 8 bytes of type, then a 13-byte line: 21 > 16.
    assert!(fails(
        &mut Parser::with_max_buffer(16),
        b"event: 12345678\ndata: 1234567\n\n"
    ));
    assert_eq!(
        feed(
            &mut Parser::with_max_buffer(21),
            b"event: 12345678\ndata: 1234567\n\n"
        ),
        [event("12345678", "1234567", "")]
    );
    // Replacing the type frees what the old value took: 3 bytes held plus an
    // 11-byte line, then 12 bytes held instead of 3.
    assert_eq!(
        feed(
            &mut Parser::with_max_buffer(14),
            b"event: \xFF\nevent: \xFF\xFF\xFF\xFF\n"
        ),
        []
    );
    // Decoded: 5 invalid bytes are 15 bytes of type.
    assert!(fails(
        &mut Parser::with_max_buffer(14),
        b"event: \xFF\xFF\xFF\xFF\xFF\n"
    ));
}

#[test]
fn limit_counts_an_uncommitted_id_only() {
    assert!(fails(
        &mut Parser::with_max_buffer(16),
        b"id: 12345678\ndata: 1234567\n\n"
    ));
    // Once committed, the id is the stream's last event ID, not the event's.
    assert_eq!(
        feed(
            &mut Parser::with_max_buffer(16),
            b"id: 12345678\n\ndata: 1234567\n\n"
        ),
        [event("message", "1234567", "12345678")]
    );
    assert!(fails(
        &mut Parser::with_max_buffer(14),
        b"id: \xFF\xFF\xFF\xFF\xFF\n"
    ));
    // An id with NUL is ignored: it takes nothing.
    assert_eq!(
        feed(
            &mut Parser::with_max_buffer(12),
            b"id: 1234567\0\ndata: 1\n\n"
        ),
        [event("message", "1", "")]
    );
}

#[test]
fn limit_counts_a_comments_decoded_text() {
    let parser = |limit| Parser::with_max_buffer(limit).with_comments(true);
    assert!(fails(&mut parser(8), b":\xFF\xFF\xFF\n"));
    assert_eq!(
        feed(&mut parser(9), b":\xFF\xFF\xFF\n"),
        [Item::Comment("\u{FFFD}\u{FFFD}\u{FFFD}".into())]
    );
    // Not reported, the comment is never decoded: only its line counts.
    assert_eq!(
        feed(&mut Parser::with_max_buffer(4), b":\xFF\xFF\xFF\n"),
        []
    );
    assert!(fails(&mut Parser::with_max_buffer(3), b":\xFF\xFF\xFF\n"));
}

#[test]
fn comments_are_off_by_default_and_opt_in() {
    let input = b": hello\n:\n:  two\n: \ndata: x\n:tail\n\n";
    let mut parser = Parser::new();
    assert!(!parser.reports_comments());
    assert_eq!(feed(&mut parser, input), [event("message", "x", "")]);
    parser.set_comments(true);
    assert!(parser.reports_comments());
    assert_eq!(
        feed(&mut parser, input),
        [
            // One leading space removed, like a field value; no other trimming.
            Item::Comment("hello".into()),
            Item::Comment(String::new()),
            Item::Comment(" two".into()),
            Item::Comment(String::new()),
            Item::Comment("tail".into()),
            // Comments inside an event neither dispatch nor change it.
            event("message", "x", ""),
        ]
    );
    parser.set_comments(false);
    assert_eq!(feed(&mut parser, b": again\n"), []);
    assert!(Parser::default().with_comments(true).reports_comments());
}

#[test]
fn a_comment_line_counts_against_the_limit_like_any_line() {
    for comments in [false, true] {
        // Whole, and carried across chunks: the line passes the limit.
        let mut parser = Parser::with_max_buffer(8).with_comments(comments);
        assert!(fails(&mut parser, b": 12345678\n"));
        let mut parser = Parser::with_max_buffer(8).with_comments(comments);
        assert!(fails(&mut parser, b": 1234567"));
        // On top of what the event holds.
        let mut parser = Parser::with_max_buffer(8).with_comments(comments);
        assert!(fails(&mut parser, b"data: 1234\n: 1234\n"));
        // Within it: fine, and the event is unchanged.
        let mut parser = Parser::with_max_buffer(8).with_comments(comments);
        let items = feed(&mut parser, b"data: 12\n: 12\n\n");
        assert_eq!(items.last(), Some(&event("message", "12", "")));
    }
}

#[test]
fn a_chunk_without_a_line_end_is_not_copied_past_the_limit() {
    let mut parser = Parser::with_max_buffer(1024);
    assert!(fails(&mut parser, &vec![b'x'; 1024 * 1024]));
    assert!(parser.line.capacity() <= 1024);
    // Nor the rest of a carried line, with or without its end.
    let mut parser = Parser::with_max_buffer(1024);
    assert_eq!(feed(&mut parser, b"data: "), []);
    assert!(fails(
        &mut parser,
        &[vec![b'x'; 1024 * 1024], b"\n".to_vec()].concat()
    ));
    assert!(parser.line.capacity() <= 1024);
}

#[test]
fn a_failed_parser_gives_its_memory_back() {
    let limit = 1024 * 1024;
    let mut parser = Parser::with_max_buffer(limit);
    let third = vec![0xFF; limit / 3 - 16];
    assert_eq!(feed(&mut parser, b"id: 1\n\n"), []);
    for field in [&b"event: "[..], b"id: ", b"data: "] {
        for piece in [field, &third, b"\n"] {
            if parser.feed(piece, &mut Vec::new()).is_err() {
                assert_eq!(capacity(&parser), parser.last_event_id.capacity());
                assert_eq!(parser.last_event_id(), "1");
                return;
            }
        }
    }
    panic!("the hostile event fit");
}

/// Feeds the issue's hostile event (an `event`, an `id` and a `data` line of
/// invalid bytes, each about a third of the limit) in `chunk`-byte pieces, and
/// returns the largest total capacity seen and whether the parser failed.
fn hostile_event(limit: usize, line_bytes: usize, chunk: usize) -> (usize, bool) {
    let value = vec![0xFF; line_bytes];
    let stream = [
        &b"event: "[..],
        &value,
        b"\nid: ",
        &value,
        b"\ndata: ",
        &value,
        b"\n\n",
    ]
    .concat();
    let mut parser = Parser::with_max_buffer(limit);
    let mut peak = 0;
    let mut failed = false;
    for piece in stream.chunks(chunk) {
        failed |= parser.feed(piece, &mut Vec::new()).is_err();
        peak = peak.max(capacity(&parser));
    }
    (peak, failed)
}

#[test]
fn the_hostile_event_stays_within_the_limit() {
    let limit = 3 * 1024 * 1024;
    // Just under the limit (3 × 3 × 341 KiB decoded, plus an LF): parsed.
    for chunk in [1000, 64 * 1024, usize::MAX] {
        let (peak, failed) = hostile_event(limit, limit / 9 - 1, chunk);
        assert!(!failed, "chunk {chunk}");
        assert!(peak <= 2 * limit, "chunk {chunk}: {peak} bytes of buffers");
    }
    // Each line a third of the limit: it fails at the `id` line.
    for chunk in [1000, 64 * 1024, usize::MAX] {
        let (peak, failed) = hostile_event(limit, limit / 3, chunk);
        assert!(failed, "chunk {chunk}");
        assert!(peak <= 2 * limit, "chunk {chunk}: {peak} bytes of buffers");
    }
}

#[test]
fn buffers_give_back_spare_capacity_beyond_twice_the_limit() {
    // Each event fills a different buffer up to the limit; without the budget
    // the capacities would add up to about 6 × the limit.
    let limit = 256 * 1024;
    let big = "x".repeat(limit - 16);
    let mut parser = Parser::with_max_buffer(limit);
    let streams = [
        format!("event: {big}\ndata\n\n"),
        format!("data: {big}\n\n"),
        format!("id: {big}\n\n"),
        format!("id: {big}\n\n"),
        format!(":{big}\n"),
        format!(":{}\n", "\u{FFFD}".repeat(limit / 3 - 8)),
        format!("data: {}\n\n", "\u{FFFD}".repeat(limit / 3 - 8)),
    ];
    for stream in &streams {
        for piece in stream.as_bytes().chunks(4096) {
            parser
                .feed(piece, &mut Vec::new())
                .expect("each event fits");
            let capacity = capacity(&parser);
            // What is held (at most the limit), the committed id (at most the
            // limit) and up to 64 KiB kept by each other buffer.
            assert!(
                capacity <= 2 * limit + 4 * KEEP,
                "{capacity} bytes of buffers"
            );
        }
    }
    parser.finish();
    assert!(capacity(&parser) <= limit + 5 * KEEP);
}

// --- Event::id_changed (issue #10, finding 3) ------------------------------------------

/// Records `(data, last_event_id, id_changed)` per event.
#[derive(Default)]
struct Ids(Vec<(String, String, bool)>);

impl Sink for Ids {
    fn on_event(&mut self, event: Event<'_>) {
        self.0.push((
            event.data.to_owned(),
            event.last_event_id.to_owned(),
            event.id_changed,
        ));
    }
}

#[test]
fn id_changed_is_set_exactly_when_the_id_may_have_changed() {
    let mut parser = Parser::new();
    let mut ids = Ids::default();
    let mut feed = |bytes: &[u8]| parser.feed(bytes, &mut ids).expect("within the limit");
    feed(b"data: first\n\ndata: a\n\nid: 1\ndata: b\n\ndata: c\n\n");
    feed(b"id: 1\ndata: same value\n\nid: 2\n\n\ndata: after a bare commit\n\n");
    feed(b"id: 3\ndata: x\n");
    parser.finish();
    parser
        .feed(b"data: uncommitted id dropped\n\n", &mut ids)
        .expect("within the limit");
    parser.set_last_event_id("seed");
    parser
        .feed(b"data: seeded\n\ndata: again\n\n", &mut ids)
        .expect("within the limit");
    let expected = [
        ("first", "", true),
        ("a", "", false),
        ("b", "1", true),
        ("c", "1", false),
        ("same value", "1", true),
        ("after a bare commit", "2", true),
        ("uncommitted id dropped", "2", false),
        ("seeded", "seed", true),
        ("again", "seed", false),
    ];
    let expected: Vec<(String, String, bool)> = expected
        .iter()
        .map(|(data, id, changed)| ((*data).into(), (*id).into(), *changed))
        .collect();
    assert_eq!(ids.0, expected);
}

/// Records where each event's data lies in memory.
struct DataAddresses(Vec<(usize, usize)>);

impl Sink for DataAddresses {
    fn on_event(&mut self, event: Event<'_>) {
        self.0
            .push((event.data.as_ptr() as usize, event.data.len()));
    }
}

#[test]
fn a_data_line_across_chunks_becomes_the_data_buffer_without_a_copy() {
    let mut parser = Parser::new();
    let value = "x".repeat(100_000);
    let mut sink = DataAddresses(Vec::new());
    // The line begins in one chunk and goes on in the next: only its value is stored…
    let (head, tail) = value.as_bytes().split_at(10);
    parser
        .feed(&[b"id: 1\ndata: ", head].concat(), &mut sink)
        .expect("within the limit");
    parser.feed(tail, &mut sink).expect("within the limit");
    assert_eq!(parser.line.len(), value.len());
    let stored = parser.line.as_ptr() as usize;
    // …and when it ends, that same memory is the event's data.
    parser.feed(b"\n\n", &mut sink).expect("within the limit");
    assert_eq!(sink.0, [(stored, value.len())]);

    // The same stream with other cuts (inside the field name, right after the colon,
    // after the space) gives the same event.
    let stream = format!("data: {value}\n\n");
    for cut in [2, 5, 6, 7] {
        let mut parser = Parser::new();
        let (head, tail) = stream.as_bytes().split_at(cut);
        let mut items = feed(&mut parser, head);
        items.extend(feed(&mut parser, tail));
        assert_eq!(items, [event("message", &value, "")], "cut at {cut}");
    }
}

#[test]
fn a_data_line_across_chunks_after_other_data_is_appended() {
    let mut parser = Parser::new();
    assert_eq!(feed(&mut parser, b"data: a\ndata: b"), []);
    assert_eq!(feed(&mut parser, b"c\xff"), []);
    assert_eq!(
        feed(&mut parser, b"\ndata: \xe2\x82"),
        [],
        "an invalid byte, then a character split across chunks"
    );
    assert_eq!(
        feed(&mut parser, b"\xac\n\n"),
        [event("message", "a\nbc\u{FFFD}\n\u{20AC}", "")]
    );
    // An invalid value as the first data line is decoded, not moved.
    assert_eq!(feed(&mut parser, b"data: \xff"), []);
    assert_eq!(
        feed(&mut parser, b"z\n\n"),
        [event("message", "\u{FFFD}z", "")]
    );
}
