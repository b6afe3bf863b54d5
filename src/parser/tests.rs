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
    let mut parser = Parser::new();
    assert_eq!(feed(&mut parser, b"data: a\n"), []);
    assert_eq!(
        feed(&mut parser, b"\n: hi\nretry: 5\n"),
        [
            event("message", "a", ""),
            Item::Comment(" hi".into()),
            Item::Retry(5),
        ]
    );
    assert_eq!(parser.reconnection_time(), Some(5));
}

#[test]
fn default_matches_new() {
    let parser = Parser::default();
    assert_eq!(parser.max_buffer(), DEFAULT_MAX_BUFFER);
    assert_eq!(parser.last_event_id(), "");
    assert_eq!(parser.reconnection_time(), None);
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
fn retry_persists_across_finish_and_reset() {
    let mut parser = Parser::new();
    assert_eq!(feed(&mut parser, b"retry: 1500\n"), [Item::Retry(1500)]);
    parser.finish();
    parser.reset();
    assert_eq!(parser.reconnection_time(), Some(1500));
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
