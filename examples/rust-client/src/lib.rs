//! Follows the loopback server's clock stream with `eventsource_wasm::client` and lists
//! what happens in the page: `open`, each event, each reconnection, the final error.

use std::time::Duration;

use eventsource_wasm::client::{EventSource, Item};
use futures_util::StreamExt;
use wasm_bindgen::prelude::*;

/// Appends a line to `<ol id="log">`.
fn log(text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let (Some(list), Ok(item)) = (
        document.get_element_by_id("log"),
        document.create_element("li"),
    ) else {
        return;
    };
    item.set_text_content(Some(text));
    let _ = list.append_child(&item);
}

/// Starts when the module loads.
#[wasm_bindgen(start)]
pub fn start() {
    wasm_bindgen_futures::spawn_local(async {
        // Ten ticks 200 ms apart, then the server ends the body: finite mode stops there.
        let source = EventSource::builder("/stream?gen=clock&interval=200&count=10")
            .backoff(Duration::from_millis(500), Duration::from_secs(10), 2.0)
            .max_retries(3)
            .finite(true)
            .build();
        let mut source = match source {
            Ok(source) => source,
            Err(error) => return log(&format!("error: {error}")),
        };
        while let Some(item) = source.next().await {
            match item {
                Ok(Item::Open) => log("open"),
                Ok(Item::Event(event)) => log(&format!(
                    "{} #{}: {}",
                    event.event_type, event.id, event.data
                )),
                Ok(Item::Reconnecting(r)) => log(&format!("reconnecting in {:?}", r.delay)),
                Ok(_) => {}
                Err(error) => log(&format!("error: {error}")),
            }
        }
        log("end");
    });
}
