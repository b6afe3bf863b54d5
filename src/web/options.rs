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
//!
//! Numbers are converted as WebIDL converts them to the type each option declares
//! (docs/options.md lists them): ToNumber first (so `"10"` and an object's `valueOf`
//! work), then `[EnforceRange]` integers throw on NaN and ±Infinity, truncate toward
//! zero and throw outside their type's range, and `double`s throw unless finite; an
//! option's own range (e.g. `highWaterMark >= 1`) is checked last. The exceptions are
//! `TypeError`s worded like Chromium's.
//!
//! `fromReadableStream(stream, options)` reads only the members that apply to a stream
//! ([`Options::read_for_stream`]).

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

/// `dict[name]`, `None` when it is `undefined` (or `dict` is `undefined` or `null`);
/// getter exceptions propagate.
fn member(dict: &JsValue, name: &str) -> Result<Option<JsValue>, JsValue> {
    if dict.is_undefined() || dict.is_null() {
        return Ok(None);
    }
    let value = Reflect::get(dict, &JsValue::from_str(name))?;
    Ok((!value.is_undefined()).then_some(value))
}

/// The prefix of the constructor's exceptions (as Chromium words them).
const CONSTRUCT: &str = "Failed to construct 'EventSource': ";

/// Declares a dictionary's members once: an enum, so that every `match` on a member is
/// exhaustive, and the table of every member with its name, which must be in WebIDL's
/// (lexicographic) reading order, checked at compile time.
macro_rules! members {
    ($(#[$doc:meta])* enum $enum:ident; const $table:ident = { $($variant:ident = $name:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq)]
        enum $enum {
            $($variant,)+
        }

        /// Every member with its name, in reading order.
        const $table: &[($enum, &str)] = &[$(($enum::$variant, $name),)+];

        const _: () = {
            let mut i = 1;
            while i < $table.len() {
                assert!(
                    sorts_before($table[i - 1].1, $table[i].1),
                    "members must be listed in lexicographic order"
                );
                i += 1;
            }
        };
    };
}

/// Whether `a` sorts strictly before `b` (by code unit; the names are ASCII).
const fn sorts_before(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

members! {
    /// A member of the constructor's init dictionary.
    enum Member;
    const MEMBERS = {
        Body = "body",
        Credentials = "credentials",
        Fetch = "fetch",
        Finite = "finite",
        Headers = "headers",
        HighWaterMark = "highWaterMark",
        InactivityTimeout = "inactivityTimeout",
        Integrity = "integrity",
        Keepalive = "keepalive",
        LastEventId = "lastEventId",
        LastEventIdParam = "lastEventIdParam",
        MaxEventSize = "maxEventSize",
        Method = "method",
        Mode = "mode",
        OnAuthError = "onAuthError",
        Reconnect = "reconnect",
        Redirect = "redirect",
        Referrer = "referrer",
        ReferrerPolicy = "referrerPolicy",
        Signal = "signal",
        WaitForOnline = "waitForOnline",
        WithCredentials = "withCredentials",
    }
}

/// The members `fromReadableStream` reads (the rest only concern requests and
/// reconnections, which a stream source never makes, and are not read at all, as a
/// WebIDL dictionary ignores members it does not define).
const STREAM_MEMBERS: [Member; 4] = [
    Member::HighWaterMark,
    Member::LastEventId,
    Member::MaxEventSize,
    Member::Signal,
];

members! {
    /// A member of the `reconnect` dictionary.
    enum ReconnectMember;
    const RECONNECT_MEMBERS = {
        InitialDelay = "initialDelay",
        Jitter = "jitter",
        MaxDelay = "maxDelay",
        MaxRetries = "maxRetries",
        Multiplier = "multiplier",
        RetryAfterCap = "retryAfterCap",
        RetryOnStatus = "retryOnStatus",
    }
}

/// The WebIDL numeric types the options are converted to.
#[derive(Clone, Copy, PartialEq)]
enum Numeric {
    /// `[EnforceRange] unsigned short`.
    UnsignedShort,
    /// `[EnforceRange] unsigned long`.
    UnsignedLong,
    /// `[EnforceRange] unsigned long long`.
    UnsignedLongLong,
    /// `double` (finite).
    Double,
}

impl Numeric {
    /// The type's name in the platform's messages.
    fn name(self) -> &'static str {
        match self {
            Numeric::UnsignedShort => "unsigned short",
            Numeric::UnsignedLong => "unsigned long",
            Numeric::UnsignedLongLong => "unsigned long long",
            Numeric::Double => "double",
        }
    }

    /// The largest value of the type.
    fn max(self) -> f64 {
        match self {
            Numeric::UnsignedShort => 65_535.0,
            Numeric::UnsignedLong => 4_294_967_295.0,
            // 2^53 − 1, WebIDL's bound for `[EnforceRange] unsigned long long`.
            Numeric::UnsignedLongLong => 9_007_199_254_740_991.0,
            Numeric::Double => f64::MAX,
        }
    }
}

/// The dictionary being read, for the wording of its exceptions: "`context`Failed to
/// read the '`member`' property from '`name`': …" (Chromium's words).
#[derive(Clone, Copy)]
struct Dictionary {
    context: &'static str,
    name: &'static str,
}

const INIT: Dictionary = Dictionary {
    context: CONSTRUCT,
    name: "EventSourceInit",
};

const STREAM_INIT: Dictionary = Dictionary {
    context: "Failed to execute 'fromReadableStream' on 'EventSource': ",
    name: "FromReadableStreamOptions",
};

impl Dictionary {
    /// A `TypeError` about `member`'s value.
    fn error(self, member: &str, what: &[&str]) -> JsValue {
        let message = [
            self.context,
            "Failed to read the '",
            member,
            "' property from '",
            self.name,
            "': ",
            &what.concat(),
        ]
        .concat();
        js_sys::TypeError::new(&message).into()
    }

    /// WebIDL's dictionary check: `undefined` and `null` are an empty dictionary (see
    /// [`member`]); another non-object is a `TypeError`.
    fn check(self, init: &JsValue) -> Result<(), JsValue> {
        if init.is_undefined() || init.is_null() || init.is_object() || init.is_function() {
            return Ok(());
        }
        let message = [
            self.context,
            "The provided value is not of type '",
            self.name,
            "'.",
        ];
        Err(js_sys::TypeError::new(&message.concat()).into())
    }

    /// WebIDL's conversion of `value` to `ty`: ToNumber (a `valueOf` that throws
    /// propagates; a Symbol or a BigInt is a `TypeError`), then for `double` a
    /// `TypeError` unless finite; for the `[EnforceRange]` integers a `TypeError` for
    /// NaN and ±Infinity, truncation toward zero, and a `TypeError` outside the type's
    /// range. Then the option's own range, `min..=max`: a `TypeError` outside it
    /// ("The value must be `rule`.").
    fn number(
        self,
        member: &str,
        value: &JsValue,
        ty: Numeric,
        (min, max, rule): (f64, f64, &str),
    ) -> Result<f64, JsValue> {
        let n = to_number(value)?;
        let n = self.convert(member, n, ty)?;
        if n < min || n > max {
            return Err(self.error(member, &["The value must be ", rule, "."]));
        }
        Ok(n)
    }

    /// The IDL part of [`number`](Self::number), on a number.
    fn convert(self, member: &str, n: f64, ty: Numeric) -> Result<f64, JsValue> {
        let (head, tail) = match ty {
            // [spec] WebIDL `double`: "If x is NaN, +∞, or −∞, then throw a TypeError."
            Numeric::Double if n.is_finite() => return Ok(n),
            Numeric::Double => ("The provided ", " value is non-finite."),
            // [spec] WebIDL ConvertToInt, [EnforceRange]: "If x is NaN, +∞, or −∞, then
            // throw a TypeError. Set x to IntegerPart(x). If x < lowerBound or x >
            // upperBound, then throw a TypeError."
            _ if n.is_nan() => ("Value is not of type '", "'."),
            _ if n.is_infinite() => ("Value is infinite and not of type '", "'."),
            _ => {
                // IntegerPart truncates toward zero; `+ 0.0` turns the −0 of a
                // truncated −0.5 into 0 ([spec] "If x is −0, then set x to +0").
                let n = n.trunc() + 0.0;
                if (0.0..=ty.max()).contains(&n) {
                    return Ok(n);
                }
                ("Value is outside the '", "' value range.")
            }
        };
        Err(self.error(member, &[head, ty.name(), tail]))
    }
}

/// ECMAScript ToNumber, the first step of WebIDL's numeric conversions: numeric strings
/// parse, an object's `valueOf` runs (its exception propagates), a Symbol or a BigInt
/// throws the engine's own `TypeError`.
// [spec] WebIDL ConvertToInt / `double`: "Let x be ? ToNumber(V)."
fn to_number(value: &JsValue) -> Result<f64, JsValue> {
    match value.as_f64() {
        Some(n) => Ok(n),
        None => super::sys::to_number(value),
    }
}

/// A function, or a `TypeError`.
fn function(dict: Dictionary, name: &str, value: JsValue) -> Result<Function, JsValue> {
    value
        .dyn_into::<Function>()
        .map_err(|_| dict.error(name, &["The provided value is not a function."]))
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

/// No range beyond the IDL type's (see [`Dictionary::number`]).
const ANY: (f64, f64, &str) = (0.0, f64::MAX, "");

/// A count or size of at least 1 (see [`Dictionary::number`]).
const AT_LEAST_1: (f64, f64, &str) = (1.0, f64::MAX, "at least 1");

/// `inactivityTimeout`, `initialDelay`, `maxDelay` and `retryAfterCap`:
/// `[EnforceRange] unsigned long long` milliseconds.
fn millis(dict: Dictionary, member: &str, value: &JsValue) -> Result<u64, JsValue> {
    Ok(dict.number(member, value, Numeric::UnsignedLongLong, ANY)? as u64)
}

/// `retryOnStatus`: `sequence<[EnforceRange] unsigned short>` of HTTP statuses
/// (100 to 599).
fn statuses(dict: Dictionary, member: &str, value: &JsValue) -> Result<Vec<u16>, JsValue> {
    let not_a_sequence = || {
        dict.error(
            member,
            &["The provided value cannot be converted to a sequence."],
        )
    };
    if !(value.is_object() || value.is_function()) {
        return Err(not_a_sequence());
    }
    if !Reflect::get(value, &js_sys::Symbol::iterator())?.is_function() {
        return Err(not_a_sequence());
    }
    let mut list = Vec::new();
    for status in super::sys::array_from(value)?.iter() {
        let range = (100.0, 599.0, "an HTTP status (100 to 599)");
        list.push(dict.number(member, &status, Numeric::UnsignedShort, range)? as u16);
    }
    Ok(list)
}

/// Reads the `reconnect` dictionary into `policy`.
fn read_reconnect(value: &JsValue, policy: &mut ReconnectPolicy) -> Result<(), JsValue> {
    let dict = Dictionary {
        context: "Failed to construct 'EventSource': Failed to read the 'reconnect' property from 'EventSourceInit': ",
        name: "ReconnectOptions",
    };
    dict.check(value)?;
    for &(member_id, name) in RECONNECT_MEMBERS {
        let Some(value) = member(value, name)? else {
            continue;
        };
        match member_id {
            ReconnectMember::InitialDelay => policy.initial_delay_ms = millis(dict, name, &value)?,
            ReconnectMember::Jitter => {
                let range = (0.0, 1.0, "from 0 to 1");
                policy.jitter = dict.number(name, &value, Numeric::Double, range)?;
            }
            ReconnectMember::MaxDelay => policy.max_delay_ms = millis(dict, name, &value)?,
            ReconnectMember::MaxRetries => {
                // `unrestricted double`: Infinity is "no limit"; any other value is
                // converted as an `[EnforceRange] unsigned long`.
                let n = to_number(&value)?;
                policy.max_retries = match n == f64::INFINITY {
                    true => None,
                    false => Some(dict.convert(name, n, Numeric::UnsignedLong)? as u32),
                };
            }
            ReconnectMember::Multiplier => {
                let range = (0.0, f64::MAX, "at least 0");
                policy.multiplier = dict.number(name, &value, Numeric::Double, range)?
            }
            ReconnectMember::RetryAfterCap => {
                policy.retry_after_cap_ms = millis(dict, name, &value)?
            }
            ReconnectMember::RetryOnStatus => policy.retry_statuses = statuses(dict, name, &value)?,
        }
    }
    Ok(())
}

impl Options {
    /// The defaults: a `GET` in `cors` mode with the cache mode `no-store`.
    fn new() -> Options {
        let init = Object::new();
        set(&init, "method", &JsValue::from_str("GET"));
        set(&init, "mode", &JsValue::from_str("cors"));
        set(&init, "cache", &JsValue::from_str("no-store"));
        Options {
            with_credentials: false,
            last_event_id: None,
            last_event_id_param: None,
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
            init,
        }
    }

    /// Reads the constructor's init dictionary (in WebIDL's lexicographic order, each
    /// member converted before the next is read).
    pub fn read(init: &JsValue) -> Result<Options, JsValue> {
        let mut options = Options::new();
        let mut credentials = None;
        INIT.check(init)?;
        for &(member_id, name) in MEMBERS {
            if let Some(value) = member(init, name)? {
                options.apply(INIT, member_id, name, value, &mut credentials)?;
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

    /// Reads the options of `EventSource.fromReadableStream(stream, options)`: only
    /// `highWaterMark`, `lastEventId`, `maxEventSize` and `signal` (in that order,
    /// converted as for the constructor). The other members are not read at all: they
    /// only concern requests and reconnections, which a stream source never makes.
    pub fn read_for_stream(init: &JsValue) -> Result<Options, JsValue> {
        let mut options = Options::new();
        STREAM_INIT.check(init)?;
        for &(member_id, name) in MEMBERS {
            if !STREAM_MEMBERS.contains(&member_id) {
                continue;
            }
            if let Some(value) = member(init, name)? {
                options.apply(STREAM_INIT, member_id, name, value, &mut None)?;
            }
        }
        Ok(options)
    }

    /// Converts one member's value (`name` is its name) and stores it.
    fn apply(
        &mut self,
        dict: Dictionary,
        member: Member,
        name: &str,
        value: JsValue,
        credentials: &mut Option<String>,
    ) -> Result<(), JsValue> {
        match member {
            Member::Body => {
                if value.is_instance_of::<web_sys::ReadableStream>() {
                    return Err(dict.error(
                        name,
                        &["A ReadableStream cannot be sent again on reconnection: pass a function that returns a new stream for every attempt."],
                    ));
                }
                self.body = per_attempt(value);
            }
            // RequestInit members: strings the platform validates (see `validate`).
            Member::Credentials
            | Member::Integrity
            | Member::Method
            | Member::Mode
            | Member::Redirect
            | Member::Referrer
            | Member::ReferrerPolicy => {
                let string = super::to_usv_string(&value)?;
                set(&self.init, name, &JsValue::from_str(&string));
                if member == Member::Credentials {
                    *credentials = Some(string);
                }
            }
            Member::Fetch => self.fetch = Some(function(dict, name, value)?),
            Member::Finite => self.policy.finite = value.is_truthy(),
            Member::Headers => {
                self.headers = match per_attempt(value) {
                    // A copy now, like fetch: later changes to the caller's object do
                    // not apply.
                    PerAttempt::Fixed(value) => {
                        PerAttempt::Fixed(Headers::new_with_str_sequence_sequence(&value)?.into())
                    }
                    other => other,
                }
            }
            Member::HighWaterMark => {
                let n = dict.number(name, &value, Numeric::UnsignedLong, AT_LEAST_1)?;
                self.high_water_mark = n as u32;
            }
            Member::InactivityTimeout => {
                // 0 (and so 0.5, truncated to 0) is "off".
                let ms = millis(dict, name, &value)?;
                self.inactivity_timeout_ms = (ms > 0).then_some(ms);
            }
            Member::Keepalive => set(&self.init, name, &JsValue::from_bool(value.is_truthy())),
            Member::LastEventId => self.last_event_id = Some(super::to_usv_string(&value)?),
            Member::LastEventIdParam => {
                // A `USVString` that must not be empty (a nameless parameter is no cursor).
                let param = super::to_usv_string(&value)?;
                if param.is_empty() {
                    return Err(dict.error(name, &["The value must not be empty."]));
                }
                self.last_event_id_param = Some(param);
            }
            Member::MaxEventSize => {
                let n = dict.number(name, &value, Numeric::UnsignedLongLong, AT_LEAST_1)?;
                // `as` saturates: beyond 4 GiB − 1 (more than wasm32 memory) is no limit.
                self.max_event_size = n as usize;
            }
            Member::OnAuthError => {
                self.on_auth_error = Some(function(dict, name, value)?);
                self.policy.auth_refresh = true;
            }
            Member::Reconnect => read_reconnect(&value, &mut self.policy)?,
            Member::Signal => {
                let signal = value.dyn_into::<AbortSignal>();
                let error = |_| dict.error(name, &["Failed to convert value to 'AbortSignal'."]);
                self.signal = Some(signal.map_err(error)?);
            }
            Member::WaitForOnline => self.wait_for_online = value.is_truthy(),
            Member::WithCredentials => self.with_credentials = value.is_truthy(),
        }
        Ok(())
    }

    /// Whether requests are made in `cors` mode (the default), where a rejected
    /// cross-origin fetch may be a CORS failure.
    pub fn is_cors_mode(&self) -> bool {
        Reflect::get(&self.init, &JsValue::from_str("mode"))
            .ok()
            .and_then(|mode| mode.as_string())
            .is_some_and(|mode| mode == "cors")
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
