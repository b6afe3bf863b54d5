//! `EventSourceCore`: the wasm half of the `EventSource` class — construction, the
//! getters, `close()`, `reset()` and the consumer hooks. The work happens in the
//! source's task ([`super::task`]); the state lives in [`Source`].

use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{AbortSignal, EventTarget};

use super::options::{Options, PerAttempt};
use super::state::{Core, Source};
use super::{sys, task};
use crate::connection::machine::{Config, Machine};
use crate::connection::{url, ReconnectPolicy};

/// The URL `fromReadableStream` sources report (whatwg/html).
const STREAM_URL: &str = "about:event-stream";

/// The wasm core behind one JS `EventSource` object.
#[wasm_bindgen]
pub struct EventSourceCore {
    source: Rc<Source>,
}

/// A new source (not started): its core from the options, its shell and route set.
/// `stream`: a `fromReadableStream` source (nothing of the caller's on a request,
/// no network waits, no reconnection).
fn new_source(shell: EventTarget, url: String, options: &Options, stream: bool) -> Rc<Source> {
    let carries_secrets = !stream
        && (options.with_credentials
            || options.fetch.is_some()
            || !matches!(options.headers, PerAttempt::None)
            || !matches!(options.body, PerAttempt::None));
    let machine = Machine::new(Config {
        origin: sys::origin_of(&url),
        url: url.clone(),
        policy: if stream {
            ReconnectPolicy::no_reconnect()
        } else {
            options.policy.clone()
        },
        last_event_id: options.last_event_id.clone(),
        last_event_id_param: options.last_event_id_param.clone(),
        max_event_size: options.max_event_size,
        carries_secrets,
        // A caller's `fetch` may serve any scheme; the platform's fetches only some.
        any_scheme: options.fetch.is_some(),
        wait_for_online: !stream && options.wait_for_online,
    })
    // Without `onComment` the parser skips comment lines unread.
    .with_comments(options.on_comment.is_some());
    let source = Source::new(Core {
        url,
        with_credentials: !stream && options.with_credentials,
        high_water_mark: options.high_water_mark,
        inactivity_ms: options.inactivity_timeout_ms.filter(|_| !stream),
        from_stream: stream,
        machine,
    });
    source.shell.put(shell);
    source.route.put(sys::new_route(options.on_comment.clone()));
    Rc::new(source)
}

/// Closes `source` when `signal` aborts (at once if it already has). False when it
/// was already aborted.
fn watch_signal(source: &Rc<Source>, signal: Option<AbortSignal>) -> Result<bool, JsValue> {
    let Some(signal) = signal else {
        return Ok(true);
    };
    if signal.aborted() {
        task::close(source);
        return Ok(false);
    }
    let weak: Weak<Source> = Rc::downgrade(source);
    let listener = Closure::<dyn FnMut()>::new(move || {
        if let Some(source) = weak.upgrade() {
            task::close(&source);
        }
    });
    signal.add_event_listener_with_callback("abort", listener.as_ref().unchecked_ref())?;
    source.signal.put((signal, listener));
    Ok(true)
}

#[wasm_bindgen]
impl EventSourceCore {
    /// `new EventSource(url, init)`: resolves `url` against the global base URL (a
    /// `SyntaxError` `DOMException` when it cannot be parsed), reads and validates
    /// `init` (a `TypeError` for a bad member), and starts connecting in a task, unless
    /// `init.signal` is already aborted (then the source is closed at once).
    #[wasm_bindgen(constructor)]
    pub fn new(shell: EventTarget, url: &str, init: JsValue) -> Result<EventSourceCore, JsValue> {
        super::install_panic_hook();
        let options = Options::read(&init)?;
        let url = resolve_url(url)?;
        if !init.is_undefined() {
            options.validate()?;
        }
        let source = new_source(shell, url, &options, false);
        let signal = options.signal.clone();
        source.options.put(Rc::new(options));
        if watch_signal(&source, signal)? {
            spawn_local(task::run(source.clone()));
        }
        Ok(EventSourceCore { source })
    }

    /// `EventSource.fromReadableStream(stream, options)`: parses `stream` once; its end
    /// fires `error` and closes the source (no reconnection). The JS class has already
    /// checked that `stream` is an unlocked `ReadableStream`. Of the options only
    /// `maxEventSize`, `highWaterMark`, `lastEventId`, `onComment` and `signal` apply.
    #[wasm_bindgen(js_name = fromStream)]
    pub fn from_stream(
        shell: EventTarget,
        stream: JsValue,
        options: JsValue,
    ) -> Result<EventSourceCore, JsValue> {
        super::install_panic_hook();
        let options = Options::read_for_stream(&options)?;
        let source = new_source(shell, STREAM_URL.to_owned(), &options, true);
        source.stream.put(stream.unchecked_into());
        if watch_signal(&source, options.signal.clone())? {
            spawn_local(task::run(source.clone()));
        }
        Ok(EventSourceCore { source })
    }

    /// The resolved URL (`about:event-stream` for stream sources).
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.source.with(|core| core.url.clone())
    }

    /// Whether credentials are included on cross-origin requests.
    #[wasm_bindgen(getter = withCredentials)]
    pub fn with_credentials(&self) -> bool {
        self.source.with(|core| core.with_credentials)
    }

    /// 0 (CONNECTING), 1 (OPEN) or 2 (CLOSED).
    #[wasm_bindgen(getter = readyState)]
    pub fn ready_state(&self) -> u16 {
        self.source.with(|core| core.machine.ready_state().as_u16())
    }

    /// The last event ID string, sent as `Last-Event-ID` when reconnecting.
    #[wasm_bindgen(getter = lastEventId)]
    pub fn last_event_id(&self) -> js_sys::JsString {
        match self.source.final_id.get() {
            Some(id) => id,
            None => self
                .source
                .with(|core| core.machine.last_event_id().to_owned())
                .into(),
        }
    }

    /// The reconnection time in milliseconds (initially 3000, then the server's `retry:`).
    #[wasm_bindgen(getter = reconnectionTime)]
    pub fn reconnection_time(&self) -> f64 {
        self.source
            .with(|core| core.machine.reconnection_time_ms() as f64)
    }

    /// The size, in events, of a `stream()` consumer's queue (`highWaterMark`).
    #[wasm_bindgen(getter = highWaterMark)]
    pub fn high_water_mark(&self) -> u32 {
        self.source.with(|core| core.high_water_mark)
    }

    /// Closes the source: no more events, no reconnection, every resource released. A
    /// stream consumer's stream is closed (events already queued stay readable).
    pub fn close(&self) {
        task::close(&self.source);
    }

    /// Discards data buffered for an event that has not been dispatched yet.
    pub fn reset(&self) {
        self.source.with(|core| core.machine.reset());
    }

    /// `start` of a `stream()` consumer's `ReadableStream`: from now on events go to
    /// `controller` instead of being dispatched. A `TypeError` when a consumer is already
    /// attached; on a closed source the stream is closed (or errored, if the source
    /// failed) at once.
    pub fn attach(&self, controller: sys::Controller) -> Result<(), JsValue> {
        let source = &self.source;
        if source.consumer.is_set() {
            return Err(js_sys::TypeError::new(
                "This EventSource is already being consumed by stream() or for await.",
            )
            .into());
        }
        if !source.is_closed() {
            if let Some(route) = source.route.get() {
                sys::route_to(&route, &controller);
            }
            source.consumer.put(controller);
            return Ok(());
        }
        sys::end_stream(&controller, source.failure.get().as_ref());
        Ok(())
    }

    /// `pull` of the consumer's `ReadableStream`: the queue has room again.
    pub fn pull(&self) {
        if let Some(wake) = self.source.room.take() {
            let _ = wake.call0(&JsValue::UNDEFINED);
        }
    }
}

/// Resolves `url` against the document's base URL (or the worker's location), as the
/// constructor does (`None` when it cannot be parsed).
pub fn parse_url(url: &str) -> Option<String> {
    // [spec] The URL standard's parser fails on a forbidden domain code point in a host,
    // which some engines' parsers accept (see `url::has_forbidden_host`).
    sys::resolve_url(url).filter(|href| !url::has_forbidden_host(href))
}

/// Resolves `url` against the document's base URL (or the worker's location).
fn resolve_url(url: &str) -> Result<String, JsValue> {
    match parse_url(url) {
        Some(href) => Ok(href),
        None => {
            // (Pushed, not `concat`: the generic join is 1 KB of wasm.)
            let mut message = String::from("Failed to construct 'EventSource': The URL '");
            message.push_str(url);
            message.push_str("' is invalid.");
            Err(super::dom_exception(&message, "SyntaxError"))
        }
    }
}
