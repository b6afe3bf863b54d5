//! Batch differential: the leading bytes of the input choose where to cut the
//! rest into chunks (and where to end a connection); feeding the chunks to a
//! parser with a [`Batch`] as the sink, one batch per chunk, and decoding each
//! batch with the reference [`Decoder`] (the mirror of the JS decoder, which
//! keeps the last ID between batches) must give exactly the events that
//! feeding the same bytes whole to a `Vec<Item>` sink reports, with comments
//! reported (byte 0's top bit) or not.
#![no_main]

use eventsource_wasm::batch::{Batch, Decoder};
use eventsource_wasm::parser::{Item, Parser};
use libfuzzer_sys::fuzz_target;
use std::ops::Range;

/// The events and comments of `streams` fed whole, one connection each.
fn whole(streams: &[&[u8]], comments: bool) -> Vec<Item> {
    let mut parser = Parser::new().with_comments(comments);
    let mut items = Vec::new();
    for stream in streams {
        assert!(parser.feed(stream, &mut items).is_ok());
        parser.finish();
    }
    items.retain(|item| !matches!(item, Item::Retry(_)));
    items
}

/// The events and comments of `streams` cut into `chunks`, through the batch encoding.
fn batched(streams: &[Vec<&[u8]>], comments: bool) -> Vec<Item> {
    let mut parser = Parser::new().with_comments(comments);
    let mut batch = Batch::new();
    let mut decoder = Decoder::new();
    let mut events = Vec::new();
    for chunks in streams {
        for chunk in chunks {
            assert!(parser.feed(chunk, &mut batch).is_ok());
            match decoder.decode(batch.text(), batch.meta()) {
                Ok(decoded) => events.extend(decoded),
                Err(error) => panic!("undecodable batch: {error}"),
            }
            batch.clear();
        }
        parser.finish();
    }
    events
}

fuzz_target!(|input: &[u8]| {
    // Byte 0: how many cut points follow (0..=31), one byte each; a cut byte
    // with the top bit set also ends the connection there. Byte 0's top bit:
    // comments reported.
    let Some((&cuts, rest)) = input.split_first() else {
        return;
    };
    let comments = cuts & 0x80 != 0;
    let cut_count = usize::from(cuts % 32).min(rest.len());
    let (cut_bytes, stream) = rest.split_at(cut_count);

    let mut cuts: Vec<(usize, bool)> = cut_bytes
        .iter()
        .map(|&b| (usize::from(b & 0x7F) * (stream.len() + 1) / 128, b & 0x80 != 0))
        .collect();
    cuts.sort_unstable();

    // Connections, each a list of chunk ranges.
    let mut connections: Vec<Vec<Range<usize>>> = vec![Vec::new()];
    let mut start = 0;
    for (end, ends_connection) in cuts.into_iter().chain([(stream.len(), false)]) {
        if let Some(chunks) = connections.last_mut() {
            chunks.push(start..end);
        }
        if ends_connection {
            connections.push(Vec::new());
        }
        start = end;
    }
    let split: Vec<Vec<&[u8]>> = connections
        .iter()
        .map(|chunks| chunks.iter().map(|range| &stream[range.clone()]).collect())
        .collect();
    let whole_streams: Vec<&[u8]> = connections
        .iter()
        .map(|chunks| match (chunks.first(), chunks.last()) {
            (Some(first), Some(last)) => &stream[first.start..last.end],
            _ => &[],
        })
        .collect();

    assert_eq!(
        batched(&split, comments),
        whole(&whole_streams, comments),
        "connections: {split:?}"
    );
});
