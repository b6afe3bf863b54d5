//! `/stream` workloads: deterministic event streams for the demo and the benchmarks.
//!
//! Every workload is `count` events (`i` = 0, 1, …, count − 1) followed by
//! `event: done\ndata: <count>\n\n`. Filler text comes from
//!
//! ```text
//! ALPHA   = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  (62 chars)
//! fill(seed, len)[j] = ALPHA[(seed + j) % 62]            for j in 0..len
//! ```
//!
//! | gen        | event `i` on the wire                                           | data seen by the client |
//! |------------|-----------------------------------------------------------------|-------------------------|
//! | `tiny`     | `data: <i, zero-padded to 6 digits>\n\n`                        | `000042`                |
//! | `kb`       | `id: <i>\ndata: <fill(i, 1024)>\n\n`                            | 1024 chars              |
//! | `big`      | `data: <fill(i, 262144)>\n\n`                                   | 262144 chars, one line  |
//! | `biglines` | for k in 0..2048: `data: <fill(i + k, 127)>\n`; then `\n`       | the 2048 lines joined by `\n` |
//! | `mixed`    | see below (CRLF line ends, comment, id, `event: tick`)          | `"<i> " + U×(i%7+1) + "\n" + V + "<i>"` |
//!
//! `mixed`, with `U = "é漢字🎉"` and `V = "🎉漢字é"` (multi-byte UTF-8: most write
//! boundaries fall inside a character, whatever `chunk` is; small `chunk`s such as 1, 3
//! or 7 split nearly all of them):
//!
//! ```text
//! : hb\r\n
//! id: <i>\r\n
//! event: tick\r\n
//! data: <i> <U repeated i%7+1 times>\r\n
//! data:<V><i>\r\n
//! \r\n
//! ```
//!
//! Only `kb` and `mixed` carry ids (last id = count − 1). The check values reported by
//! `/stream/info` (and computable on the client): `events` = count; `data_bytes` = the
//! summed UTF-8 length of every event's data; `fnv1a32` = 32-bit FNV-1a (offset basis
//! 0x811c9dc5, prime 0x01000193) over, for each event in order, the UTF-8 bytes of its
//! data followed by one 0x0A byte. The final `done` event is not included in any of them.
//!
//! `clock` is not pre-generated (see `routes`): `id: <i>\ndata: {"i":<i>,"t":<unix ms>}\n\n`
//! every `interval` ms.

/// Generators with a fixed, cacheable body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gen {
    /// `data: 000000` events.
    Tiny,
    /// 1 KiB events with ids.
    Kb,
    /// 256 KiB single-line events.
    Big,
    /// 2048-line events.
    BigLines,
    /// CRLF, comments, ids, event types and multi-byte UTF-8.
    Mixed,
}

/// Largest generated body; larger requests are refused.
pub const MAX_WORKLOAD: u64 = 512 << 20;

const ALPHA: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const U: &str = "é漢字🎉";
const V: &str = "🎉漢字é";

impl Gen {
    /// The generator named `name` (`tiny`, `kb`, `big`, `biglines`, `mixed`).
    pub fn parse(name: &str) -> Option<Gen> {
        Some(match name {
            "tiny" => Gen::Tiny,
            "kb" => Gen::Kb,
            "big" => Gen::Big,
            "biglines" => Gen::BigLines,
            "mixed" => Gen::Mixed,
            _ => return None,
        })
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Gen::Tiny => "tiny",
            Gen::Kb => "kb",
            Gen::Big => "big",
            Gen::BigLines => "biglines",
            Gen::Mixed => "mixed",
        }
    }

    /// The largest accepted `count`, keeping the body under [`MAX_WORKLOAD`].
    pub fn max_count(self) -> u64 {
        let per_event: u64 = match self {
            Gen::Tiny => 32,
            Gen::Kb => 1100,
            Gen::Big => 262_200,
            Gen::BigLines => 274_500,
            Gen::Mixed => 200,
        };
        MAX_WORKLOAD / per_event
    }
}

/// A generated body and its check values.
pub struct Workload {
    /// The whole response body, `done` event included.
    pub body: Vec<u8>,
    /// Number of events before `done`.
    pub events: u64,
    /// The last `id:` sent, if the generator sends ids.
    pub last_id: Option<u64>,
    /// Summed UTF-8 length of the events' data.
    pub data_bytes: u64,
    /// FNV-1a 32 over each event's data followed by `\n`.
    pub fnv1a32: u32,
}

/// FNV-1a 32-bit offset basis.
pub const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

/// Continues an FNV-1a 32-bit hash over `bytes`.
pub fn fnv1a32(mut h: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// `fill(seed, len)` (see the module docs), appended to `out`.
pub fn fill(out: &mut Vec<u8>, seed: u64, len: usize) {
    let mut pos = (seed % 62) as usize;
    let mut left = len;
    while left > 0 {
        let n = (ALPHA.len() - pos).min(left);
        out.extend_from_slice(&ALPHA[pos..pos + n]);
        left -= n;
        pos = 0;
    }
}

struct Builder {
    w: Workload,
    data: Vec<u8>,
}

impl Builder {
    /// Accounts for one event whose data is in `self.data` (its wire form is already in
    /// the body).
    fn event(&mut self, id: Option<u64>) {
        self.w.events += 1;
        if id.is_some() {
            self.w.last_id = id;
        }
        self.w.data_bytes += self.data.len() as u64;
        self.w.fnv1a32 = fnv1a32(fnv1a32(self.w.fnv1a32, &self.data), b"\n");
        self.data.clear();
    }
}

/// Builds the workload `gen` × `count`.
pub fn generate(gen: Gen, count: u64) -> Workload {
    let mut b = Builder {
        w: Workload {
            body: Vec::new(),
            events: 0,
            last_id: None,
            data_bytes: 0,
            fnv1a32: FNV_OFFSET,
        },
        data: Vec::new(),
    };
    for i in 0..count {
        match gen {
            Gen::Tiny => {
                b.data.extend_from_slice(format!("{i:06}").as_bytes());
                b.w.body.extend_from_slice(b"data: ");
                b.w.body.extend_from_slice(&b.data);
                b.w.body.extend_from_slice(b"\n\n");
                b.event(None);
            }
            Gen::Kb => {
                fill(&mut b.data, i, 1024);
                b.w.body
                    .extend_from_slice(format!("id: {i}\ndata: ").as_bytes());
                b.w.body.extend_from_slice(&b.data);
                b.w.body.extend_from_slice(b"\n\n");
                b.event(Some(i));
            }
            Gen::Big => {
                fill(&mut b.data, i, 262_144);
                b.w.body.extend_from_slice(b"data: ");
                b.w.body.extend_from_slice(&b.data);
                b.w.body.extend_from_slice(b"\n\n");
                b.event(None);
            }
            Gen::BigLines => {
                for k in 0..2048 {
                    if k > 0 {
                        b.data.push(b'\n');
                    }
                    let start = b.data.len();
                    fill(&mut b.data, i + k, 127);
                    b.w.body.extend_from_slice(b"data: ");
                    b.w.body.extend_from_slice(&b.data[start..]);
                    b.w.body.push(b'\n');
                }
                b.w.body.push(b'\n');
                b.event(None);
            }
            Gen::Mixed => {
                let reps = (i % 7 + 1) as usize;
                let line1 = format!("{i} {}", U.repeat(reps));
                let line2 = format!("{V}{i}");
                b.w.body.extend_from_slice(
                    format!(
                        ": hb\r\nid: {i}\r\nevent: tick\r\ndata: {line1}\r\ndata:{line2}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                b.data
                    .extend_from_slice(format!("{line1}\n{line2}").as_bytes());
                b.event(Some(i));
            }
        }
    }
    b.w.body
        .extend_from_slice(format!("event: done\ndata: {count}\n\n").as_bytes());
    b.w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_exact() {
        let w = generate(Gen::Tiny, 3);
        assert_eq!(
            w.body,
            b"data: 000000\n\ndata: 000001\n\ndata: 000002\n\nevent: done\ndata: 3\n\n"
        );
        assert_eq!(w.events, 3);
        assert_eq!(w.last_id, None);
        assert_eq!(w.data_bytes, 18);
        assert_eq!(w.fnv1a32, fnv1a32(FNV_OFFSET, b"000000\n000001\n000002\n"));
    }

    #[test]
    fn fill_matches_its_definition() {
        for (seed, len) in [(0u64, 0usize), (5, 3), (61, 130), (1000, 62)] {
            let mut got = Vec::new();
            fill(&mut got, seed, len);
            let want: Vec<u8> = (0..len).map(|j| ALPHA[(seed as usize + j) % 62]).collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn kb_and_biglines_shapes() {
        let w = generate(Gen::Kb, 2);
        assert!(w.body.starts_with(b"id: 0\ndata: 0123456789ABC"));
        assert_eq!(w.data_bytes, 2048);
        assert_eq!(w.last_id, Some(1));
        let w = generate(Gen::BigLines, 1);
        assert_eq!(w.data_bytes, 2048 * 128 - 1);
        assert_eq!(
            w.body.len(),
            2048 * 134 + 1 + "event: done\ndata: 1\n\n".len()
        );
        assert!(w.body.starts_with(b"data: 0123"));
        assert!(w.body[134..].starts_with(b"data: 1234"));
    }

    #[test]
    fn mixed_is_utf8_with_crlf() {
        let w = generate(Gen::Mixed, 2);
        let text = std::str::from_utf8(&w.body).unwrap();
        assert!(text.starts_with(
            ": hb\r\nid: 0\r\nevent: tick\r\ndata: 0 é漢字🎉\r\ndata:🎉漢字é0\r\n\r\n"
        ));
        assert!(text.contains("data: 1 é漢字🎉é漢字🎉\r\n"));
        assert_eq!(w.last_id, Some(1));
        assert_eq!(
            w.fnv1a32,
            fnv1a32(
                FNV_OFFSET,
                "0 é漢字🎉\n🎉漢字é0\n1 é漢字🎉é漢字🎉\n🎉漢字é1\n".as_bytes()
            )
        );
    }
}
