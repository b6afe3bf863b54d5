//! The few platform calls the client performs, as globals (so they work in a window
//! and in a dedicated worker alike), and RAII guards that release what a call set up
//! when they are dropped: an abandoned attempt aborts its fetch, an abandoned wait
//! clears its timer. Dropping the stream drops the driver future, so nothing outlives
//! it.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortController;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (window or worker scope).
    #[wasm_bindgen(catch, js_name = fetch)]
    pub fn fetch(request: &web_sys::Request) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, millis: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);

    /// A promise, seen only for `then` with plain functions.
    type Settling;
    /// `promise.then(onFulfilled, onRejected)`.
    #[wasm_bindgen(method, js_name = then)]
    fn then_settled(this: &Settling, on_fulfilled: &JsValue, on_rejected: &JsValue) -> JsValue;

    type Performance;
    #[wasm_bindgen(thread_local_v2, js_name = performance)]
    static PERFORMANCE: Performance;
    #[wasm_bindgen(method)]
    fn now(this: &Performance) -> f64;
    #[wasm_bindgen(method, getter, js_name = timeOrigin)]
    fn time_origin(this: &Performance) -> f64;
}

/// Milliseconds since the Unix epoch on a clock that never goes backwards
/// (`performance.timeOrigin + performance.now()`), the clock the machine expects.
pub fn now() -> f64 {
    PERFORMANCE.with(|p| p.time_origin() + p.now())
}

/// `Math.random()`, for the machine's jitter.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// The longest delay `setTimeout` honours (a longer one fires at once).
const MAX_TIMER_MS: u64 = i32::MAX as u64;

/// A wait on the platform (a timer, an event) as a future; dropping it undoes what set
/// it up, so an abandoned wait leaves no timer or listener behind.
pub struct Wait {
    promise: JsFuture,
    undo: Undo,
}

/// What a [`Wait`] undoes when dropped.
enum Undo {
    /// `clearTimeout(handle)`.
    Timer(JsValue),
    /// Removes this `online` listener from the global scope.
    Online(Option<js_sys::Function>),
}

/// Resolves after `millis`.
pub fn sleep(millis: u64) -> Wait {
    let mut handle = JsValue::UNDEFINED;
    let promise = Promise::new(&mut |resolve, _reject| {
        handle = set_timeout(&resolve, millis.min(MAX_TIMER_MS) as f64);
    });
    Wait {
        promise: JsFuture::from(promise),
        undo: Undo::Timer(handle),
    }
}

/// Whether the global scope says it is offline (`navigator.onLine === false`).
pub fn is_offline() -> bool {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &JsValue::from_str("navigator"))
        .and_then(|navigator| js_sys::Reflect::get(&navigator, &JsValue::from_str("onLine")))
        .ok()
        .and_then(|online| online.as_bool())
        == Some(false)
}

/// Resolves at the next `online` event of the global scope.
pub fn online() -> Wait {
    let mut listener = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        let target: web_sys::EventTarget = js_sys::global().unchecked_into();
        if target
            .add_event_listener_with_callback("online", &resolve)
            .is_ok()
        {
            listener = Some(resolve);
        }
    });
    Wait {
        promise: JsFuture::from(promise),
        undo: Undo::Online(listener),
    }
}

impl Future for Wait {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.promise).poll(cx).map(drop)
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        match &mut self.undo {
            Undo::Timer(handle) => clear_timeout(handle),
            Undo::Online(listener) => {
                if let Some(listener) = listener.take() {
                    let target: web_sys::EventTarget = js_sys::global().unchecked_into();
                    let _ = target.remove_event_listener_with_callback("online", &listener);
                }
            }
        }
    }
}

/// The global scope's origin (`self.origin`), where there is one.
pub fn global_origin() -> Option<String> {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("origin"))
        .ok()?
        .as_string()
}

/// The origin of `url` (`"null"` if it cannot be parsed).
pub fn origin_of(url: &str) -> String {
    web_sys::Url::new(url)
        .map(|url| url.origin())
        .unwrap_or_else(|_| "null".to_owned())
}

/// How long the `no-cors` reachability probe may take before it counts as unanswered.
const PROBE_TIMEOUT_MS: u64 = 10_000;

/// A `no-cors` `GET` of `url` (no header, no body; the response is opaque and never
/// read): whether the server answered within [`PROBE_TIMEOUT_MS`]. The request is
/// aborted once settled (and when the future is dropped).
pub async fn probe(url: &str, credentials: web_sys::RequestCredentials) -> bool {
    let Ok(controller) = AbortController::new() else {
        return false;
    };
    let guard = AttemptGuard(controller);
    let init = web_sys::RequestInit::new();
    init.set_mode(web_sys::RequestMode::NoCors);
    init.set_cache(web_sys::RequestCache::NoStore);
    init.set_credentials(credentials);
    init.set_signal(Some(&guard.0.signal()));
    let Ok(promise) =
        web_sys::Request::new_with_str_and_init(url, &init).and_then(|request| fetch(&request))
    else {
        return false;
    };
    let mut timeout = sleep(PROBE_TIMEOUT_MS);
    matches!(
        race(JsFuture::from(promise), &mut timeout).await,
        Either::Left(Ok(_))
    )
}

/// The `AbortController` of one attempt: dropping it aborts the fetch and, once the
/// response arrived, its body (the server sees the connection end).
pub struct AttemptGuard(pub AbortController);

impl Drop for AttemptGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The body reader of one attempt: dropping it cancels the body. With the abort this
/// is what makes every engine close the connection: WebKitGTK was seen to keep an
/// aborted body's connection open for seconds while its reader still had a read
/// pending (the JS class's glue cancels its reader too).
pub struct BodyGuard(pub web_sys::ReadableStreamDefaultReader);

impl Drop for BodyGuard {
    fn drop(&mut self) {
        // `cancel()` rejects on a stream that already errored: the one closure takes
        // either settlement (called once, which frees it), so no rejection goes unhandled.
        let settle = Closure::once_into_js(|_: JsValue| {});
        let cancelled: Settling = self.0.cancel().unchecked_into();
        cancelled.then_settled(&settle, &settle);
    }
}

/// Which of two raced futures finished first.
pub enum Either<A, B> {
    /// The first.
    Left(A),
    /// The second.
    Right(B),
}

/// Polls `a` then `b` until one is ready; the other is left as it is (the caller drops
/// or reuses it).
pub async fn race<A, B>(a: A, b: &mut B) -> Either<A::Output, B::Output>
where
    A: Future,
    B: Future + Unpin,
{
    let mut a = core::pin::pin!(a);
    core::future::poll_fn(|cx| {
        if let Poll::Ready(out) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(out));
        }
        Pin::new(&mut *b).poll(cx).map(Either::Right)
    })
    .await
}

/// The global scope's `location.href` (window or worker), the base for relative URLs.
pub fn base_url() -> Option<String> {
    let location = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("location")).ok()?;
    js_sys::Reflect::get(&location, &JsValue::from_str("href"))
        .ok()?
        .as_string()
}
