//! The constructor's second argument: `EventSourceInit` (`withCredentials`) plus this
//! package's non-standard options, read the way WebIDL converts a dictionary (members in
//! lexicographic order, getter exceptions propagate), and the fetch `Request` built from
//! them for each attempt.
//!
//! Request members (`method`, `credentials`, `mode`, `redirect`, `referrer`,
//! `referrerPolicy`, `integrity`, `keepalive`, static `headers` and `body`) are handed to
//! the platform as given; a trial `Request` built in the constructor makes an invalid
//! value throw the platform's own `TypeError` right away. The reconnection members map
//! onto [`ReconnectPolicy`].

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, Headers, Request};

use crate::connection::{last_event_id_header_value, ReconnectPolicy};
use crate::parser::DEFAULT_MAX_BUFFER;

/// Events the iterator / `stream()` queue holds before reading pauses, by default.
pub const DEFAULT_HIGH_WATER_MARK: u32 = 64;

/// A member that is either fixed or produced by a user function before every attempt.
#[derive(Debug)]
pub enum PerAttempt {
    /// Not given.
    None,
    /// The same value for every attempt (a `Headers` copy, or a replayable body).
    Fixed(JsValue),
    /// Called (with no arguments) before every attempt; may return a promise.
    Function(Function),
}

/// Everything the source needs from its init dictionary.
#[derive(Debug)]
pub struct Options {
    /// The `withCredentials` getter: `credentials === "include"` when `credentials` is
    /// given, else the `withCredentials` member.
    pub with_credentials: bool,
    /// The cursor to start from (`lastEventId`), sent from the first request on.
    pub last_event_id: Option<String>,
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
    /// `inactivityTimeout` in ms (`None`: off).
    pub inactivity_timeout_ms: Option<u64>,
    /// `maxEventSize`: the parser's buffer limit in bytes.
    pub max_event_size: usize,
    /// `highWaterMark`: the iterator / stream queue size in events.
    pub high_water_mark: u32,
    /// `waitForOnline`: wait for the `online` event instead of reconnecting while the
    /// global scope is offline.
    pub wait_for_online: bool,
    /// The fixed `RequestInit` members (method, mode, cache, credentials and the
    /// pass-through ones); copied for every attempt.
    init: Object,
}

/// `dict[name]`, with `undefined` for a missing dictionary; getter exceptions propagate.
fn member(dict: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    if dict.is_undefined() || dict.is_null() {
        return Ok(JsValue::UNDEFINED);
    }
    Reflect::get(dict, &JsValue::from_str(name))
}

/// A `TypeError` for a bad member: "Failed to construct 'EventSource': `what`".
pub fn type_error(what: &str) -> JsValue {
    js_sys::TypeError::new(&["Failed to construct 'EventSource': ", what].concat()).into()
}

/// The members of the init dictionary, in WebIDL's (lexicographic) order.
const MEMBERS: [&str; 21] = [
    "body",
    "credentials",
    "fetch",
    "finite",
    "headers",
    "highWaterMark",
    "inactivityTimeout",
    "integrity",
    "keepalive",
    "lastEventId",
    "maxEventSize",
    "method",
    "mode",
    "onAuthError",
    "reconnect",
    "redirect",
    "referrer",
    "referrerPolicy",
    "signal",
    "waitForOnline",
    "withCredentials",
];

/// The members of the `reconnect` dictionary, in order.
const RECONNECT_MEMBERS: [&str; 7] = [
    "initialDelay",
    "jitter",
    "maxDelay",
    "maxRetries",
    "multiplier",
    "retryAfterCap",
    "retryOnStatus",
];

/// A number `>= min` (`Infinity` allowed), or a `TypeError` saying
/// `name must be a number >= min_text`.
fn number(value: &JsValue, name: &str, min: f64, min_text: &str) -> Result<f64, JsValue> {
    match value.as_f64() {
        Some(n) if n >= min => Ok(n),
        _ => Err(type_error(
            &[name, " must be a number >= ", min_text, "."].concat(),
        )),
    }
}

/// A function, or a `TypeError` saying `name must be a function`.
fn function(value: JsValue, name: &str) -> Result<Function, JsValue> {
    value
        .dyn_into::<Function>()
        .map_err(|_| type_error(&[name, " must be a function."].concat()))
}

/// A member that is fixed or a function called before every attempt.
fn per_attempt(value: JsValue) -> PerAttempt {
    match value.dyn_into::<Function>() {
        Ok(function) => PerAttempt::Function(function),
        Err(value) if value.is_null() => PerAttempt::None,
        Err(value) => PerAttempt::Fixed(value),
    }
}

fn set(object: &Object, name: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(name), value);
}

/// Reads the `reconnect` dictionary into `policy`.
fn read_reconnect(dict: &JsValue, policy: &mut ReconnectPolicy) -> Result<(), JsValue> {
    if dict.is_null() {
        return Ok(());
    }
    if !dict.is_object() {
        return Err(type_error("reconnect must be an object."));
    }
    for name in RECONNECT_MEMBERS {
        let value = member(dict, name)?;
        if value.is_undefined() {
            continue;
        }
        if name == "retryOnStatus" {
            let bad = || type_error("retryOnStatus must be an array of HTTP statuses.");
            if !js_sys::Array::is_array(&value) {
                return Err(bad());
            }
            let mut list = Vec::new();
            for status in js_sys::Array::from(&value).iter() {
                match status.as_f64() {
                    Some(s) if (100.0..=599.0).contains(&s) && s.fract() == 0.0 => {
                        list.push(s as u16)
                    }
                    _ => return Err(bad()),
                }
            }
            policy.retry_statuses = list;
            continue;
        }
        let n = number(&value, name, 0.0, "0")?;
        // `as` saturates: Infinity means "never" / "no limit".
        match name {
            "initialDelay" => policy.initial_delay_ms = n as u64,
            "jitter" if n > 1.0 => return Err(type_error("jitter must be a number from 0 to 1.")),
            "jitter" => policy.jitter = n,
            "maxDelay" => policy.max_delay_ms = n as u64,
            "maxRetries" => policy.max_retries = n.is_finite().then_some(n as u32),
            "multiplier" => policy.multiplier = n,
            _ => policy.retry_after_cap_ms = n as u64,
        }
    }
    Ok(())
}

impl Options {
    /// Reads the dictionary members (in WebIDL's lexicographic order, each converted
    /// before the next is read).
    pub fn read(init: &JsValue) -> Result<Options, JsValue> {
        let request_init = Object::new();
        set(&request_init, "method", &JsValue::from_str("GET"));
        set(&request_init, "mode", &JsValue::from_str("cors"));
        set(&request_init, "cache", &JsValue::from_str("no-store"));
        let mut options = Options {
            with_credentials: false,
            last_event_id: None,
            policy: ReconnectPolicy::default(),
            headers: PerAttempt::None,
            body: PerAttempt::None,
            fetch: None,
            signal: None,
            on_auth_error: None,
            inactivity_timeout_ms: None,
            max_event_size: DEFAULT_MAX_BUFFER,
            high_water_mark: DEFAULT_HIGH_WATER_MARK,
            wait_for_online: true,
            init: request_init,
        };
        let mut credentials = None;
        for name in MEMBERS {
            let value = member(init, name)?;
            if value.is_undefined() {
                continue;
            }
            match name {
                "body" => {
                    if value.is_instance_of::<web_sys::ReadableStream>() {
                        return Err(type_error(
                            "a ReadableStream body cannot be sent again on reconnection; pass a function that returns a new stream for every attempt.",
                        ));
                    }
                    options.body = per_attempt(value);
                }
                // RequestInit members: strings the platform validates (see `validate`).
                "credentials" | "integrity" | "method" | "mode" | "redirect" | "referrer"
                | "referrerPolicy" => {
                    let string = JsValue::from_str(&super::to_usv_string(&value)?);
                    set(&options.init, name, &string);
                    if name == "credentials" {
                        credentials = string.as_string();
                    }
                }
                "fetch" => options.fetch = Some(function(value, name)?),
                "finite" => options.policy.finite = value.is_truthy(),
                "headers" => {
                    options.headers = match per_attempt(value) {
                        // A copy now, like fetch: later changes to the caller's object
                        // do not apply.
                        PerAttempt::Fixed(value) => PerAttempt::Fixed(
                            Headers::new_with_str_sequence_sequence(&value)?.into(),
                        ),
                        other => other,
                    }
                }
                "highWaterMark" => {
                    let n = number(&value, name, 1.0, "1")?;
                    options.high_water_mark = n.min(f64::from(u32::MAX)) as u32;
                }
                "inactivityTimeout" => {
                    let n = number(&value, name, 0.0, "0")?;
                    options.inactivity_timeout_ms = (n > 0.0 && n.is_finite()).then_some(n as u64);
                }
                "keepalive" => set(&options.init, name, &JsValue::from_bool(value.is_truthy())),
                "lastEventId" => options.last_event_id = Some(super::to_usv_string(&value)?),
                "maxEventSize" => {
                    let n = number(&value, name, 1.0, "1")?;
                    if n.is_finite() {
                        options.max_event_size = n as usize;
                    }
                }
                "onAuthError" => {
                    options.on_auth_error = Some(function(value, name)?);
                    options.policy.auth_refresh = true;
                }
                "reconnect" => read_reconnect(&value, &mut options.policy)?,
                "signal" => {
                    options.signal = Some(
                        value
                            .dyn_into::<AbortSignal>()
                            .map_err(|_| type_error("signal must be an AbortSignal."))?,
                    )
                }
                "waitForOnline" => options.wait_for_online = value.is_truthy(),
                _ => options.with_credentials = value.is_truthy(),
            }
        }
        // `credentials` wins over `withCredentials` when both are given.
        match credentials {
            Some(mode) => options.with_credentials = mode == "include",
            None => {
                let mode = if options.with_credentials {
                    "include"
                } else {
                    "same-origin"
                };
                set(&options.init, "credentials", &JsValue::from_str(mode));
            }
        }
        Ok(options)
    }

    /// Builds a request from the fixed members only, so that an invalid
    /// `method`, `mode`, `credentials`, header, body… throws the platform's `TypeError`
    /// from the constructor rather than failing every attempt.
    /// The URL is a fixed placeholder: only a member can make this throw (a URL with
    /// credentials, which `Request` refuses, fails each attempt instead, like native).
    pub fn validate(&self) -> Result<(), JsValue> {
        let fixed = |member: &PerAttempt| match member {
            PerAttempt::Fixed(value) => Some(value.clone()),
            _ => None,
        };
        self.build_request(
            "about:blank",
            None,
            None,
            fixed(&self.headers).as_ref(),
            fixed(&self.body).as_ref(),
        )
        .map(drop)
    }

    /// The request for one attempt: the fixed members, `Accept: text/event-stream`
    /// (unless the headers set their own `Accept`), `headers` (the fixed copy or what the
    /// headers function returned), `Last-Event-ID` when `last_event_id` is non-empty, the
    /// body, and the attempt's abort signal.
    pub fn build_request(
        &self,
        url: &str,
        last_event_id: Option<&str>,
        signal: Option<&AbortSignal>,
        headers: Option<&JsValue>,
        body: Option<&JsValue>,
    ) -> Result<Request, JsValue> {
        let list = match headers {
            Some(init) if !init.is_undefined() && !init.is_null() => {
                Headers::new_with_str_sequence_sequence(init)?
            }
            _ => Headers::new()?,
        };
        if !list.has("accept")? {
            list.set("Accept", "text/event-stream")?;
        }
        if let Some(value) = last_event_id.and_then(last_event_id_header_value) {
            list.set("Last-Event-ID", &value)?;
        }
        let init = Object::assign(&Object::new(), &self.init);
        set(&init, "headers", &list);
        if let Some(signal) = signal {
            set(&init, "signal", signal);
        }
        if let Some(body) = body.filter(|body| !body.is_undefined() && !body.is_null()) {
            set(&init, "body", body);
            if body.is_instance_of::<web_sys::ReadableStream>() {
                // Required by fetch for a streaming upload.
                set(&init, "duplex", &JsValue::from_str("half"));
            }
        }
        Request::new_with_str_and_init(url, init.unchecked_ref())
    }
}
