//! The JSON the server writes (echoes, logs, chat) and reads (chat request bodies), by
//! `serde_json`. The one shape of our own is [`Latin1`]: raw request bytes written so a
//! test can read back exactly which bytes arrived.

use serde::ser::{Serialize, Serializer};

/// Raw bytes as a JSON string, one character per byte: byte `b` becomes U+00`b`. So the
/// UTF-8 bytes C3 A9 of "é" come out as the two characters `"\u00c3\u00a9"` (written
/// escaped or as UTF-8: JSON makes no difference), and tests can check the exact bytes.
pub struct Latin1<'a>(pub &'a [u8]);

impl Serialize for Latin1<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.iter().map(|&b| char::from(b)).collect::<String>())
    }
}

/// A header list as a JSON object: names lowercased, in order of first appearance,
/// repeated headers joined with ", ", values written as [`Latin1`].
pub struct Headers<'a>(pub &'a [(String, Vec<u8>)]);

impl Serialize for Headers<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut merged: Vec<(String, Vec<u8>)> = Vec::new();
        for (name, value) in self.0 {
            let lower = name.to_ascii_lowercase();
            match merged.iter_mut().find(|(n, _)| *n == lower) {
                Some((_, v)) => {
                    v.extend_from_slice(b", ");
                    v.extend_from_slice(value);
                }
                None => merged.push((lower, value.clone())),
            }
        }
        s.collect_map(merged.iter().map(|(n, v)| (n, Latin1(v))))
    }
}

/// A request as the echo and the logs show it.
#[derive(serde::Serialize)]
pub struct RequestJson<'a> {
    /// The request method.
    pub method: &'a str,
    /// The request target, byte for byte.
    pub path: Latin1<'a>,
    /// The request headers.
    pub headers: Headers<'a>,
    /// The body, decoded as UTF-8 (lossy).
    pub body: String,
}

impl<'a> RequestJson<'a> {
    /// The JSON view of a request's parts.
    pub fn new(
        method: &'a str,
        target: &'a [u8],
        headers: &'a [(String, Vec<u8>)],
        body: &[u8],
    ) -> Self {
        RequestJson {
            method,
            path: Latin1(target),
            headers: Headers(headers),
            body: String::from_utf8_lossy(body).into_owned(),
        }
    }
}

/// `value` as compact JSON text. Serialising our own types and strings cannot fail
/// (no maps with non-string keys, no failing `Serialize` impls); `null` if it ever did.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes() {
        assert_eq!(to_string("a\"\\\n\u{1}é"), "\"a\\\"\\\\\\n\\u0001é\"");
        let latin1 = to_string(&Latin1(b"x\"\\\xc3\xa9\x00\x7f"));
        let back: String = serde_json::from_str(&latin1).unwrap();
        assert_eq!(back, "x\"\\\u{c3}\u{a9}\u{0}\u{7f}");
        let headers = [
            ("A".into(), b"1".to_vec()),
            ("b".into(), b"2".to_vec()),
            ("a".into(), b"3".to_vec()),
        ];
        assert_eq!(to_string(&Headers(&headers)), r#"{"a":"1, 3","b":"2"}"#);
    }
}
