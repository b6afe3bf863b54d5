//! The `EventSource` class (js/event_source.js) around the wasm core, in a real browser
//! against the loopback server: the EventTarget wiring, dispatch, close-in-listener,
//! reconnection with `Last-Event-ID`, and failure. The full conformance suite is in
//! tests/browser/ (JS); these prove the Rust↔JS edge in a window and in a worker.

use std::cell::RefCell;
use std::rc::Rc;

use eventsource_wasm::EventSourceCore;
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{EventTarget, MessageEvent};

use super::{fetch_json, server, sleep, unique_key};

#[wasm_bindgen(module = "/js/event_source.js")]
extern "C" {
    #[wasm_bindgen(js_name = defineEventSource)]
    fn define_event_source(cores: &JsValue) -> Function;
}

thread_local! {
    static CLASS: Function = make_class();
}

fn make_class() -> Function {
    let create =
        Closure::<dyn FnMut(EventTarget, String, JsValue) -> Result<JsValue, JsValue>>::new(
            |shell, url: String, init| EventSourceCore::new(shell, &url, init).map(JsValue::from),
        );
    let from_stream =
        Closure::<dyn FnMut(EventTarget, JsValue, JsValue) -> Result<JsValue, JsValue>>::new(
            |shell, stream, options| {
                EventSourceCore::from_stream(shell, stream, options).map(JsValue::from)
            },
        );
    let cores = Object::new();
    Reflect::set(&cores, &"create".into(), &create.into_js_value()).unwrap();
    Reflect::set(&cores, &"fromStream".into(), &from_stream.into_js_value()).unwrap();
    define_event_source(&cores)
}

fn new_source(url: &str) -> EventTarget {
    CLASS
        .with(|class| Reflect::construct(class, &Array::of1(&url.into())))
        .expect("constructor")
        .unchecked_into()
}

fn get(target: &JsValue, name: &str) -> JsValue {
    Reflect::get(target, &name.into()).unwrap()
}

fn ready_state(source: &EventTarget) -> u16 {
    get(source, "readyState").as_f64().unwrap() as u16
}

fn close(source: &EventTarget) {
    let close: Function = get(source, "close").unchecked_into();
    close.call0(source).unwrap();
}

#[derive(Debug, Clone, PartialEq)]
struct Seen {
    kind: String,
    data: Option<String>,
    last_event_id: Option<String>,
    ready_state: u16,
    target_is_source: bool,
}

/// Records every event of the given types, in order.
struct Recorder {
    log: Rc<RefCell<Vec<Seen>>>,
    _listeners: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

impl Recorder {
    fn attach(source: &EventTarget, types: &[&str], close_on_first_message: bool) -> Recorder {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut listeners = Vec::new();
        for kind in types {
            let log = log.clone();
            let source_for_listener = source.clone();
            let listener =
                Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                    let message = event.dyn_ref::<MessageEvent>();
                    let target_is_source = event
                        .target()
                        .map(|target| {
                            JsValue::from(target) == JsValue::from(source_for_listener.clone())
                        })
                        .unwrap_or(false);
                    log.borrow_mut().push(Seen {
                        kind: event.type_(),
                        data: message.and_then(|m| m.data().as_string()),
                        last_event_id: message.map(|m| m.last_event_id()),
                        ready_state: ready_state(&source_for_listener),
                        target_is_source,
                    });
                    if close_on_first_message && event.type_() == "message" {
                        close(&source_for_listener);
                    }
                });
            source
                .add_event_listener_with_callback(kind, listener.as_ref().unchecked_ref())
                .unwrap();
            listeners.push(listener);
        }
        Recorder {
            log,
            _listeners: listeners,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.log.borrow().clone()
    }

    /// Waits (up to `millis`) until `done` holds for the log.
    async fn wait_for(&self, millis: i32, done: impl Fn(&[Seen]) -> bool) -> Vec<Seen> {
        let mut waited = 0;
        while !done(&self.log.borrow()) && waited < millis {
            sleep(10).await;
            waited += 10;
        }
        self.seen()
    }
}

fn kinds(seen: &[Seen]) -> Vec<&str> {
    seen.iter().map(|s| s.kind.as_str()).collect()
}

#[wasm_bindgen_test]
async fn is_an_event_target_and_dispatches_open_message_and_named_events() {
    let url = format!(
        "{}/sse?s=w:id:%201%0Adata:%20a%0A%0Aevent:%20ping%0Adata:%20b%0A%0A|hang",
        server()
    );
    let source = new_source(&url);
    assert!(source.is_instance_of::<EventTarget>());
    assert_eq!(ready_state(&source), 0);
    let recorder = Recorder::attach(&source, &["open", "message", "ping", "error"], false);
    let seen = recorder.wait_for(5000, |s| s.len() >= 3).await;
    close(&source);
    assert_eq!(kinds(&seen), ["open", "message", "ping"]);
    assert!(seen.iter().all(|s| s.target_is_source));
    assert!(seen.iter().all(|s| s.ready_state == 1));
    assert_eq!(seen[1].data.as_deref(), Some("a"));
    assert_eq!(seen[1].last_event_id.as_deref(), Some("1"));
    assert_eq!(seen[2].data.as_deref(), Some("b"));
    assert_eq!(seen[2].last_event_id.as_deref(), Some("1"));
    assert_eq!(ready_state(&source), 2);
    assert_eq!(
        get(&source, "lastEventId").as_string().as_deref(),
        Some("1")
    );
}

#[wasm_bindgen_test]
async fn close_in_a_listener_stops_the_rest_of_the_chunk() {
    let url = format!(
        "{}/sse?s=w:data:%201%0A%0Adata:%202%0A%0Adata:%203%0A%0A|hang",
        server()
    );
    let source = new_source(&url);
    let recorder = Recorder::attach(&source, &["message", "error"], true);
    recorder.wait_for(5000, |s| !s.is_empty()).await;
    sleep(200).await;
    let seen = recorder.seen();
    assert_eq!(kinds(&seen), ["message"]);
    assert_eq!(ready_state(&source), 2);
}

#[wasm_bindgen_test]
async fn reconnects_after_the_stream_ends_and_sends_last_event_id() {
    let key = unique_key("reconnect");
    let url = format!(
        "{}/sse?key={key}&s0=w:retry:%2050%0Aid:%207%0Adata:%20x%0A%0A|end&s1=w:data:%20y%0A%0A|hang",
        server()
    );
    let source = new_source(&url);
    let recorder = Recorder::attach(&source, &["open", "message", "error"], false);
    let seen = recorder
        .wait_for(5000, |s| s.iter().any(|s| s.data.as_deref() == Some("y")))
        .await;
    close(&source);
    assert_eq!(
        kinds(&seen),
        ["open", "message", "error", "open", "message"]
    );
    assert_eq!(
        seen[2].ready_state, 0,
        "readyState during the reconnection error"
    );
    assert_eq!(seen[4].last_event_id.as_deref(), Some("7"));
    let log = fetch_json(&format!("{}/log?key={key}", server())).await;
    let requests: Array = get(&log, "requests").unchecked_into();
    let gets: Vec<JsValue> = requests
        .iter()
        .filter(|r| get(r, "method").as_string().as_deref() == Some("GET"))
        .collect();
    assert_eq!(gets.len(), 2);
    let first_headers = get(&gets[0], "headers");
    let second_headers = get(&gets[1], "headers");
    assert!(get(&first_headers, "last-event-id").is_undefined());
    assert_eq!(
        get(&second_headers, "last-event-id").as_string().as_deref(),
        Some("7")
    );
    assert_eq!(
        get(&second_headers, "accept").as_string().as_deref(),
        Some("text/event-stream")
    );
}

#[wasm_bindgen_test]
async fn a_non_200_response_fails_without_reconnecting() {
    let key = unique_key("fail");
    let url = format!("{}/sse?key={key}&status=500", server());
    let source = new_source(&url);
    let recorder = Recorder::attach(&source, &["open", "message", "error"], false);
    recorder.wait_for(5000, |s| !s.is_empty()).await;
    sleep(300).await;
    // Read after the wait: nothing else may have happened meanwhile.
    let seen = recorder.seen();
    assert_eq!(kinds(&seen), ["error"]);
    assert_eq!(seen[0].ready_state, 2);
    assert_eq!(ready_state(&source), 2);
    let log = fetch_json(&format!("{}/log?key={key}", server())).await;
    assert_eq!(get(&log, "count").as_f64(), Some(1.0));
}
