//! The parser test vectors in `tests/vectors/`, compiled in, and the checks
//! every test suite runs on them.
//!
//! Dependency-free and free of `std::fs`, so that both the native suite
//! (`tests/parser_vectors.rs`) and the wasm suite can include this file with
//! `#[path = "common/vectors.rs"] mod vectors;` and run the same checks.
//! `tests/vectors/README.md` describes the file format.
#![allow(dead_code)]

use eventsource_wasm::parser::{Item, OwnedEvent, Parser};

/// One vector: exact input bytes and the expected items as JSON text.
#[derive(Debug, Clone, Copy)]
pub struct Vector {
    /// The file stem in `tests/vectors/`.
    pub name: &'static str,
    /// The contents of `<name>.sse`.
    pub input: &'static [u8],
    /// The contents of `<name>.json`.
    pub expected: &'static str,
}

macro_rules! vector {
    ($name:literal) => {
        Vector {
            name: $name,
            input: include_bytes!(concat!("../vectors/", $name, ".sse")),
            expected: include_str!(concat!("../vectors/", $name, ".json")),
        }
    };
}

/// Every vector in `tests/vectors/` (the native suite checks that this list
/// matches the directory).
pub const VECTORS: &[Vector] = &[
    vector!("blank-lines-only-dispatch-once-cr"),
    vector!("blank-lines-only-dispatch-once-crlf"),
    vector!("blank-lines-only-dispatch-once-lf"),
    vector!("bom"),
    vector!("bom-after-start-is-content"),
    vector!("bom-only"),
    vector!("bom-prefix-is-not-a-bom"),
    vector!("bom-then-blank-line"),
    vector!("bom-twice-poisons-first-field"),
    vector!("comment-only-block-dispatches-nothing"),
    vector!("comments"),
    vector!("comment-one-space-stripped"),
    vector!("comments-inside-an-event-change-nothing"),
    vector!("comment-after-bom"),
    vector!("comment-line-endings"),
    vector!("comment-at-eof-without-line-end"),
    vector!("control-characters-kept"),
    vector!("data-leading-space"),
    vector!("data-with-colons"),
    vector!("empty-data-lines-cr"),
    vector!("empty-data-lines-crlf"),
    vector!("empty-data-lines-lf"),
    vector!("empty-stream"),
    vector!("eof-after-cr"),
    vector!("eof-discards-incomplete-event"),
    vector!("eof-discards-partial-line"),
    vector!("eof-inside-crlf-pair"),
    vector!("eof-without-blank-line"),
    vector!("event-type"),
    vector!("event-type-after-data"),
    vector!("event-type-message-explicit"),
    vector!("field-name-spaces-are-kept"),
    vector!("field-names-are-case-sensitive"),
    vector!("field-without-colon"),
    vector!("fields-cr"),
    vector!("fields-crlf"),
    vector!("fields-lf"),
    vector!("id-after-data-in-same-event"),
    vector!("id-committed-without-data"),
    vector!("id-keeps-extra-spaces"),
    vector!("id-persists"),
    vector!("id-reset"),
    vector!("id-with-nul-ignored"),
    vector!("invalid-utf8"),
    vector!("invalid-utf8-in-names-and-values"),
    vector!("lf-then-cr-is-two-line-endings"),
    vector!("line-ending-pairs"),
    vector!("mixed-line-endings"),
    vector!("multibyte"),
    vector!("nul-in-data-and-event"),
    vector!("retry-bogus"),
    vector!("retry-does-not-end-event"),
    vector!("retry-overflow-saturates"),
    vector!("retry-valid"),
    vector!("truncated-utf8"),
    vector!("unknown-fields-ignored"),
    vector!("wpt-style-field-parsing"),
];

/// Runs one vector: the input fed whole, byte by byte, and split in two at
/// every position, each to a fresh parser followed by `finish()`. Every run
/// must report exactly the expected items.
pub fn check_vector(name: &str, input: &[u8], expected: &str) -> Result<(), String> {
    let expected = parse_expected(expected).map_err(|e| format!("{name}.json: {e}"))?;
    let compare = |how: &str, got: Vec<Item>| {
        if got == expected {
            Ok(())
        } else {
            Err(format!(
                "{name}: fed {how}:\n  expected {expected:?}\n       got {got:?}"
            ))
        }
    };
    compare("whole", parse_chunks(&[input]))?;
    // Comments not asked for: the same items without the comments.
    let without: Vec<Item> = expected
        .iter()
        .filter(|item| !matches!(item, Item::Comment(_)))
        .cloned()
        .collect();
    let got = parse_chunks_with(&[input], false);
    if got != without {
        return Err(format!(
            "{name}: fed whole, comments off:\n  expected {without:?}\n       got {got:?}"
        ));
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    compare("byte by byte", parse_chunks(&bytes))?;
    for at in 0..=input.len() {
        let (head, tail) = input.split_at(at);
        compare(&format!("split at {at}"), parse_chunks(&[head, tail]))?;
    }
    Ok(())
}

/// Runs [`check_vector`] on every vector and reports all failures at once.
pub fn check_all() -> Result<usize, String> {
    let failures: Vec<String> = VECTORS
        .iter()
        .filter_map(|v| check_vector(v.name, v.input, v.expected).err())
        .collect();
    if failures.is_empty() {
        Ok(VECTORS.len())
    } else {
        Err(failures.join("\n"))
    }
}

/// Feeds `chunks` to a fresh parser that reports comments, then calls
/// `finish()`, and returns what it reported.
pub fn parse_chunks(chunks: &[&[u8]]) -> Vec<Item> {
    parse_chunks_with(chunks, true)
}

/// [`parse_chunks`] with comments reported or not.
pub fn parse_chunks_with(chunks: &[&[u8]], comments: bool) -> Vec<Item> {
    let mut parser = Parser::new().with_comments(comments);
    let mut items = Vec::new();
    for chunk in chunks {
        if let Err(error) = parser.feed(chunk, &mut items) {
            // The vectors stay far below the default limit.
            items.push(Item::Comment(format!("unexpected error: {error}")));
            break;
        }
    }
    parser.finish();
    items
}

/// Reads an expected-items file: a JSON array of objects, each one of
/// `{"type":"event","event":T,"data":D,"id":I}`, `{"type":"retry","value":N}`
/// or `{"type":"comment","text":C}`.
pub fn parse_expected(json: &str) -> Result<Vec<Item>, String> {
    let mut reader = Json { text: json, pos: 0 };
    let value = reader.value()?;
    reader.skip_space();
    if reader.pos != json.len() {
        return Err(reader.error("trailing characters"));
    }
    let Value::Array(values) = value else {
        return Err("expected a JSON array".into());
    };
    values.into_iter().map(item).collect()
}

fn item(value: Value) -> Result<Item, String> {
    let Value::Object(fields) = value else {
        return Err(format!("expected an object, found {value:?}"));
    };
    let get = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let string = |key: &str| match get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        other => Err(format!("{key:?}: expected a string, found {other:?}")),
    };
    let keys = |allowed: &[&str]| match fields.iter().find(|(k, _)| !allowed.contains(&k.as_str()))
    {
        Some((k, _)) => Err(format!("unexpected key {k:?}")),
        None => Ok(()),
    };
    match string("type")?.as_str() {
        "event" => {
            keys(&["type", "event", "data", "id"])?;
            Ok(Item::Event(OwnedEvent {
                event_type: string("event")?,
                data: string("data")?,
                last_event_id: string("id")?,
            }))
        }
        "retry" => {
            keys(&["type", "value"])?;
            match get("value") {
                Some(Value::Number(n)) => Ok(Item::Retry(*n)),
                other => Err(format!("\"value\": expected a number, found {other:?}")),
            }
        }
        "comment" => {
            keys(&["type", "text"])?;
            Ok(Item::Comment(string("text")?))
        }
        other => Err(format!("unknown item type {other:?}")),
    }
}

/// The JSON subset the vectors use: no floats, no negative numbers.
#[derive(Debug)]
enum Value {
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
    String(String),
    Number(u64),
}

struct Json<'a> {
    text: &'a str,
    pos: usize,
}

impl Json<'_> {
    fn error(&self, what: &str) -> String {
        format!("{what} at byte {}", self.pos)
    }

    fn peek(&self) -> Option<char> {
        self.text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, wanted: char) -> Result<(), String> {
        self.skip_space();
        match self.next() {
            Some(c) if c == wanted => Ok(()),
            _ => Err(self.error(&format!("expected {wanted:?}"))),
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.skip_space();
        match self.peek() {
            Some('[') => {
                self.pos += 1;
                let mut values = Vec::new();
                self.skip_space();
                if self.peek() == Some(']') {
                    self.pos += 1;
                    return Ok(Value::Array(values));
                }
                loop {
                    values.push(self.value()?);
                    self.skip_space();
                    match self.next() {
                        Some(',') => {}
                        Some(']') => return Ok(Value::Array(values)),
                        _ => return Err(self.error("expected ',' or ']'")),
                    }
                }
            }
            Some('{') => {
                self.pos += 1;
                let mut fields = Vec::new();
                self.skip_space();
                if self.peek() == Some('}') {
                    self.pos += 1;
                    return Ok(Value::Object(fields));
                }
                loop {
                    self.skip_space();
                    let key = self.string()?;
                    self.expect(':')?;
                    fields.push((key, self.value()?));
                    self.skip_space();
                    match self.next() {
                        Some(',') => {}
                        Some('}') => return Ok(Value::Object(fields)),
                        _ => return Err(self.error("expected ',' or '}'")),
                    }
                }
            }
            Some('"') => self.string().map(Value::String),
            Some('0'..='9') => {
                let mut n: u64 = 0;
                while let Some(c) = self.peek().and_then(|c| c.to_digit(10)) {
                    n = n
                        .checked_mul(10)
                        .and_then(|n| n.checked_add(u64::from(c)))
                        .ok_or_else(|| self.error("number too large"))?;
                    self.pos += 1;
                }
                Ok(Value::Number(n))
            }
            _ => Err(self.error("expected a value")),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        if self.next() != Some('"') {
            return Err(self.error("expected a string"));
        }
        let mut out = String::new();
        loop {
            match self.next() {
                None => return Err(self.error("unterminated string")),
                Some('"') => return Ok(out),
                Some('\\') => {
                    let c = match self.next() {
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('/') => '/',
                        Some('b') => '\u{8}',
                        Some('f') => '\u{c}',
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some('u') => self.unicode_escape()?,
                        _ => return Err(self.error("bad escape")),
                    };
                    out.push(c);
                }
                Some(c) if c < ' ' => return Err(self.error("control character in string")),
                Some(c) => out.push(c),
            }
        }
    }

    /// After `\u`: four hex digits, or a surrogate pair written as two escapes.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if self.next() != Some('\\') || self.next() != Some('u') {
                return Err(self.error("unpaired surrogate"));
            }
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error("unpaired surrogate"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid code point"))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self
                .next()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| self.error("bad \\u escape"))?;
            code = code * 16 + digit;
        }
        Ok(code)
    }
}
