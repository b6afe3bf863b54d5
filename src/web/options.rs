//! The constructor's second argument: `EventSourceInit` (`withCredentials`) read the way
//! WebIDL converts a dictionary, and the fetch `Request` built from it for each attempt.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use web_sys::{
    AbortSignal, Headers, Request, RequestCache, RequestCredentials, RequestInit, RequestMode,
};

use crate::connection::{last_event_id_header_value, ReconnectPolicy};

/// Everything the source needs from its init dictionary.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `withCredentials`: credentials mode `include` instead of `same-origin`.
    pub with_credentials: bool,
    /// The cursor to start from (non-standard `lastEventId` option).
    pub last_event_id: Option<String>,
    /// How failures and reconnections are handled.
    pub policy: ReconnectPolicy,
}

/// `dict[name]`, with `undefined` for a missing dictionary; getter exceptions propagate.
fn member(dict: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    if dict.is_undefined() || dict.is_null() {
        return Ok(JsValue::UNDEFINED);
    }
    Reflect::get(dict, &JsValue::from_str(name))
}

impl Options {
    /// Reads the dictionary members (in WebIDL's lexicographic order).
    pub fn read(init: &JsValue) -> Result<Options, JsValue> {
        let last_event_id = member(init, "lastEventId")?;
        let with_credentials = member(init, "withCredentials")?.is_truthy();
        let last_event_id = if last_event_id.is_undefined() {
            None
        } else {
            Some(super::to_usv_string(&last_event_id)?)
        };
        Ok(Options {
            with_credentials,
            last_event_id,
            policy: ReconnectPolicy::default(),
        })
    }

    /// The request for one attempt: `GET`, `Accept: text/event-stream`, cache mode
    /// `no-store`, CORS mode, credentials from `withCredentials`, and `Last-Event-ID`
    /// when reconnecting with a non-empty id.
    pub fn build_request(
        &self,
        url: &str,
        last_event_id: Option<&str>,
        signal: Option<&AbortSignal>,
    ) -> Result<Request, JsValue> {
        let headers = Headers::new()?;
        headers.set("Accept", "text/event-stream")?;
        if let Some(value) = last_event_id.and_then(last_event_id_header_value) {
            headers.set("Last-Event-ID", &value)?;
        }
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_headers(&headers);
        init.set_mode(RequestMode::Cors);
        init.set_cache(RequestCache::NoStore);
        init.set_credentials(if self.with_credentials {
            RequestCredentials::Include
        } else {
            RequestCredentials::SameOrigin
        });
        init.set_signal(signal);
        Request::new_with_str_and_init(url, &init)
    }
}
