//! Streaming `text/event-stream` parser: bytes in, events out, no I/O.
//!
//! This implements the WHATWG HTML rules for
//! [interpreting an event stream](https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
//! as a push parser in the style of `httparse` and `csv-core`: hand each chunk
//! of the response body to [`Parser::feed`] as it arrives, and everything that
//! chunk completes is reported to a [`Sink`] before `feed` returns. Call
//! [`Parser::finish`] when the body ends.
//!
//! ```
//! use eventsource_wasm::parser::{Item, OwnedEvent, Parser};
//!
//! let mut parser = Parser::new();
//! let mut items: Vec<Item> = Vec::new();
//!
//! parser.feed(b"retry: 2500\nid: 7\ndata: hel", &mut items)?;
//! assert_eq!(items, [Item::Retry(2500)]); // the event is not complete yet
//!
//! parser.feed(b"lo\r\n\r\n", &mut items)?;
//! assert_eq!(
//!     items[1],
//!     Item::Event(OwnedEvent {
//!         event_type: "message".into(),
//!         data: "hello".into(),
//!         last_event_id: "7".into(),
//!     })
//! );
//! parser.finish();
//! assert_eq!(parser.last_event_id(), "7");
//! # Ok::<(), eventsource_wasm::parser::ParseError>(())
//! ```
//!
//! Points worth knowing:
//!
//! - The stream is always UTF-8. Invalid bytes become U+FFFD exactly as a
//!   whole-stream `TextDecoder` would produce them; decoding never fails.
//! - Lines end with CRLF, LF or CR; chunks may split a CRLF pair, a multi-byte
//!   character or the leading byte order mark anywhere.
//! - An event that is still incomplete when the stream ends is discarded.
//! - Memory is bounded: what the parser holds for the current event (the
//!   line being received, and the data, event type and id buffers as
//!   decoded) may not exceed [`Parser::max_buffer`] bytes, or `feed` returns
//!   [`ParseError::BufferLimitExceeded`]; see there for what is counted.
//! - Steady-state parsing does not allocate: buffers are reused, and a line
//!   that lies wholly inside a chunk is read from the chunk in place.
//! - Each [`Event`] tells whether its last event ID may differ from the
//!   previous event's ([`Event::id_changed`]), so a sink never has to compare
//!   or copy an ID that did not change.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::indexing_slicing)]

mod event;
#[cfg(test)]
mod tests;

use core::mem;

use memchr::{memchr, memchr2, memrchr2};

pub use event::{Event, Item, OwnedEvent, ParseError, Sink};

/// The default limit, in bytes, on what the parser holds for the current
/// event (16 MiB; see [`Parser::max_buffer`]).
pub const DEFAULT_MAX_BUFFER: usize = 16 * 1024 * 1024;

/// Capacity a buffer may keep when the parser gives memory back (after
/// [`Parser::finish`], or when another buffer must grow past the budget).
const KEEP: usize = 64 * 1024;

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The event type used when the event type buffer is empty.
const DEFAULT_EVENT_TYPE: &str = "message";

/// An incremental event stream parser.
///
/// It keeps the state the spec gives an `EventSource` (data buffer, event type
/// buffer, last event ID buffer, last event ID string) plus what streaming
/// needs (a partial line, a CR that may pair with an LF in the next chunk, a
/// byte order mark split across chunks). One parser serves every connection of
/// an event source: call [`finish`](Parser::finish) at the end of each
/// response body and keep feeding the next one; the last event ID persists.
#[derive(Debug, Clone)]
pub struct Parser {
    /// Bytes of a line whose end has not arrived yet: after `line_skipped`
    /// bytes not stored.
    line: Vec<u8>,
    /// How many bytes at the start of the line in `line` are not stored:
    /// the `data:` (or `data: `) of a `data` line that began in an earlier
    /// chunk, whose value alone is kept, so that it can become the data
    /// buffer without a copy (see [`Parser::end_data_line`]). 0 otherwise.
    line_skipped: usize,
    /// The data buffer: each `data` value (decoded) followed by LF.
    data: String,
    /// The event type buffer.
    event_type: String,
    /// The last event ID buffer while it holds a value not yet committed
    /// (`id_pending`). Otherwise the spec's buffer equals `last_event_id`,
    /// and this is only spare capacity.
    id_buffer: String,
    /// Whether `id_buffer` holds the last event ID buffer's value.
    id_pending: bool,
    /// The last event ID string: what was committed by the latest blank line.
    last_event_id: String,
    /// The last event ID string may have changed since the previous event
    /// was reported (true before the first): [`Event::id_changed`].
    id_unreported: bool,
    /// The decoded bytes held for the event being received: the data buffer
    /// (or, while `feed_lines` keeps an event's first `data` value in the
    /// chunk instead, that value's decoded length plus one for the LF), the
    /// event type buffer, and `id_buffer` while `id_pending`.
    held: usize,
    /// Output space for lossy decoding of a comment.
    scratch: String,
    /// `Some(n)` at stream start: the first `n` bytes of the BOM have arrived
    /// (and are held back). `None` once the start of the stream is past.
    bom_matched: Option<usize>,
    /// The previous chunk ended with CR: an LF at the start of the next chunk
    /// belongs to that line ending.
    pending_cr: bool,
    /// A buffer limit error happened; cleared by `reset`.
    failed: bool,
    /// See [`Parser::max_buffer`].
    max_buffer: usize,
    /// See [`Parser::reports_comments`].
    comments: bool,
}

/// The parser's growable buffers, for [`Parser::make_room`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Buf {
    Line,
    Data,
    Type,
    Id,
    Scratch,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// A parser at the start of a stream, with the [`DEFAULT_MAX_BUFFER`] limit.
    pub fn new() -> Self {
        Self::with_max_buffer(DEFAULT_MAX_BUFFER)
    }

    /// A parser at the start of a stream that fails with
    /// [`ParseError::BufferLimitExceeded`] when what it holds for the event
    /// being received would exceed `limit` bytes (see
    /// [`max_buffer`](Parser::max_buffer) for what is counted).
    pub fn with_max_buffer(limit: usize) -> Self {
        Self {
            line: Vec::new(),
            line_skipped: 0,
            data: String::new(),
            event_type: String::new(),
            id_buffer: String::new(),
            id_pending: false,
            last_event_id: String::new(),
            id_unreported: true,
            held: 0,
            scratch: String::new(),
            bom_matched: Some(0),
            pending_cr: false,
            failed: false,
            max_buffer: limit,
            comments: false,
        }
    }

    /// This parser, reporting comment lines to [`Sink::on_comment`] when `on`
    /// (see [`reports_comments`](Parser::reports_comments)).
    #[must_use]
    pub fn with_comments(mut self, on: bool) -> Self {
        self.comments = on;
        self
    }

    /// Turns the reporting of comment lines on or off, from the next line on.
    pub fn set_comments(&mut self, on: bool) {
        self.comments = on;
    }

    /// Whether comment lines (lines starting with `:`, such as heartbeats) are
    /// reported to [`Sink::on_comment`]. Off by default: a comment line is
    /// then skipped once its end is found, with no decoding and no callback.
    /// Either way a comment never counts as an event and changes nothing that
    /// is dispatched, and its line counts against [`max_buffer`](Parser::max_buffer)
    /// while it arrives like any line.
    pub fn reports_comments(&self) -> bool {
        self.comments
    }

    /// The limit, in bytes, on what the parser holds for the event being
    /// received (set by [`with_max_buffer`](Parser::with_max_buffer)). Two
    /// amounts are checked, each before anything is copied, and neither may
    /// exceed it:
    ///
    /// - while a line arrives and when it ends: the line's bytes as received
    ///   (without the line ending), plus the buffers below;
    /// - when a line is applied: the buffers below as the line leaves them,
    ///   plus, for a comment that is [reported](Parser::reports_comments),
    ///   its text as handed to the sink.
    ///
    /// The buffers are the data buffer (each value plus an LF), the event
    /// type buffer, and the last event ID buffer while it holds an `id` value
    /// that no blank line has committed yet, each counted as stored: UTF-8,
    /// where every invalid byte sequence has become a 3-byte U+FFFD. The
    /// committed last event ID, which persists across events, is not counted.
    ///
    /// Memory follows: the parser owns the held bytes, the committed last
    /// event ID, and spare capacity. No buffer grows past the limit, and
    /// before one grows so far that the capacities together would pass twice
    /// the limit, the others give back what they do not use (down to 64 KiB
    /// each); so the parser owns at most about three times the limit, and
    /// usually far less. [`finish`](Parser::finish) shrinks every buffer to
    /// 64 KiB, and a failed parser keeps nothing but the last event ID.
    pub fn max_buffer(&self) -> usize {
        self.max_buffer
    }

    /// The last event ID string: the value committed by the most recent blank
    /// line (or [`set_last_event_id`](Parser::set_last_event_id)). This is what
    /// a reconnecting client sends as `Last-Event-ID`.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// Seeds the last event ID string and the last event ID buffer, for
    /// example from a value the application saved earlier.
    pub fn set_last_event_id(&mut self, id: &str) {
        id.clone_into(&mut self.last_event_id);
        self.drop_pending_id();
        self.id_unreported = true;
    }

    /// Feeds the next chunk of the stream.
    ///
    /// Every event, `retry` and (when [reported](Parser::reports_comments))
    /// comment completed by this chunk is reported to `sink`, in stream order,
    /// before this returns. Bytes of an unfinished
    /// line are kept for the next call.
    ///
    /// # Errors
    ///
    /// [`ParseError::BufferLimitExceeded`] when what the parser would hold for
    /// the event being received exceeds [`max_buffer`](Parser::max_buffer)
    /// bytes (see there for what is counted); the bytes that would pass it are
    /// never copied. Whatever the chunk completed before that point has been
    /// reported. The parser then drops the event being received and stays
    /// failed, returning the same error from every `feed`, until
    /// [`reset`](Parser::reset). Where the error happens does not depend on
    /// how the stream is split into chunks.
    pub fn feed<S: Sink + ?Sized>(&mut self, chunk: &[u8], sink: &mut S) -> Result<(), ParseError> {
        if self.failed {
            return Err(self.limit_error());
        }
        let result = self.feed_chunk(chunk, sink);
        if result.is_err() {
            self.fail();
        }
        result
    }

    /// Ends the current stream (the response body is complete or broken off).
    ///
    /// Per the spec, an incomplete event at the end of the stream is not
    /// dispatched: a partial line, the data buffer and the event type buffer
    /// are discarded, and the last event ID buffer goes back to the committed
    /// last event ID.
    ///
    /// The stream-start state comes back: the next `feed` strips a byte order
    /// mark again, and a CR at the end of this stream does not pair with an LF
    /// at the start of the next. The last event ID persists. A failed parser stays failed until [`reset`](Parser::reset).
    /// Every buffer but the last event ID shrinks to at most 64 KiB.
    pub fn finish(&mut self) {
        self.discard_pending();
        self.bom_matched = Some(0);
        self.pending_cr = false;
        // Give back memory a very large event may have left behind.
        self.release_spare(None);
    }

    /// Discards undispatched data, like the `reset()` method of WHATWG HTML's
    /// `EventSource`: the data buffer, the event type buffer and a partial
    /// line are dropped, and the last event ID buffer goes back to the
    /// committed last event ID. Clears the failed state after a
    /// [`ParseError::BufferLimitExceeded`].
    ///
    /// Unlike [`finish`](Parser::finish) this does not mark a new stream: a
    /// byte order mark is only stripped if the stream has not started yet. The
    /// last event ID is kept.
    pub fn reset(&mut self) {
        self.discard_pending();
        self.failed = false;
    }

    fn discard_pending(&mut self) {
        self.line.clear();
        self.line_skipped = 0;
        self.data.clear();
        self.event_type.clear();
        self.id_pending = false;
        self.held = 0;
    }

    /// The last event ID buffer goes back to the committed last event ID.
    fn drop_pending_id(&mut self) {
        if self.id_pending {
            self.held -= self.id_buffer.len();
            self.id_pending = false;
        }
    }

    /// Enters the failed state: nothing is held any more, so every buffer
    /// but the last event ID gives its memory back.
    fn fail(&mut self) {
        self.failed = true;
        self.discard_pending();
        self.line = Vec::new();
        self.data = String::new();
        self.event_type = String::new();
        self.id_buffer = String::new();
        self.scratch = String::new();
        self.last_event_id.shrink_to_fit();
    }

    fn limit_error(&self) -> ParseError {
        ParseError::BufferLimitExceeded {
            limit: self.max_buffer,
        }
    }

    /// Fails if `more` bytes on top of what is held would pass the limit.
    ///
    /// Checking every line, buffered or not, keeps the outcome independent of
    /// the chunking: a line that fails when it ends also fails while it
    /// arrives, and the reverse.
    fn check(&self, more: usize) -> Result<(), ParseError> {
        if self.held.saturating_add(more) > self.max_buffer {
            Err(self.limit_error())
        } else {
            Ok(())
        }
    }

    /// Fails if storing `value` would pass the limit, `more` being what is
    /// held once it is stored, on top of the buffers as they are now. Only
    /// invalid UTF-8 needs the check: a valid value is no longer than its
    /// line, which [`check`](Parser::check) already counted on top of the
    /// same buffers (and a value replaces, or adds less than, its line).
    fn check_value(&self, value: &Value<'_>, more: usize) -> Result<(), ParseError> {
        if value.text.is_some() {
            Ok(())
        } else {
            self.check(more)
        }
    }

    /// Makes room for `additional` more bytes in one buffer. Its capacity
    /// grows geometrically but not past the limit; if the buffers' capacities
    /// together would pass twice the limit, the others first give back what
    /// they do not use.
    fn make_room(&mut self, which: Buf, additional: usize) {
        let (len, capacity) = self.size_of(which);
        if capacity - len < additional {
            self.grow(which, additional);
        }
    }

    /// The length and capacity of one buffer.
    fn size_of(&self, which: Buf) -> (usize, usize) {
        match which {
            Buf::Line => (self.line.len(), self.line.capacity()),
            Buf::Data => (self.data.len(), self.data.capacity()),
            Buf::Type => (self.event_type.len(), self.event_type.capacity()),
            Buf::Id => (self.id_buffer.len(), self.id_buffer.capacity()),
            Buf::Scratch => (self.scratch.len(), self.scratch.capacity()),
        }
    }

    /// The slow path of [`make_room`](Parser::make_room).
    #[cold]
    fn grow(&mut self, which: Buf, additional: usize) {
        let (len, capacity) = self.size_of(which);
        let needed = len.saturating_add(additional);
        let target = needed.max(capacity.saturating_mul(2).min(self.max_buffer));
        let others = self.capacity_total().saturating_sub(capacity);
        if others.saturating_add(target) > self.budget() {
            self.release_spare(Some(which));
        }
        let more = target.saturating_sub(len);
        match which {
            Buf::Line => self.line.reserve_exact(more),
            Buf::Data => self.data.reserve_exact(more),
            Buf::Type => self.event_type.reserve_exact(more),
            Buf::Id => self.id_buffer.reserve_exact(more),
            Buf::Scratch => self.scratch.reserve_exact(more),
        }
    }

    /// What the buffers' capacities may add up to before the ones not
    /// growing give back their spare capacity: twice the limit.
    fn budget(&self) -> usize {
        self.max_buffer.saturating_mul(2)
    }

    fn capacity_total(&self) -> usize {
        [
            self.line.capacity(),
            self.data.capacity(),
            self.event_type.capacity(),
            self.id_buffer.capacity(),
            self.scratch.capacity(),
            self.last_event_id.capacity(),
        ]
        .iter()
        .fold(0, |total, capacity| total.saturating_add(*capacity))
    }

    /// Shrinks every buffer but `except` to its length or 64 KiB, whichever
    /// is more (the scratch buffer and a stale id buffer count as empty).
    fn release_spare(&mut self, except: Option<Buf>) {
        let keep = |buf: Buf| except != Some(buf);
        if keep(Buf::Line) {
            self.line.shrink_to(KEEP);
        }
        if keep(Buf::Data) {
            self.data.shrink_to(KEEP);
        }
        if keep(Buf::Type) {
            self.event_type.shrink_to(KEEP);
        }
        if keep(Buf::Id) {
            if !self.id_pending {
                self.id_buffer.clear();
            }
            self.id_buffer.shrink_to(KEEP);
        }
        if keep(Buf::Scratch) {
            self.scratch.clear();
            self.scratch.shrink_to(KEEP);
        }
        self.last_event_id.shrink_to(KEEP);
    }

    fn feed_chunk<S: Sink + ?Sized>(
        &mut self,
        chunk: &[u8],
        sink: &mut S,
    ) -> Result<(), ParseError> {
        let mut rest = chunk;
        if let Some(matched) = self.bom_matched {
            match self.strip_bom(rest, matched)? {
                Some(after_bom) => rest = after_bom,
                None => return Ok(()),
            }
        }
        if self.pending_cr {
            if let Some((&first, after)) = rest.split_first() {
                self.pending_cr = false;
                if first == b'\n' {
                    // [spec] CRLF is one line ending, even split across chunks.
                    rest = after;
                }
            }
        }
        self.feed_lines(rest, sink)
    }

    /// Handles the leading byte order mark, which may arrive over several
    /// chunks. Returns the rest of `chunk` to parse, or `None` if the whole
    /// chunk is (so far) a prefix of the BOM and is held back.
    fn strip_bom<'c>(
        &mut self,
        chunk: &'c [u8],
        matched: usize,
    ) -> Result<Option<&'c [u8]>, ParseError> {
        let wanted = BOM.get(matched..).unwrap_or_default();
        let common = wanted
            .iter()
            .zip(chunk)
            .take_while(|(want, got)| want == got)
            .count();
        if common == wanted.len() {
            // [spec] One leading U+FEFF is skipped.
            self.bom_matched = None;
            return Ok(chunk.get(common..));
        }
        if common == chunk.len() {
            self.bom_matched = Some(matched + common);
            return Ok(None);
        }
        // Not a BOM: the bytes held back so far are ordinary content (they
        // hold no line ending, so they start the first line).
        self.bom_matched = None;
        self.buffer_line(BOM.get(..matched).unwrap_or_default())?;
        Ok(Some(chunk))
    }

    /// Keeps `part`, the start (or more) of a line whose end has not arrived,
    /// if the line so far fits within the limit.
    fn buffer_line(&mut self, part: &[u8]) -> Result<(), ParseError> {
        let received = self.line_skipped.saturating_add(self.line.len());
        self.check(received.saturating_add(part.len()))?;
        // A data line's value gets room for the LF the data buffer adds.
        let lf = usize::from(self.line_skipped > 0);
        self.make_room(Buf::Line, part.len().saturating_add(lf));
        self.line.extend_from_slice(part);
        Ok(())
    }

    /// Starts buffering a line that the chunk ends inside of. When it is a
    /// `data` line whose field name, colon and (optional) space are all
    /// there, only its value is stored (see `line_skipped`).
    fn start_line(&mut self, part: &[u8]) -> Result<(), ParseError> {
        let skip = match part {
            [b'd', b'a', b't', b'a', b':', b' ', ..] => 6,
            [b'd', b'a', b't', b'a', b':', _, ..] => 5,
            _ => 0,
        };
        // (`buffer_line` counts the skipped bytes: the limit sees the whole line.)
        self.line_skipped = skip;
        self.buffer_line(part.get(skip..).unwrap_or_default())
    }

    /// A line carried over from earlier chunks has ended: processes it.
    fn end_line<S: Sink + ?Sized>(&mut self, sink: &mut S) -> Result<(), ParseError> {
        if self.line_skipped > 0 {
            self.line_skipped = 0;
            return self.end_data_line();
        }
        let line = mem::take(&mut self.line);
        let processed = self.process_line(&line, None, sink);
        self.line = line;
        self.line.clear();
        processed
    }

    /// A `data` line carried over from earlier chunks has ended; `line`
    /// holds its value. The first `data` value of an event, valid UTF-8,
    /// becomes the data buffer as it is (the two buffers swap allocations):
    /// a long value is not copied again.
    fn end_data_line(&mut self) -> Result<(), ParseError> {
        if self.data.is_empty() {
            let line = mem::take(&mut self.line);
            match String::from_utf8(line) {
                Ok(mut value) => {
                    // [spec] `data`: append the value and an LF to the data
                    // buffer. (It fits: the line, counted with its field
                    // name, did.)
                    value.push('\n');
                    self.held += value.len();
                    self.line = mem::replace(&mut self.data, value).into_bytes();
                    return Ok(());
                }
                Err(error) => self.line = error.into_bytes(),
            }
        }
        let line = mem::take(&mut self.line);
        let appended = self.append_data(Value::suffix(&line, None, &line));
        self.line = line;
        self.line.clear();
        appended
    }

    /// Splits `chunk` into lines and processes them.
    fn feed_lines<S: Sink + ?Sized>(
        &mut self,
        chunk: &[u8],
        sink: &mut S,
    ) -> Result<(), ParseError> {
        let mut rest = chunk;

        // A line carried over from earlier chunks ends at the first line
        // ending of this one.
        if !self.line.is_empty() || self.line_skipped > 0 {
            let Some((head, tail)) = find_line_end(rest) else {
                return self.buffer_line(rest);
            };
            self.buffer_line(head)?;
            self.end_line(sink)?;
            // While the line was processed its buffer was out of sight of
            // `make_room`: apply the budget now.
            if self.capacity_total() > self.budget() {
                self.release_spare(None);
            }
            rest = self.skip_line_end(tail);
        }

        // The complete lines of the chunk are checked for valid UTF-8 in one
        // pass; `text` is the valid part, and it moves along with `rest`.
        // Lines inside it are used as `&str` without further checks; lines
        // after an invalid byte are decoded one by one.
        let lines_len = memrchr2(b'\n', b'\r', rest).map_or(0, |last| last + 1);
        let mut text = valid_prefix(rest.get(..lines_len).unwrap_or_default());

        // Lines that lie wholly inside the chunk are read in place. The value
        // of an event's first `data` line is not even copied: `borrowed`
        // stands for a data buffer holding that value and an LF (counted in
        // `held`), and is only copied into `self.data` if a second
        // `data` line arrives or the chunk ends first.
        let mut borrowed: Option<Value<'_>> = None;
        while let Some((line, tail)) = find_line_end(rest) {
            let line_text = text.get(..line.len());
            if line.is_empty() {
                // Nothing to check: after every line, what is held fits.
                self.dispatch(borrowed.take(), sink);
            } else if let Some(value) = data_value(line) {
                self.check(line.len())?;
                let value = Value::suffix(line, line_text, value);
                if let Some(earlier) = borrowed.take() {
                    self.held -= earlier.len + 1;
                    self.append_data(earlier)?;
                    self.append_data(value)?;
                } else if self.data.is_empty() {
                    let added = value.len.saturating_add(1);
                    self.check_value(&value, added)?;
                    self.held += added;
                    borrowed = Some(value);
                } else {
                    self.append_data(value)?;
                }
            } else {
                self.check(line.len())?;
                self.process_line(line, line_text, sink)?;
            }
            let after = self.skip_line_end(tail);
            text = text.get(rest.len() - after.len()..).unwrap_or_default();
            rest = after;
        }
        if let Some(value) = borrowed {
            self.held -= value.len + 1;
            self.append_data(value)?;
        }
        if rest.is_empty() {
            return Ok(());
        }
        self.start_line(rest)
    }

    /// Skips the line ending at the start of `tail` (CR, LF or CRLF) and
    /// returns what follows. A CR that ends the chunk may be the first half
    /// of a CRLF: the next chunk's leading LF is then skipped.
    fn skip_line_end<'c>(&mut self, tail: &'c [u8]) -> &'c [u8] {
        match tail {
            [b'\r', b'\n', after @ ..] => after,
            [b'\r'] => {
                self.pending_cr = true;
                &[]
            }
            [_, after @ ..] => after,
            [] => tail,
        }
    }

    /// Processes one complete line (without its line ending). `line_text`
    /// is the same line as `&str` if it is known to be valid UTF-8.
    fn process_line<S: Sink + ?Sized>(
        &mut self,
        line: &[u8],
        line_text: Option<&str>,
        sink: &mut S,
    ) -> Result<(), ParseError> {
        // [spec] A blank line dispatches the event.
        let Some((name, value)) = split_field(line) else {
            self.dispatch(None, sink);
            return Ok(());
        };
        match name {
            // [spec] A line starting with a colon is a comment: ignored, or
            // reported when asked (non-standard, for heartbeat observers).
            b"" if !self.comments => {}
            b"" => {
                let value = Value::suffix(line, line_text, value);
                // Its decoded text is held while the sink reads it.
                self.check_value(&value, value.len)?;
                if value.text.is_none() {
                    self.scratch.clear();
                    self.make_room(Buf::Scratch, value.len);
                }
                sink.on_comment(value.decode(&mut self.scratch));
            }
            // [spec] `data`: append the value and an LF to the data buffer.
            b"data" => self.append_data(Value::suffix(line, line_text, value))?,
            // [spec] `event`: set the event type buffer to the value.
            b"event" => {
                let value = Value::suffix(line, line_text, value);
                self.held -= self.event_type.len();
                self.event_type.clear();
                self.check_value(&value, value.len)?;
                self.make_room(Buf::Type, value.len);
                value.push_to(&mut self.event_type);
                self.held += value.len;
            }
            // [spec] `id`: set the last event ID buffer to the value, unless
            // the value contains U+0000; then the field is ignored (below).
            // A NUL byte is U+0000 and never part of a longer sequence.
            b"id" if memchr(0, value).is_none() => {
                let value = Value::suffix(line, line_text, value);
                self.drop_pending_id();
                self.check_value(&value, value.len)?;
                self.id_buffer.clear();
                self.make_room(Buf::Id, value.len);
                value.push_to(&mut self.id_buffer);
                self.id_pending = true;
                self.held += value.len;
            }
            // [spec] `retry`: only a value of ASCII digits sets the
            // reconnection time; anything else is ignored.
            b"retry" => {
                // The parser only reports it: the connection owns the
                // reconnection time (`Connection::on_retry_field`).
                if let Some(millis) = parse_retry(value) {
                    sink.on_retry(millis);
                }
            }
            // [spec] Any other field is ignored.
            _ => {}
        }
        Ok(())
    }

    /// Appends a `data` value and an LF to the data buffer, if they fit.
    fn append_data(&mut self, value: Value<'_>) -> Result<(), ParseError> {
        let added = value.len.saturating_add(1);
        self.check_value(&value, added)?;
        self.make_room(Buf::Data, added);
        value.push_to(&mut self.data);
        self.data.push('\n');
        self.held += added;
        Ok(())
    }

    /// Dispatches the event, following the spec's steps. `borrowed`, if set,
    /// is the single `data` value of the event, not copied into `self.data`.
    fn dispatch<S: Sink + ?Sized>(&mut self, borrowed: Option<Value<'_>>, sink: &mut S) {
        // [spec] 1. The last event ID buffer becomes the last event ID string
        // (whether or not an event is dispatched). Swapping moves the value
        // without a copy; `id_buffer` keeps the old allocation as spare.
        if self.id_pending {
            mem::swap(&mut self.last_event_id, &mut self.id_buffer);
            self.id_pending = false;
            self.id_unreported = true;
        }
        // [spec] 5. (below) clears the rest.
        self.held = 0;
        // [spec] 2. An empty data buffer means no event: clear the buffers.
        // [spec] 3. Otherwise, drop the data buffer's final LF.
        let data = match borrowed {
            Some(Value {
                text: Some(text), ..
            }) => text,
            Some(value) => {
                // Invalid UTF-8: decoded into the (empty) data buffer, whose
                // size was checked when the value was borrowed.
                self.make_room(Buf::Data, value.len);
                value.push_to(&mut self.data);
                self.data.as_str()
            }
            None => match self.data.strip_suffix('\n') {
                Some(data) => data,
                None => {
                    self.event_type.clear();
                    return;
                }
            },
        };
        // [spec] 4. The type is the event type buffer, or "message" if empty.
        let event_type = if self.event_type.is_empty() {
            DEFAULT_EVENT_TYPE
        } else {
            &self.event_type
        };
        sink.on_event(Event {
            event_type,
            data,
            last_event_id: &self.last_event_id,
            id_changed: self.id_unreported,
        });
        self.id_unreported = false;
        // [spec] 5. Clear the data buffer and the event type buffer.
        self.data.clear();
        self.event_type.clear();
    }
}

/// Finds the first line ending (CR or LF) in `bytes` and splits there: the
/// line before it, and the rest starting with the line ending.
fn find_line_end(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    match bytes.first()? {
        // A blank line (every event ends with one) needs no search.
        b'\n' | b'\r' => Some((&[], bytes)),
        _ => memchr2(b'\n', b'\r', bytes).and_then(|end| bytes.split_at_checked(end)),
    }
}

/// Splits a line into field name and value. `None` for a blank line; a
/// comment gives an empty name and the text after the colon, minus one
/// leading space like a field value (what [`Sink::on_comment`] receives).
///
/// Per the spec, the name is everything before the first colon; the value is
/// everything after it, minus one leading space if there is one. A line
/// without a colon is a field name with an empty value.
fn split_field(line: &[u8]) -> Option<(&[u8], &[u8])> {
    if line.is_empty() {
        return None;
    }
    let Some(colon) = memchr(b':', line) else {
        return Some((line, &[]));
    };
    let (name, colon_and_value) = line.split_at_checked(colon)?;
    let value = colon_and_value.get(1..).unwrap_or_default();
    Some((name, value.strip_prefix(b" ").unwrap_or(value)))
}

/// The value of a `data` field line, or `None` for any other line. A cheap
/// test used on lines that lie inside the current chunk.
fn data_value(line: &[u8]) -> Option<&[u8]> {
    match line.strip_prefix(b"data")? {
        [] => Some(&[]),
        [b':', b' ', value @ ..] | [b':', value @ ..] => Some(value),
        _ => None,
    }
}

/// Per the spec, a `retry` value counts only if it is a non-empty run of ASCII
/// digits (no sign, no spaces). Values too large for `u64` saturate.
fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(value.iter().fold(0u64, |millis, &digit| {
        millis
            .saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    }))
}

/// A field value: its bytes, the same as `&str` when they are valid UTF-8,
/// and its length once decoded.
#[derive(Clone, Copy)]
struct Value<'a> {
    bytes: &'a [u8],
    /// `Some` exactly when `bytes` are valid UTF-8.
    text: Option<&'a str>,
    /// The length of the decoded value: what storing it takes.
    len: usize,
}

impl<'a> Value<'a> {
    /// `value`, a suffix of `line`, with its text cut from `line_text` (the
    /// line as `&str`, if known to be valid) or else checked here.
    fn suffix(line: &[u8], line_text: Option<&'a str>, value: &'a [u8]) -> Self {
        let start = line.len() - value.len();
        let text = line_text
            .and_then(|text| text.get(start..))
            .or_else(|| core::str::from_utf8(value).ok());
        let len = match text {
            Some(text) => text.len(),
            None => lossy_len(value),
        };
        Self {
            bytes: value,
            text,
            len,
        }
    }

    /// The value as text, decoded as by [`push_to`](Value::push_to); uses
    /// `scratch` for the result only if the bytes are invalid UTF-8.
    fn decode(self, scratch: &'a mut String) -> &'a str {
        match self.text {
            Some(text) => text,
            None => {
                scratch.clear();
                push_lossy(scratch, self.bytes);
                scratch
            }
        }
    }

    /// Appends the value to `out`, replacing invalid UTF-8 with U+FFFD as the
    /// WHATWG "UTF-8 decode" does (one per maximal invalid subpart).
    ///
    /// Decoding value by value equals decoding the whole stream: CR and LF
    /// are ASCII, so they never sit inside a multi-byte sequence, and they end
    /// an incomplete one the same way in both cases; so are the colon and the
    /// space that end a field name.
    fn push_to(self, out: &mut String) {
        match self.text {
            Some(text) => out.push_str(text),
            None => push_lossy(out, self.bytes),
        }
    }
}

/// The longest prefix of `bytes` that is valid UTF-8.
fn valid_prefix(bytes: &[u8]) -> &str {
    match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => bytes
            .get(..error.valid_up_to())
            .and_then(|valid| core::str::from_utf8(valid).ok())
            .unwrap_or_default(),
    }
}

fn push_lossy(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
}

/// The length of `bytes` decoded by [`push_lossy`].
fn lossy_len(bytes: &[u8]) -> usize {
    bytes.utf8_chunks().fold(0, |len, chunk| {
        let replacement = if chunk.invalid().is_empty() {
            0
        } else {
            char::REPLACEMENT_CHARACTER.len_utf8()
        };
        len.saturating_add(chunk.valid().len())
            .saturating_add(replacement)
    })
}
