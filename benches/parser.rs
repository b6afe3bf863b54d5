//! Parser throughput on generated workloads, fed in realistic chunks.
//!
//! `cargo bench --bench parser` (about a minute). Each benchmark parses the
//! whole workload once per iteration and reports bytes/s and events/s; the
//! sink only counts events and data bytes, so the time is the parser's.
#![allow(clippy::expect_used, reason = "benchmark code, not the library")]

fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    divan::main();
}

/// `Parser::feed` over each workload. (divan is a native-only
/// dev-dependency; on wasm32 this bench is empty.)
#[cfg(not(target_arch = "wasm32"))]
mod feed {
    use std::hint::black_box;
    use std::sync::LazyLock;

    use divan::counter::{BytesCount, ItemsCount};
    use divan::Bencher;
    use eventsource_wasm::parser::{Event, Parser, Sink};

    /// A generated stream and how to feed it.
    struct Workload {
        bytes: Vec<u8>,
        events: usize,
        chunk: usize,
    }

    /// 200k tiny events: `data: <6 digits>\n\n`, in 16 KiB chunks.
    static TINY: LazyLock<Workload> = LazyLock::new(|| {
        let events = 200_000;
        let mut bytes = Vec::with_capacity(events * 15);
        for i in 0..events {
            bytes.extend_from_slice(format!("data: {:06}\n\n", i % 1_000_000).as_bytes());
        }
        Workload {
            bytes,
            events,
            chunk: 16 * 1024,
        }
    });

    /// 20k events of exactly 1 KiB each (one `data` line), in 64 KiB chunks.
    static KIB_1: LazyLock<Workload> = LazyLock::new(|| {
        let events = 20_000;
        let mut bytes = Vec::with_capacity(events * 1024);
        for i in 0..events {
            bytes.extend_from_slice(b"data: ");
            bytes.extend(payload(i, 1024 - 8));
            bytes.extend_from_slice(b"\n\n");
        }
        Workload {
            bytes,
            events,
            chunk: 64 * 1024,
        }
    });

    /// 200 events of 256 KiB, each one single `data` line, in 64 KiB chunks.
    static KIB_256_ONE_LINE: LazyLock<Workload> = LazyLock::new(|| {
        let events = 200;
        let mut bytes = Vec::with_capacity(events * (256 * 1024 + 8));
        for i in 0..events {
            bytes.extend_from_slice(b"data: ");
            bytes.extend(payload(i, 256 * 1024));
            bytes.extend_from_slice(b"\n\n");
        }
        Workload {
            bytes,
            events,
            chunk: 64 * 1024,
        }
    });

    /// 200 events of 256 KiB, each 2048 `data` lines of 127 characters, in
    /// 64 KiB chunks.
    static KIB_256_LINES: LazyLock<Workload> = LazyLock::new(|| {
        let events = 200;
        let mut bytes = Vec::with_capacity(events * (256 * 1024 + 1));
        for i in 0..events {
            for line in 0..2048 {
                bytes.extend_from_slice(b"data: ");
                bytes.extend(payload(i + line, 127 - 6));
                bytes.push(b'\n');
            }
            bytes.push(b'\n');
        }
        Workload {
            bytes,
            events,
            chunk: 64 * 1024,
        }
    });

    /// A realistic mix: CRLF, ids, event names, comments, several `data` lines
    /// and multi-byte UTF-8, in 16 KiB chunks.
    static MIXED: LazyLock<Workload> = LazyLock::new(|| {
        let events = 50_000;
        let mut bytes = Vec::new();
        for i in 0..events {
            if i % 10 == 0 {
                bytes.extend_from_slice(b": keep-alive\r\n\r\n");
            }
            let text = format!(
                "id: {i}\r\nevent: update\r\ndata: {{\"seq\": {i}, \"text\": \"h\u{e9}llo w\u{f6}rld \u{20ac}\u{1F600} \u{4e2d}\u{6587}\"}}\r\ndata: second line, a little longer to look like JSON payloads do: [1, 2, 3, 4, 5, 6]\r\n\r\n"
            );
            bytes.extend_from_slice(text.as_bytes());
        }
        Workload {
            bytes,
            events,
            chunk: 16 * 1024,
        }
    });

    /// `len` printable ASCII bytes that vary with `seed`.
    fn payload(seed: usize, len: usize) -> impl Iterator<Item = u8> {
        (0..len).map(move |j| b"abcdefghijklmnopqrstuvwxyz0123456789"[(seed + j) % 36])
    }

    /// Counts what the parser reports, touching the data so nothing is skipped.
    #[derive(Default)]
    struct Count {
        events: usize,
        data_bytes: usize,
    }

    impl Sink for Count {
        fn on_event(&mut self, event: Event<'_>) {
            self.events += 1;
            self.data_bytes += black_box(event.data).len();
        }
    }

    fn run(bencher: Bencher, workload: &LazyLock<Workload>) {
        let workload = LazyLock::force(workload);
        let mut parser = Parser::new();
        bencher
            .counter(BytesCount::of_slice(&workload.bytes))
            .counter(ItemsCount::new(workload.events))
            .bench_local(|| {
                let mut count = Count::default();
                for chunk in workload.bytes.chunks(workload.chunk) {
                    parser
                        .feed(black_box(chunk), &mut count)
                        .expect("the workloads stay under the limit");
                }
                parser.finish();
                assert_eq!(count.events, workload.events);
                count.data_bytes
            });
    }

    #[divan::bench(sample_count = 40)]
    fn tiny_200k(bencher: Bencher) {
        run(bencher, &TINY);
    }

    #[divan::bench(sample_count = 40)]
    fn kib_1_x_20k(bencher: Bencher) {
        run(bencher, &KIB_1);
    }

    #[divan::bench(sample_count = 20)]
    fn kib_256_x_200_one_line(bencher: Bencher) {
        run(bencher, &KIB_256_ONE_LINE);
    }

    #[divan::bench(sample_count = 20)]
    fn kib_256_x_200_lines_127(bencher: Bencher) {
        run(bencher, &KIB_256_LINES);
    }

    #[divan::bench(sample_count = 40)]
    fn mixed_50k(bencher: Bencher) {
        run(bencher, &MIXED);
    }
}
