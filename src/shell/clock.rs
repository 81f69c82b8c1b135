//! The client's clock: an injected `now()` or `Date.now()`, held at its highest reading.

use crate::core::clock::Monotonic;
use js_sys::{Date, Function};
use std::cell::Cell;
use std::fmt;
use wasm_bindgen::JsValue;

/// Epoch milliseconds from the caller's `now` function, or `Date.now()` when there is none,
/// it throws, it answers something other than a finite number, or it is read again from
/// inside itself (a clock that calls back into its client); never less than an earlier reading.
pub struct Clock {
    now: Option<Function>,
    reading: Cell<bool>,
    monotonic: Cell<Monotonic>,
}

impl Clock {
    /// A clock reading `now`, if given.
    pub fn new(now: Option<Function>) -> Self {
        Clock {
            now,
            reading: Cell::new(false),
            monotonic: Cell::default(),
        }
    }

    /// The time now, in epoch ms.
    pub fn now(&self) -> f64 {
        let raw = self.raw();
        let mut monotonic = self.monotonic.get();
        let now = monotonic.read(raw);
        self.monotonic.set(monotonic);
        now
    }

    fn raw(&self) -> f64 {
        let Some(now) = self.now.as_ref().filter(|_| !self.reading.get()) else {
            return Date::now();
        };
        self.reading.set(true);
        let t = now.call0(&JsValue::UNDEFINED);
        self.reading.set(false);
        match t.ok().and_then(|t| t.as_f64()) {
            Some(t) if t.is_finite() => t,
            _ => Date::now(),
        }
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clock")
            .field("injected", &self.now.is_some())
            .finish()
    }
}
