//! The batch format: events parsed from one chunk cross into JS in one call.

use crate::parser::{Event, Sink};

/// Events parsed from one chunk (or slice), gathered for one boundary call: their
/// strings concatenated in `text`, and for each event three UTF-16 lengths in `meta`
/// (type, data, id), where [`MESSAGE_TYPE`] and [`SAME_ID`] stand for the default type
/// and an id unchanged since the batch's previous event. One `TextDecoder` pass and one
/// call per chunk instead of several calls per event.
#[derive(Default)]
pub struct Batch {
    pub text: String,
    pub meta: Vec<u32>,
    /// The id of the batch's last event (only meaningful while `meta` is non-empty).
    last_id: String,
    /// The last valid `retry:` of the batch.
    pub retry: Option<u64>,
}

/// `meta` type length meaning `"message"`.
const MESSAGE_TYPE: u32 = u32::MAX;
/// `meta` id length meaning "the same id as the previous event of the batch".
const SAME_ID: u32 = u32::MAX;

/// The length of `s` in UTF-16 code units (how JS measures strings).
fn utf16_len(s: &str) -> u32 {
    let len = if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char::len_utf16).sum()
    };
    u32::try_from(len).unwrap_or(u32::MAX - 1)
}

impl Batch {
    fn push(&mut self, piece: &str) -> u32 {
        self.text.push_str(piece);
        utf16_len(piece)
    }
}

impl Sink for Batch {
    fn on_event(&mut self, event: Event<'_>) {
        let type_len = if event.event_type == "message" {
            MESSAGE_TYPE
        } else {
            self.push(event.event_type)
        };
        let data_len = self.push(event.data);
        let id_len = if !self.meta.is_empty() && self.last_id == event.last_event_id {
            SAME_ID
        } else {
            self.last_id.clear();
            self.last_id.push_str(event.last_event_id);
            self.push(event.last_event_id)
        };
        self.meta.extend_from_slice(&[type_len, data_len, id_len]);
    }

    fn on_retry(&mut self, millis: u64) {
        self.retry = Some(millis);
    }
}
