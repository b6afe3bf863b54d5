//! The constructor's second argument: `EventSourceInit` (`withCredentials`) plus this
//! package's non-standard options. `js/options.js` reads and converts the dictionary the
//! way WebIDL does (members in lexicographic order, getter exceptions propagate, the
//! platform's `TypeError`s) and builds each attempt's `Request`; this module takes the
//! converted values over into Rust (the reconnection members map onto
//! [`ReconnectPolicy`]).
//!
//! `fromReadableStream(stream, options)` reads only the members that apply to a stream
//! ([`Options::read_for_stream`]).

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, Request};

use crate::connection::{last_event_id_header_value, ReconnectPolicy};
use crate::parser::DEFAULT_MAX_BUFFER;

/// Events the iterator / `stream()` queue holds before reading pauses, by default.
pub const DEFAULT_HIGH_WATER_MARK: u32 = 64;

#[wasm_bindgen(module = "/js/options.js")]
extern "C" {
    /// The converted options: a plain object of own data properties (reading them runs
    /// no caller code). See `Read` in `js/options.js`.
    type Read;

    /// Reads and converts `init` (`stream`: as `fromReadableStream` does).
    #[wasm_bindgen(catch, js_name = readOptions)]
    fn read_options(init: &JsValue, stream: bool) -> Result<Read, JsValue>;

    /// The numbers and flags, NaN where not given (the order is in `js/options.js`).
    #[wasm_bindgen(method, getter)]
    fn n(this: &Read) -> Vec<f64>;
    /// `reconnect.retryOnStatus`.
    #[wasm_bindgen(method, getter)]
    fn statuses(this: &Read) -> Option<Vec<u16>>;
    /// `lastEventId`.
    #[wasm_bindgen(method, getter, js_name = lastEventId)]
    fn last_event_id(this: &Read) -> Option<String>;
    /// `lastEventIdParam`.
    #[wasm_bindgen(method, getter, js_name = lastEventIdParam)]
    fn last_event_id_param(this: &Read) -> Option<String>;
    /// `headers`: a function, a `Headers` copy, or `undefined`.
    #[wasm_bindgen(method, getter)]
    fn headers(this: &Read) -> JsValue;
    /// `body`: a function, a replayable body, or `undefined`.
    #[wasm_bindgen(method, getter)]
    fn body(this: &Read) -> JsValue;
    /// `fetch`.
    #[wasm_bindgen(method, getter)]
    fn fetch(this: &Read) -> Option<Function>;
    /// `onAuthError`.
    #[wasm_bindgen(method, getter, js_name = onAuthError)]
    fn on_auth_error(this: &Read) -> Option<Function>;
    /// `onComment`.
    #[wasm_bindgen(method, getter, js_name = onComment)]
    fn on_comment(this: &Read) -> Option<Function>;
    /// `url`: the function computing each attempt's URL.
    #[wasm_bindgen(method, getter)]
    fn url(this: &Read) -> Option<Function>;
    /// `signal`.
    #[wasm_bindgen(method, getter)]
    fn signal(this: &Read) -> Option<AbortSignal>;

    /// The request of one attempt (see `buildRequest` in `js/options.js`).
    #[wasm_bindgen(catch, js_name = buildRequest)]
    fn build_request(
        read: &Read,
        url: &str,
        last_event_id: Option<String>,
        signal: Option<AbortSignal>,
        headers: Option<JsValue>,
        body: Option<JsValue>,
    ) -> Result<Request, JsValue>;

    /// Builds a trial request from the fixed members (the platform's `TypeError` for an
    /// invalid one).
    #[wasm_bindgen(catch)]
    fn validate(read: &Read) -> Result<(), JsValue>;
}

/// A member that is either fixed or produced by a user function before every attempt.
pub enum PerAttempt {
    /// Not given.
    None,
    /// The same value for every attempt (a `Headers` copy, or a replayable body).
    Fixed(JsValue),
    /// Called (with no arguments) before every attempt; may return a promise.
    Function(Function),
}

impl PerAttempt {
    /// `undefined` is not given, a function is called per attempt, anything else fixed.
    fn of(value: JsValue) -> PerAttempt {
        if value.is_undefined() {
            return PerAttempt::None;
        }
        match value.dyn_into::<Function>() {
            Ok(function) => PerAttempt::Function(function),
            Err(value) => PerAttempt::Fixed(value),
        }
    }
}

/// Everything the source needs from its init dictionary.
pub struct Options {
    /// The `withCredentials` getter: `credentials === "include"` when `credentials` is
    /// given, else the `withCredentials` member.
    pub with_credentials: bool,
    /// The cursor to start from (`lastEventId`), sent from the first request on.
    pub last_event_id: Option<String>,
    /// `lastEventIdParam`: the name of the query parameter that carries the last event
    /// ID instead of the `Last-Event-ID` header (`None`: the header).
    pub last_event_id_param: Option<String>,
    /// How failures and reconnections are handled.
    pub policy: ReconnectPolicy,
    /// `headers`: an object, a `Headers`, pairs, or a function.
    pub headers: PerAttempt,
    /// `body`: a replayable body or a function returning a fresh one.
    pub body: PerAttempt,
    /// `fetch`: used instead of the global `fetch`, called with one `Request`.
    pub fetch: Option<Function>,
    /// `signal`: closes the source when aborted.
    pub signal: Option<AbortSignal>,
    /// `onAuthError`: awaited on 401/403 before reconnecting.
    pub on_auth_error: Option<Function>,
    /// `onComment`: called with each comment line's text (absent: the parser does not
    /// report comments at all).
    pub on_comment: Option<Function>,
    /// `url`: called before every attempt for the URL to fetch (see
    /// `task::attempt_url`).
    pub url: Option<Function>,
    /// `inactivityTimeout` in ms (`None`: off).
    pub inactivity_timeout_ms: Option<u64>,
    /// `maxEventSize`: the parser's buffer limit in bytes.
    pub max_event_size: usize,
    /// `highWaterMark`: the iterator / stream queue size in events.
    pub high_water_mark: u32,
    /// `waitForOnline`: wait for the `online` event instead of reconnecting while the
    /// global scope is offline.
    pub wait_for_online: bool,
    /// Whether requests are made in `cors` mode (the default), where a rejected
    /// cross-origin fetch may be a CORS failure.
    pub cors_mode: bool,
    /// The converted dictionary, for building requests.
    read: Read,
}

impl Options {
    /// Reads the constructor's init dictionary.
    pub fn read(init: &JsValue) -> Result<Options, JsValue> {
        Ok(Options::convert(read_options(init, false)?))
    }

    /// Reads the options of `EventSource.fromReadableStream(stream, options)`: only
    /// `highWaterMark`, `lastEventId`, `maxEventSize`, `onComment` and `signal`. The other members are
    /// not read at all: they only concern requests and reconnections, which a stream
    /// source never makes.
    pub fn read_for_stream(init: &JsValue) -> Result<Options, JsValue> {
        Ok(Options::convert(read_options(init, true)?))
    }

    /// Takes the converted values over.
    fn convert(read: Read) -> Options {
        let n = read.n();
        let at = |i: usize| n.get(i).copied().filter(|v| !v.is_nan());
        let flag = |i: usize| at(i).is_some_and(|v| v != 0.0);
        let mut policy = ReconnectPolicy::default();
        if let Some(ms) = at(0) {
            policy.initial_delay_ms = ms as u64;
        }
        if let Some(ms) = at(1) {
            policy.max_delay_ms = ms as u64;
        }
        if let Some(multiplier) = at(2) {
            policy.multiplier = multiplier;
        }
        if let Some(jitter) = at(3) {
            policy.jitter = jitter;
        }
        if let Some(retries) = at(4) {
            // Infinity is "no limit".
            policy.max_retries = retries.is_finite().then_some(retries as u32);
        }
        if let Some(ms) = at(5) {
            policy.retry_after_cap_ms = ms as u64;
        }
        if let Some(statuses) = read.statuses() {
            policy.retry_statuses = statuses;
        }
        policy.finite = flag(10);
        policy.auth_refresh = flag(12);
        Options {
            with_credentials: flag(9),
            last_event_id: read.last_event_id(),
            last_event_id_param: read.last_event_id_param(),
            policy,
            headers: PerAttempt::of(read.headers()),
            body: PerAttempt::of(read.body()),
            fetch: read.fetch(),
            signal: read.signal(),
            on_auth_error: read.on_auth_error(),
            on_comment: read.on_comment(),
            url: read.url(),
            // 0 (and so 0.5, truncated to 0) is "off".
            inactivity_timeout_ms: at(7).map(|ms| ms as u64).filter(|&ms| ms > 0),
            // `as` saturates: beyond 4 GiB − 1 (more than wasm32 memory) is no limit.
            max_event_size: at(8).map_or(DEFAULT_MAX_BUFFER, |n| n as usize),
            high_water_mark: at(6).map_or(DEFAULT_HIGH_WATER_MARK, |n| n as u32),
            wait_for_online: flag(11),
            cors_mode: flag(13),
            read,
        }
    }

    /// Builds a request from the fixed members only, so that an invalid
    /// `method`, `mode`, `credentials`, header, body… throws the platform's `TypeError`
    /// from the constructor rather than failing every attempt.
    pub fn validate(&self) -> Result<(), JsValue> {
        validate(&self.read)
    }

    /// The request for one attempt: the fixed members, `Accept: text/event-stream`
    /// (unless the headers set their own `Accept`), `headers` (the fixed copy or what the
    /// headers function returned), `Last-Event-ID` when `last_event_id` is non-empty, the
    /// body, and the attempt's abort signal.
    pub fn build_request(
        &self,
        url: &str,
        last_event_id: Option<&str>,
        signal: Option<AbortSignal>,
        headers: Option<JsValue>,
        body: Option<JsValue>,
    ) -> Result<Request, JsValue> {
        let id = last_event_id.and_then(last_event_id_header_value);
        build_request(&self.read, url, id, signal, headers, body)
    }
}
