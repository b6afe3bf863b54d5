//! Chunking differential: the leading bytes of the input choose a buffer
//! limit and where to cut the rest; feeding it cut up must report exactly
//! what feeding it whole reports, and fail (if at all) at the same point.
#![no_main]

use eventsource_wasm::parser::{Item, Parser};
use libfuzzer_sys::fuzz_target;

/// Feeds `chunks`, then `finish()`. Returns the items, whether the limit
/// error happened, and the last event ID.
fn run(limit: usize, chunks: &[&[u8]]) -> (Vec<Item>, bool, String) {
    let mut parser = Parser::with_max_buffer(limit).with_comments(true);
    let mut items = Vec::new();
    let mut failed = false;
    for chunk in chunks {
        failed |= parser.feed(chunk, &mut items).is_err();
    }
    parser.finish();
    (items, failed, parser.last_event_id().to_owned())
}

fuzz_target!(|input: &[u8]| {
    // Byte 0: the limit (0..=126 bytes, or the default if 127 or more).
    // Byte 1: how many cut points follow (0..=15), one byte each.
    let [limit, cuts, rest @ ..] = input else {
        return;
    };
    let limit = match limit {
        0..=126 => usize::from(*limit),
        _ => Parser::new().max_buffer(),
    };
    let cut_count = usize::from(cuts % 16).min(rest.len());
    let (cut_bytes, stream) = rest.split_at(cut_count);

    let mut cuts: Vec<usize> = cut_bytes
        .iter()
        .map(|&b| usize::from(b) * (stream.len() + 1) / 256)
        .collect();
    cuts.sort_unstable();
    let mut chunks = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for end in cuts.into_iter().chain([stream.len()]) {
        chunks.push(&stream[start..end]);
        start = end;
    }

    let whole = run(limit, &[stream]);
    let split = run(limit, &chunks);
    assert_eq!(whole, split, "chunks: {chunks:?}");

    let bytes: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(whole, run(limit, &bytes), "byte by byte");
});
