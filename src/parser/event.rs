//! What the parser reports: [`Event`], the [`Sink`] trait, and owned copies for tests.

use core::fmt;

/// One dispatched event, borrowed from the parser's buffers.
///
/// It lives only for the duration of [`Sink::on_event`]; turn it into an
/// [`OwnedEvent`] (`OwnedEvent::from(event)`) to keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// The event type: the last `event` field's value, or `"message"` when that
    /// value was empty or the event had no `event` field.
    pub event_type: &'a str,
    /// The `data` field values joined with `"\n"` (the final line feed removed).
    pub data: &'a str,
    /// The stream's last event ID string as set by this dispatch (the value of
    /// the most recent `id` field, which persists across events).
    pub last_event_id: &'a str,
    /// Whether `last_event_id` may differ from the previous event's (the
    /// previous one this parser reported, to any sink): true for the first
    /// event, and after an `id` field was committed or
    /// [`Parser::set_last_event_id`](super::Parser::set_last_event_id) was
    /// called, even if the value is the same. When false the ID is the same
    /// string as before, so a sink that kept it need not compare or copy it:
    /// an unchanged ID costs nothing per event, however long it is.
    pub id_changed: bool,
}

/// Receives what the parser finds while it is being fed.
///
/// Only [`on_event`](Sink::on_event) is required; the other callbacks do
/// nothing by default.
pub trait Sink {
    /// An event was dispatched (a blank line ended an event with data).
    fn on_event(&mut self, event: Event<'_>);

    /// A `retry` field with a valid value (ASCII digits only) set the
    /// reconnection time, in milliseconds. Values too large for a `u64`
    /// saturate to `u64::MAX`.
    fn on_retry(&mut self, millis: u64) {
        let _ = millis;
    }

    /// A comment line (one starting with `:`) was seen, and the parser
    /// [reports comments](super::Parser::reports_comments) (off by default).
    /// `text` is everything after the colon minus one leading space, decoded
    /// like a field value: `: hello` gives `"hello"`, `:` and `: ` give `""`,
    /// `:  two` gives `" two"`.
    fn on_comment(&mut self, text: &str) {
        let _ = text;
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn on_event(&mut self, event: Event<'_>) {
        (**self).on_event(event);
    }

    fn on_retry(&mut self, millis: u64) {
        (**self).on_retry(millis);
    }

    fn on_comment(&mut self, text: &str) {
        (**self).on_comment(text);
    }
}

/// An owned copy of an [`Event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedEvent {
    /// See [`Event::event_type`].
    pub event_type: String,
    /// See [`Event::data`].
    pub data: String,
    /// See [`Event::last_event_id`].
    pub last_event_id: String,
}

impl From<Event<'_>> for OwnedEvent {
    fn from(event: Event<'_>) -> Self {
        Self {
            event_type: event.event_type.to_owned(),
            data: event.data.to_owned(),
            last_event_id: event.last_event_id.to_owned(),
        }
    }
}

/// One [`Sink`] callback as a value: what a `Vec<Item>` collects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// From [`Sink::on_event`].
    Event(OwnedEvent),
    /// From [`Sink::on_retry`].
    Retry(u64),
    /// From [`Sink::on_comment`].
    Comment(String),
}

/// Collects every callback, in order. Handy for tests and simple callers.
impl Sink for Vec<Item> {
    fn on_event(&mut self, event: Event<'_>) {
        self.push(Item::Event(event.into()));
    }

    fn on_retry(&mut self, millis: u64) {
        self.push(Item::Retry(millis));
    }

    fn on_comment(&mut self, text: &str) {
        self.push(Item::Comment(text.to_owned()));
    }
}

/// The parser's only hard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// What the parser would hold for the event being received passed its
    /// limit: the line being received (as received) or the line's decoded
    /// value, plus the decoded data, event type and uncommitted id buffers
    /// (see [`Parser::max_buffer`](super::Parser::max_buffer)). The event is
    /// dropped, and the parser stays failed until
    /// [`Parser::reset`](super::Parser::reset).
    BufferLimitExceeded {
        /// The limit in force, in bytes.
        limit: usize,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferLimitExceeded { limit } => write!(
                f,
                "event stream buffer limit exceeded: the event being received needs more than {limit} bytes"
            ),
        }
    }
}

impl std::error::Error for ParseError {}
