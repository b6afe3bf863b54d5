//! Unit tests for the batch encoding, decoded by the reference [`Decoder`].

use super::*;
use crate::parser::{Item, Parser};

fn event(event_type: &str, data: &str, id: &str) -> OwnedEvent {
    OwnedEvent {
        event_type: event_type.into(),
        data: data.into(),
        last_event_id: id.into(),
    }
}

/// Feeds `chunk` into a fresh batch, decodes it, and returns the events and the batch.
fn feed(parser: &mut Parser, decoder: &mut Decoder, chunk: &[u8]) -> (Vec<OwnedEvent>, Batch) {
    let mut batch = Batch::new();
    parser.feed(chunk, &mut batch).expect("within the limit");
    let items = decoder
        .decode(batch.text(), batch.meta())
        .expect("a well-formed batch");
    let events = items
        .into_iter()
        .filter_map(|item| match item {
            Item::Event(event) => Some(event),
            _ => None,
        })
        .collect();
    (events, batch)
}

/// The items `bytes` gives a comment-reporting parser: events and comments.
fn items_of(bytes: &[u8]) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    Parser::new()
        .with_comments(true)
        .feed(bytes, &mut items)
        .expect("within the limit");
    items.retain(|item| !matches!(item, Item::Retry(_)));
    items
}

/// What a `Vec<Item>` sink reports for the same bytes: only the events.
fn events_of(bytes: &[u8]) -> Vec<OwnedEvent> {
    let mut items: Vec<Item> = Vec::new();
    Parser::new()
        .feed(bytes, &mut items)
        .expect("within the limit");
    items
        .into_iter()
        .filter_map(|item| match item {
            Item::Event(event) => Some(event),
            _ => None,
        })
        .collect()
}

#[test]
fn round_trip_equals_the_parsers_events() {
    let input = "id: 1\ndata: a\n\nevent: ping\ndata: h\u{e9}\u{20ac}\u{1F600}\ndata: two\n\n\
                 data: same id\n\nid: \u{1F600}x\nevent: message\ndata:\n\n: note\n\
                 id\nevent: e\u{1F600}\ndata: z\n\nretry: 5\ndata: last\n\n";
    let mut decoder = Decoder::new();
    let (events, batch) = feed(&mut Parser::new(), &mut decoder, input.as_bytes());
    assert_eq!(events, events_of(input.as_bytes()));
    assert_eq!(events.len(), 6);
    assert_eq!(batch.len(), 6);
}

#[test]
fn the_encoding_in_detail() {
    let mut decoder = Decoder::new();
    let (_, batch) = feed(
        &mut Parser::new(),
        &mut decoder,
        "data: a\n\nid: \u{1F600}\nevent: t\ndata: \u{e9}\n\ndata: b\n\n".as_bytes(),
    );
    // The first event carries its (empty) id; the default type has no text;
    // lengths are UTF-16 code units.
    assert_eq!(
        batch.meta(),
        [MESSAGE_TYPE, 1, 0, 1, 1, 2, MESSAGE_TYPE, 1, SAME_ID]
    );
    assert_eq!(batch.text(), "at\u{e9}\u{1F600}b");
}

#[test]
fn same_id_spans_batches() {
    let mut parser = Parser::new();
    let mut decoder = Decoder::new();
    let (events, _) = feed(&mut parser, &mut decoder, b"id: 7\ndata: a\n\n");
    assert_eq!(events, [event("message", "a", "7")]);
    let (events, batch) = feed(&mut parser, &mut decoder, b"data: b\n\n");
    assert_eq!(events, [event("message", "b", "7")]);
    assert_eq!(batch.meta(), [MESSAGE_TYPE, 1, SAME_ID]);
    assert_eq!(batch.text(), "b");
    // A new connection keeps the id, and so does the encoding.
    parser.finish();
    let (events, batch) = feed(&mut parser, &mut decoder, b"data: c\n\n");
    assert_eq!(events, [event("message", "c", "7")]);
    assert_eq!(batch.meta(), [MESSAGE_TYPE, 1, SAME_ID]);
}

#[test]
fn an_id_committed_without_an_event_is_sent_with_the_next_event() {
    let mut parser = Parser::new();
    let mut decoder = Decoder::new();
    feed(&mut parser, &mut decoder, b"id: 1\ndata: a\n\n");
    let (events, batch) = feed(&mut parser, &mut decoder, b"id: 2\n\n");
    assert!(events.is_empty() && batch.is_empty());
    let (events, _) = feed(&mut parser, &mut decoder, b"data: b\n\n");
    assert_eq!(events, [event("message", "b", "2")]);
}

#[test]
fn an_id_field_is_sent_again_even_with_the_same_value() {
    let mut parser = Parser::new();
    let mut decoder = Decoder::new();
    feed(&mut parser, &mut decoder, b"id: 1\ndata: a\n\n");
    let (_, batch) = feed(&mut parser, &mut decoder, b"id: 1\ndata: b\n\n");
    assert_eq!(batch.meta(), [MESSAGE_TYPE, 1, 1]);
}

#[test]
fn set_last_event_id_is_sent_with_the_next_event() {
    let mut parser = Parser::new();
    let mut decoder = Decoder::new();
    feed(&mut parser, &mut decoder, b"data: a\n\n");
    parser.set_last_event_id("seed");
    let (events, _) = feed(&mut parser, &mut decoder, b"data: b\n\n");
    assert_eq!(events, [event("message", "b", "seed")]);
}

#[test]
fn a_long_unchanged_id_is_never_copied_again() {
    const LEN: usize = 1024 * 1024;
    let long_id = "i".repeat(LEN);
    let mut parser = Parser::new();
    let mut decoder = Decoder::new();
    let (events, batch) = feed(
        &mut parser,
        &mut decoder,
        format!("id: {long_id}\ndata: first\n\n").as_bytes(),
    );
    assert_eq!(events, [event("message", "first", &long_id)]);
    assert!(batch.text().len() > LEN);
    for _ in 0..1000 {
        let (events, batch) = feed(&mut parser, &mut decoder, b"data: x\n\ndata: y\n\n");
        assert_eq!(batch.text(), "xy");
        assert_eq!(
            batch.meta(),
            [MESSAGE_TYPE, 1, SAME_ID, MESSAGE_TYPE, 1, SAME_ID]
        );
        assert_eq!(events.len(), 2);
        assert!(events.iter().all(|e| e.last_event_id.len() == LEN));
    }
    assert_eq!(decoder.last_id(), long_id);
}

#[test]
fn clear_gives_back_a_large_events_memory() {
    let mut batch = Batch::new();
    let data = "d".repeat(1024 * 1024);
    Parser::new()
        .feed(format!("data: {data}\n\n").as_bytes(), &mut batch)
        .expect("within the limit");
    assert_eq!(batch.text().len(), 1024 * 1024);
    batch.clear();
    assert!(batch.is_empty() && batch.text().is_empty());
    assert!(batch.text.capacity() <= KEEP);
}

#[test]
fn comments_are_records_in_stream_order() {
    let input = ": hello\ndata: a\n\n:\n: \u{e9}\u{1F600}\r\nid: 3\ndata: b\n\n:  two\n";
    let mut parser = Parser::new().with_comments(true);
    let mut batch = Batch::new();
    parser
        .feed(input.as_bytes(), &mut batch)
        .expect("within the limit");
    assert_eq!(
        batch.meta(),
        [
            COMMENT,
            5,
            MESSAGE_TYPE,
            1,
            0,
            COMMENT,
            0,
            COMMENT,
            3,
            MESSAGE_TYPE,
            1,
            1,
            COMMENT,
            4
        ]
    );
    assert_eq!(batch.text(), "helloa\u{e9}\u{1F600}b3 two");
    // Comments are not events.
    assert_eq!(batch.len(), 2);
    let items = Decoder::new()
        .decode(batch.text(), batch.meta())
        .expect("a well-formed batch");
    assert_eq!(items, items_of(input.as_bytes()));
    assert_eq!(
        items,
        [
            Item::Comment("hello".into()),
            Item::Event(event("message", "a", "")),
            Item::Comment(String::new()),
            Item::Comment("\u{e9}\u{1F600}".into()),
            Item::Event(event("message", "b", "3")),
            Item::Comment(" two".into()),
        ]
    );
    batch.clear();
    assert_eq!(batch.len(), 0);
    // A batch of comments only is not empty (it has something to deliver) but holds
    // no event.
    parser
        .feed(b": ping\n", &mut batch)
        .expect("within the limit");
    assert!(!batch.is_empty());
    assert_eq!(batch.len(), 0);
}

#[test]
fn comments_off_cost_no_record() {
    let mut batch = Batch::new();
    Parser::new()
        .feed(b": hello\ndata: a\n\n: bye\n", &mut batch)
        .expect("within the limit");
    assert_eq!(batch.meta(), [MESSAGE_TYPE, 1, 0]);
    assert_eq!(batch.text(), "a");
}

#[test]
fn utf16_lengths() {
    assert_eq!(utf16_len(""), 0);
    assert_eq!(utf16_len("abc"), 3);
    assert_eq!(utf16_len("\u{e9}\u{20ac}"), 2);
    assert_eq!(utf16_len("\u{1F600}"), 2);
}

#[test]
fn the_decoder_rejects_malformed_batches() {
    let mut decoder = Decoder::new();
    assert_eq!(
        decoder.decode("a", &[MESSAGE_TYPE, 1]),
        Err(DecodeError::Meta)
    );
    assert_eq!(
        decoder.decode("a", &[MESSAGE_TYPE, 2, SAME_ID]),
        Err(DecodeError::PastTheEnd)
    );
    assert_eq!(
        decoder.decode("\u{1F600}", &[MESSAGE_TYPE, 1, SAME_ID]),
        Err(DecodeError::SplitsCharacter)
    );
    assert_eq!(
        decoder.decode("ab", &[MESSAGE_TYPE, 1, SAME_ID]),
        Err(DecodeError::TrailingText)
    );
    assert_eq!(decoder.decode("", &[COMMENT]), Err(DecodeError::Meta));
    assert_eq!(
        decoder.decode("a", &[COMMENT, 2]),
        Err(DecodeError::PastTheEnd)
    );
    assert!(!DecodeError::Meta.to_string().is_empty());
}
