//! The foundation check: a real `fetch` of a `text/event-stream` from the loopback
//! server, read as a stream chunk by chunk and parsed by the crate's parser.

use eventsource_wasm::parser::{Item, OwnedEvent, Parser};
use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

use super::{fetch_url, server};

#[wasm_bindgen_test]
async fn fetch_reads_an_event_stream_chunk_by_chunk() {
    // Two events; the second one arrives split over two writes 50 ms apart.
    let url = format!(
        "{}/sse?s=w:data:%20one%0A%0A|s:50|w:data:%20t|s:50|w:wo%0A%0A|end",
        server()
    );
    let response: web_sys::Response = JsFuture::from(fetch_url(&url))
        .await
        .expect("fetch")
        .unchecked_into();
    assert_eq!(response.status(), 200);
    let content_type = response.headers().get("content-type").unwrap();
    assert_eq!(content_type.as_deref(), Some("text/event-stream"));

    let reader: web_sys::ReadableStreamDefaultReader =
        response.body().expect("body").get_reader().unchecked_into();
    let mut parser = Parser::new();
    let mut items: Vec<Item> = Vec::new();
    let mut chunks = 0;
    loop {
        let result = JsFuture::from(reader.read()).await.expect("read");
        let result: web_sys::ReadableStreamReadResult = result.unchecked_into();
        if result.get_done().unwrap_or(true) {
            break;
        }
        let bytes: Uint8Array = result.get_value().unchecked_into();
        chunks += 1;
        parser.feed(&bytes.to_vec(), &mut items).expect("feed");
    }
    parser.finish();
    let event = |data: &str| {
        Item::Event(OwnedEvent {
            event_type: "message".into(),
            data: data.into(),
            last_event_id: String::new(),
        })
    };
    assert_eq!(items, vec![event("one"), event("two")]);
    assert!(
        chunks >= 2,
        "the body arrived in {chunks} chunk(s), not streamed"
    );
}
