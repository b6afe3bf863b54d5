//! Runs every vector in `tests/vectors/` through the parser: whole, byte by
//! byte, and split in two at every position. Native only: the wasm suite
//! runs the same vectors through `tests/web/vectors.rs`.
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/vectors.rs"]
mod vectors;

use eventsource_wasm::parser::{Item, OwnedEvent};
use vectors::{check_all, parse_expected, VECTORS};

#[test]
fn all_vectors_pass() {
    if let Err(failures) = check_all() {
        panic!("vector failures:\n{failures}");
    }
}

#[test]
fn every_vector_file_is_listed() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/vectors exists")
        .map(|entry| {
            entry
                .expect("readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name != "README.md")
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = VECTORS
        .iter()
        .flat_map(|v| [format!("{}.json", v.name), format!("{}.sse", v.name)])
        .collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "tests/vectors and VECTORS in tests/common/vectors.rs differ"
    );
    assert!(VECTORS.len() >= 30);
}

#[test]
fn crlf_and_cr_twins_are_byte_exact() {
    // Guards against a checkout that rewrote line endings (see .gitattributes).
    let input = |name: &str| {
        VECTORS
            .iter()
            .find(|v| v.name == name)
            .map(|v| v.input)
            .expect("vector exists")
    };
    let lf = input("fields-lf");
    assert!(!lf.contains(&b'\r'));
    assert_eq!(
        input("fields-crlf"),
        lf.iter()
            .flat_map(|&b| if b == b'\n' {
                vec![b'\r', b'\n']
            } else {
                vec![b]
            })
            .collect::<Vec<u8>>()
    );
    assert_eq!(
        input("fields-cr"),
        lf.iter()
            .map(|&b| if b == b'\n' { b'\r' } else { b })
            .collect::<Vec<u8>>()
    );
}

#[test]
fn json_reader_reads_the_documented_format() {
    let items = parse_expected(
        r#" [ {"type":"event","event":"message","data":"a\nb\u00e9\ud83d\ude00\"\\","id":""},
              {"type": "retry", "value": 18446744073709551615},
              {"type":"comment","text":""} ] "#,
    )
    .expect("valid");
    assert_eq!(
        items,
        [
            Item::Event(OwnedEvent {
                event_type: "message".into(),
                data: "a\nbé😀\"\\".into(),
                last_event_id: String::new(),
            }),
            Item::Retry(u64::MAX),
            Item::Comment(String::new()),
        ]
    );
    assert_eq!(parse_expected("[]"), Ok(vec![]));
    for bad in [
        "",
        "[",
        "{}",
        "[{}]",
        r#"[{"type":"event"}]"#,
        r#"[{"type":"retry","value":18446744073709551616}]"#,
        r#"[{"type":"comment","text":"","extra":1}]"#,
        r#"["\ud800"]"#,
        "[] x",
    ] {
        assert!(parse_expected(bad).is_err(), "{bad:?} should be rejected");
    }
}
