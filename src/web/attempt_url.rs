//! The `url` option: a caller's function that names the URL of every attempt (tokens
//! carried in the query string), while the `url` argument stays what the `url` getter
//! reports.
//!
//! Rules (non-standard): the function is called with no argument before every attempt
//! (before the `headers` and `body` functions) and may return a string, a `URL`, or a
//! promise of either; the result is resolved against the base URL as the constructor
//! resolves its argument. A function that throws or rejects fails the attempt like a
//! throwing `headers` function (a network error: reconnect per the policy). A result
//! that is neither a string nor a `URL`, does not parse, or has a scheme that cannot be
//! fetched fails the connection like a constructor URL with such a scheme (one `error`,
//! CLOSED). The result is fetched as is (with `lastEventIdParam` applied): a redirect
//! is followed within its attempt only, and the next attempt starts from the
//! function's next result, so reconnections never go straight to an origin the caller
//! did not name.

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::source::parse_url;
use super::state::Source;
use super::task::call_user;
use crate::connection::NetworkFailure;

/// Calls the `url` function and resolves what it gave (see the module docs).
pub async fn attempt_url(source: &Source, function: &Function) -> Result<String, NetworkFailure> {
    let value = call_user(source, function, &JsValue::UNDEFINED)
        .await
        .map_err(|_| NetworkFailure::Network)?;
    super::sys::url_text(&value)
        .as_deref()
        .and_then(parse_url)
        .ok_or(NetworkFailure::Scheme)
}
