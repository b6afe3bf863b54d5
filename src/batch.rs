//! The batch encoding: how parsed events cross the wasm boundary.
//!
//! The glue feeds each chunk of the body to the [`Parser`](crate::parser::Parser) with
//! a [`Batch`] as the sink, then hands the batch to JS in one call: one string
//! (`text`, decoded with one `TextDecoder` pass) and one `Uint32Array` (`meta`),
//! instead of several boundary calls per event. For each event `meta` holds three
//! lengths in UTF-16 code units (how JS measures strings), and `text` the strings
//! they measure, one after another:
//!
//! - the type's length, or [`MESSAGE_TYPE`] for `"message"` (then no text);
//! - the data's length;
//! - the last event ID's length, or [`SAME_ID`] when the ID is the one of the
//!   previous event decoded (then no text). The previous event may be in an earlier
//!   batch: the decoder keeps the last ID between batches (the JS decoder keeps it on
//!   the source's route object). The parser says in O(1) whether the ID may have
//!   changed ([`Event::id_changed`]), so an unchanged ID, however long, is neither
//!   compared nor copied here nor decoded in JS again.
//!
//! A comment line (only when the parser [reports comments](crate::parser::Parser::reports_comments),
//! for the `onComment` option) is a two-entry record between the events, in stream
//! order: [`COMMENT`] where a type length would be, then the comment text's length.
//!
//! [`Decoder`] is the reference decoder, a Rust mirror of the JS one
//! (`deliver_batch` in `js/glue.js`): the tests and the `batch_chunked` fuzz
//! target check the encoding against it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::indexing_slicing)]

use core::fmt;

use crate::parser::{Event, Item, OwnedEvent, Sink};

/// `meta` type length meaning `"message"`.
pub const MESSAGE_TYPE: u32 = u32::MAX;
/// `meta` ID length meaning "the same ID as the previous event decoded".
pub const SAME_ID: u32 = u32::MAX;
/// `meta` type length starting a comment record (`[COMMENT, text length]`).
pub const COMMENT: u32 = u32::MAX - 1;

/// A batch keeps at most this much spare capacity (bytes of `text`, entries of
/// `meta`) once cleared: a very large event does not pin its size for the rest of the
/// connection.
const KEEP: usize = 64 * 1024;

/// The events (and reported comments) of one chunk (or slice of one), encoded for one
/// boundary call (see the [module docs](self)). `retry:` values do not pass through a
/// batch: the connection machine takes them (it owns the reconnection time).
#[derive(Debug, Default, Clone)]
pub struct Batch {
    text: String,
    meta: Vec<u32>,
    /// How many of the records in `meta` are events.
    events: usize,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// The events' strings, concatenated.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Three lengths per event: type, data, ID; two per comment (see the
    /// [module docs](self)).
    pub fn meta(&self) -> &[u32] {
        &self.meta
    }

    /// Whether the batch holds nothing to deliver (no event, no comment).
    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }

    /// How many events the batch holds (comments not counted).
    pub fn len(&self) -> usize {
        self.events
    }

    /// Forgets the events (once delivered), keeping at most 64 KiB of spare
    /// capacity.
    pub fn clear(&mut self) {
        self.text.clear();
        self.text.shrink_to(KEEP);
        self.meta.clear();
        self.meta.shrink_to(KEEP);
        self.events = 0;
    }

    fn push(&mut self, piece: &str) -> u32 {
        self.text.push_str(piece);
        utf16_len(piece)
    }
}

impl Sink for Batch {
    fn on_event(&mut self, event: Event<'_>) {
        let default_type = event.event_type == "message";
        let type_text = if default_type { "" } else { event.event_type };
        let id_text = if event.id_changed {
            event.last_event_id
        } else {
            ""
        };
        // One reservation per event: a large event is copied once, into an
        // allocation of its size (not a doubled one).
        self.text.reserve(
            type_text
                .len()
                .saturating_add(event.data.len())
                .saturating_add(id_text.len()),
        );
        let type_len = if default_type {
            MESSAGE_TYPE
        } else {
            self.push(type_text)
        };
        let data_len = self.push(event.data);
        let id_len = if event.id_changed {
            self.push(id_text)
        } else {
            SAME_ID
        };
        self.meta.extend_from_slice(&[type_len, data_len, id_len]);
        self.events += 1;
    }

    fn on_comment(&mut self, text: &str) {
        let len = self.push(text);
        self.meta.extend_from_slice(&[COMMENT, len]);
    }
}

/// The length of `s` in UTF-16 code units (how JS measures strings), saturating
/// below [`COMMENT`] and [`SAME_ID`] (wasm32 memory holds no string that long).
pub fn utf16_len(s: &str) -> u32 {
    let len = if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char::len_utf16).sum()
    };
    u32::try_from(len).unwrap_or(COMMENT - 1).min(COMMENT - 1)
}

/// The reference decoder: decodes batches as the JS side does, keeping the last ID
/// between batches. Feed it every batch of one parser, in order.
#[derive(Debug, Default, Clone)]
pub struct Decoder {
    id: String,
}

impl Decoder {
    /// A decoder before the first batch (the last ID is empty).
    pub fn new() -> Self {
        Self::default()
    }

    /// The last ID decoded so far.
    pub fn last_id(&self) -> &str {
        &self.id
    }

    /// Decodes one batch into its events and comments ([`Item::Event`],
    /// [`Item::Comment`]), in order.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] when `meta` does not split into records (three lengths per
    /// event, two per comment), a length runs past the end of `text` or ends inside a
    /// UTF-16 surrogate pair, or text is left over: anything on which the JS decoder
    /// would silently go wrong.
    pub fn decode(&mut self, text: &str, meta: &[u32]) -> Result<Vec<Item>, DecodeError> {
        let mut rest = text;
        let mut items = Vec::with_capacity(meta.len() / 3);
        let mut meta = meta;
        while let Some((&type_len, after)) = meta.split_first() {
            if type_len == COMMENT {
                let [len, after @ ..] = after else {
                    return Err(DecodeError::Meta);
                };
                items.push(Item::Comment(take_utf16(&mut rest, *len)?.to_owned()));
                meta = after;
                continue;
            }
            let [data_len, id_len, after @ ..] = after else {
                return Err(DecodeError::Meta);
            };
            meta = after;
            let event_type = if type_len == MESSAGE_TYPE {
                "message"
            } else {
                take_utf16(&mut rest, type_len)?
            };
            let data = take_utf16(&mut rest, *data_len)?;
            if *id_len != SAME_ID {
                take_utf16(&mut rest, *id_len)?.clone_into(&mut self.id);
            }
            items.push(Item::Event(OwnedEvent {
                event_type: event_type.to_owned(),
                data: data.to_owned(),
                last_event_id: self.id.clone(),
            }));
        }
        if !rest.is_empty() {
            return Err(DecodeError::TrailingText);
        }
        Ok(items)
    }
}

/// Cuts `units` UTF-16 code units off the front of `rest`.
fn take_utf16<'t>(rest: &mut &'t str, units: u32) -> Result<&'t str, DecodeError> {
    let mut left = usize::try_from(units).map_err(|_| DecodeError::PastTheEnd)?;
    let mut end = 0;
    for c in rest.chars() {
        if left == 0 {
            break;
        }
        let n = c.len_utf16();
        if n > left {
            return Err(DecodeError::SplitsCharacter);
        }
        left -= n;
        end += c.len_utf8();
    }
    if left > 0 {
        return Err(DecodeError::PastTheEnd);
    }
    let (piece, after) = rest.split_at_checked(end).ok_or(DecodeError::PastTheEnd)?;
    *rest = after;
    Ok(piece)
}

/// What [`Decoder::decode`] found wrong with a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// `meta` does not split into records (three lengths per event, two per comment).
    Meta,
    /// A length runs past the end of `text`.
    PastTheEnd,
    /// A length ends between the two halves of a surrogate pair.
    SplitsCharacter,
    /// `text` holds more than the lengths account for.
    TrailingText,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Meta => "batch meta does not split into event and comment records",
            Self::PastTheEnd => "a batch length runs past the end of the text",
            Self::SplitsCharacter => "a batch length splits a surrogate pair",
            Self::TrailingText => "batch text left over after the last event",
        })
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests;
