//! One source's state, split so that no borrow can be live while JavaScript runs.
//!
//! - [`Core`] is plain Rust (the sans-I/O machine, the URL, flags): no JS value can be
//!   stored in it (it must be `Send`, which every JS handle is not). It sits in a
//!   `RefCell` that only [`Source::with`] borrows, and `with` takes a closure that must
//!   be `Send` and return a `Send` value: such a closure cannot capture or return a JS
//!   handle, cannot reach the `Source` again (a `&Source` is not `Send`), and cannot
//!   `.await`. So a borrow of the core can never span a call into JS or a suspension,
//!   and a page that re-enters the source from any callback (a wrapped global, a getter,
//!   a listener) finds the core free. Nothing inside a `with` closure calls into JS: the
//!   few JS-backed values the core needs (the time, a random number) are read before.
//! - Every JS handle (the shell, the current fetch, timers, listeners, the consumer) is
//!   a [`Slot`]: a `Cell` that is only ever taken, replaced or cloned out, never
//!   borrowed. Releasing takes the handles out first and calls into JS afterwards.
//!
//! After `close()` or a failure every slot is emptied: nothing of the caller's
//! (listeners, options, functions, streams) stays reachable from the module, and the
//! core keeps only what the getters read.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal, EventTarget};

use super::options::Options;
use super::sys;
use crate::connection::machine::Machine;
use crate::connection::ReadyState;

/// A JS handle owned by the source: taken, put back or cloned out, never borrowed.
pub struct Slot<T>(Cell<Option<T>>);

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self(Cell::new(None))
    }
}

impl<T> Slot<T> {
    /// Empties the slot, returning what it held.
    pub fn take(&self) -> Option<T> {
        self.0.take()
    }

    /// Stores `value`, returning what the slot held before.
    pub fn put(&self, value: T) -> Option<T> {
        self.0.replace(Some(value))
    }

    /// Whether the slot holds a value.
    pub fn is_set(&self) -> bool {
        let value = self.0.take();
        let set = value.is_some();
        self.0.set(value);
        set
    }
}

impl<T: Clone> Slot<T> {
    /// A clone of the held value (the slot keeps it).
    pub fn get(&self) -> Option<T> {
        let value = self.0.take();
        let copy = value.clone();
        self.0.set(value);
        copy
    }
}

/// The source's plain-Rust state (see the module docs for why it holds no JS value).
pub struct Core {
    /// The URL the caller named, resolved (`url` getter).
    pub url: String,
    /// The `withCredentials` getter.
    pub with_credentials: bool,
    /// The queue size of a `stream()` / `for await` consumer.
    pub high_water_mark: u32,
    /// `inactivityTimeout` in ms.
    pub inactivity_ms: Option<u64>,
    /// A `fromReadableStream` source (read once, never fetched).
    pub from_stream: bool,
    /// Every rule: the ready state, reconnections, the parser and the last event ID.
    pub machine: Machine,
}

impl Core {
    /// Whether the source is CLOSED.
    pub fn is_closed(&self) -> bool {
        self.machine.ready_state() == ReadyState::Closed
    }
}

// The guarantee `Source::with` relies on: the core holds no JS value.
const _: fn() = || {
    fn holds_no_js_value<T: Send>() {}
    holds_no_js_value::<Core>();
};

/// A timer the task sleeps on: `close()` clears it and wakes the task.
pub struct Sleep {
    /// The `setTimeout` handle.
    pub handle: JsValue,
    /// Resolves the promise the task awaits.
    pub wake: Function,
}

/// The `signal` option and the `abort` listener added to it.
pub type SignalListener = (AbortSignal, Closure<dyn FnMut()>);

/// One source: its core and its JS handles.
pub struct Source {
    core: RefCell<Core>,
    /// The JS `EventSource` object events are dispatched on.
    pub shell: Slot<EventTarget>,
    /// A plain JS object the batch delivery reads before each event (see `sys`).
    pub route: Slot<Object>,
    /// Origin of the current response, as events report it.
    pub origin: Slot<JsValue>,
    /// The options of a fetched source.
    pub options: Slot<Rc<Options>>,
    /// The caller's stream of a `fromReadableStream` source, until it is read.
    pub stream: Slot<sys::Stream>,
    /// The current attempt's fetch.
    pub abort: Slot<AbortController>,
    /// The current attempt's body reader.
    pub reader: Slot<sys::Reader>,
    /// The inactivity timer of the current attempt.
    pub timer: Slot<JsValue>,
    /// What the inactivity timer calls: the attempt's `abort()`, bound.
    pub on_timeout: Slot<Function>,
    /// The wait between attempts.
    pub sleep: Slot<Sleep>,
    /// While waiting for the global `online` event: the listener, which wakes the task.
    pub online: Slot<Function>,
    /// While a consumer's queue is full: wakes the task (`pull()` calls it).
    pub room: Slot<Function>,
    /// While the task awaits a caller's promise: makes it give up (on close).
    pub give_up: Slot<Function>,
    /// The `signal` option's listener.
    pub signal: Slot<SignalListener>,
    /// The attached `stream()` / `for await` consumer.
    pub consumer: Slot<sys::Controller>,
    /// The last event ID once the source is done (see [`Core::release_buffers`]).
    pub final_id: Slot<js_sys::JsString>,
    /// The `Error` a consumer gets when the source failed (ours, kept for a consumer
    /// that attaches later; it references nothing of the caller's).
    pub failure: Slot<JsValue>,
}

impl Source {
    /// A source around `core`, with no handle yet.
    pub fn new(core: Core) -> Self {
        Source {
            core: RefCell::new(core),
            shell: Slot::default(),
            route: Slot::default(),
            origin: Slot::default(),
            options: Slot::default(),
            stream: Slot::default(),
            abort: Slot::default(),
            reader: Slot::default(),
            timer: Slot::default(),
            on_timeout: Slot::default(),
            sleep: Slot::default(),
            online: Slot::default(),
            room: Slot::default(),
            give_up: Slot::default(),
            signal: Slot::default(),
            consumer: Slot::default(),
            final_id: Slot::default(),
            failure: Slot::default(),
        }
    }

    /// Runs `f` on the core. The bounds make a borrow across JS impossible (module docs).
    pub fn with<R: Send>(&self, f: impl FnOnce(&mut Core) -> R + Send) -> R {
        f(&mut self.core.borrow_mut())
    }

    /// Whether the source is CLOSED.
    pub fn is_closed(&self) -> bool {
        self.with(|core| core.is_closed())
    }

    /// The current attempt's resources: fetch, reader, inactivity timer.
    pub fn take_attempt(&self) -> Release {
        self.on_timeout.take();
        Release {
            abort: self.abort.take(),
            reader: self.reader.take(),
            timer: self.timer.take(),
            ..Release::default()
        }
    }

    /// Every handle: what is released, and the rest dropped (on close and when the
    /// task ends, so that nothing of the caller's stays reachable).
    pub fn take_all(&self) -> Release {
        self.shell.take();
        self.route.take();
        self.origin.take();
        self.options.take();
        self.stream.take();
        Release {
            sleep: self.sleep.take(),
            online: self.online.take(),
            wake: [self.room.take(), self.give_up.take()],
            signal: self.signal.take(),
            consumer: self.consumer.take(),
            ..self.take_attempt()
        }
    }

    /// Whether the current attempt's fetch was aborted by the inactivity timer (only
    /// `close()`, which also closes the source, aborts it otherwise).
    pub fn timed_out(&self) -> bool {
        self.abort
            .get()
            .is_some_and(|abort| abort.signal().aborted())
    }
}

/// JS resources taken out of a [`Source`], released by [`Release::run`].
#[derive(Default)]
pub struct Release {
    abort: Option<AbortController>,
    reader: Option<sys::Reader>,
    timer: Option<JsValue>,
    sleep: Option<Sleep>,
    online: Option<Function>,
    wake: [Option<Function>; 2],
    signal: Option<SignalListener>,
    consumer: Option<sys::Controller>,
}

impl Release {
    /// Keeps the fetch and the reader (the body is over: nothing to abort or cancel).
    pub fn without_fetch(mut self) -> Self {
        self.abort = None;
        self.reader = None;
        self
    }

    /// Clears timers, removes listeners, aborts the fetch, cancels the reader, wakes a
    /// waiting task and closes a consumer's stream (its queued events stay readable).
    pub fn run(self) {
        if let Some(handle) = self.timer {
            sys::clear_timeout(&handle);
        }
        if let Some(sleep) = self.sleep {
            sys::clear_timeout(&sleep.handle);
            let _ = sleep.wake.call0(&JsValue::UNDEFINED);
        }
        if let Some((signal, listener)) = self.signal {
            let _ = signal
                .remove_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
            // Dropping a closure while it runs (close from the abort listener) is safe:
            // wasm-bindgen frees it once the call returns.
            drop(listener);
        }
        if let Some(online) = self.online {
            sys::watch_online(&online, false);
            let _ = online.call0(&JsValue::UNDEFINED);
        }
        if let Some(abort) = self.abort {
            abort.abort();
        }
        if let Some(reader) = self.reader {
            if let Ok(promise) = reader.cancel() {
                sys::ignore_rejection(&promise);
            }
        }
        for wake in self.wake.into_iter().flatten() {
            let _ = wake.call0(&JsValue::UNDEFINED);
        }
        if let Some(consumer) = self.consumer {
            sys::end_stream(&consumer, None);
        }
    }
}
