//! Timers and racing futures: a `setTimeout` sleep that clears its timer when dropped, the
//! abort event of a caller's signal as a future, and `race`.

use crate::sys::{self, AnySignal};
use js_sys::{Function, Promise};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Resolves after `ms` milliseconds; dropping it clears the timer (a Node process can exit)
/// and settles its promise (so the callbacks awaiting it are freed).
#[derive(Debug)]
pub struct Sleep {
    handle: JsValue,
    resolve: Option<Function>,
    done: JsFuture,
}

impl Sleep {
    /// A sleep of `ms` (clamped to what a JS timer accepts).
    pub fn new(ms: f64) -> Self {
        let ms = ms.clamp(0.0, crate::core::options::MAX_TIMER_MS);
        let mut handle = JsValue::UNDEFINED;
        let mut resolver = None;
        let promise = Promise::new(&mut |resolve: Function, _reject| {
            handle = sys::set_timeout(&resolve, ms);
            resolver = Some(resolve);
        });
        Sleep {
            handle,
            resolve: resolver,
            done: JsFuture::from(promise),
        }
    }
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        std::pin::Pin::new(&mut self.done).poll(cx).map(|_| ())
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        sys::clear_timeout(&self.handle);
        // A promise that never settles would keep the JsFuture's callbacks (and the Rc cycle
        // between them) alive forever.
        if let Some(resolve) = &self.resolve {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}

/// A promise settled when this is dropped: the end of an exchange, or of a store call, after
/// which the promises it raced are no longer awaited.
#[derive(Debug)]
pub struct GiveUp {
    promise: Promise,
    resolve: Option<Function>,
}

impl GiveUp {
    /// A new, pending one.
    pub fn new() -> Self {
        let mut resolve = None;
        let promise = Promise::new(&mut |r: Function, _reject| resolve = Some(r));
        GiveUp { promise, resolve }
    }

    /// Awaits `value` (a promise, a thenable or a plain value) until this is dropped: a
    /// caller's promise that never settles then frees the callbacks awaiting it anyway.
    pub fn wait(&self, value: &JsValue) -> JsFuture {
        JsFuture::from(Promise::race(&js_sys::Array::of2(
            &sys::promise(value),
            &self.promise,
        )))
    }
}

impl Drop for GiveUp {
    fn drop(&mut self) {
        if let Some(resolve) = &self.resolve {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}

/// Waits for `ms`, or forever when `ms` is 0 (no timeout).
pub async fn timeout(ms: f64) {
    if ms > 0.0 {
        Sleep::new(ms).await
    } else {
        std::future::pending().await
    }
}

/// Resolves with the signal's reason when it aborts (forever without a signal); dropping
/// it removes the listener.
#[derive(Debug)]
pub struct AbortWait {
    signal: Option<(AnySignal, Function)>,
    done: Option<JsFuture>,
}

impl AbortWait {
    /// Listens to `signal`'s `abort` event.
    pub fn new(signal: Option<&AnySignal>) -> Self {
        let Some(signal) = signal else {
            return AbortWait {
                signal: None,
                done: None,
            };
        };
        let mut listener = None;
        let promise = Promise::new(&mut |resolve: Function, _reject| {
            listener = Some(resolve);
        });
        let listener = listener.unwrap_or_else(|| Function::from(JsValue::UNDEFINED));
        let added = signal.add_event_listener("abort", &listener).is_ok();
        AbortWait {
            signal: added.then(|| (signal.clone(), listener)),
            done: added.then(|| JsFuture::from(promise)),
        }
    }

    /// Waits for the abort; returns the signal's reason.
    pub async fn wait(&mut self) -> JsValue {
        match (&mut self.done, &self.signal) {
            (Some(done), Some((signal, _))) => {
                let _ = done.await;
                sys::get(signal, "reason")
            }
            _ => std::future::pending().await,
        }
    }
}

impl Drop for AbortWait {
    fn drop(&mut self) {
        if let Some((signal, listener)) = &self.signal {
            let _ = signal.remove_event_listener("abort", listener);
            // The listener resolves the promise the JsFuture awaits: settle it (see Sleep).
            let _ = listener.call0(&JsValue::UNDEFINED);
        }
    }
}

/// Whether `signal` has aborted, and its reason.
pub fn aborted(signal: &AnySignal) -> Option<JsValue> {
    match sys::get(signal, "aborted") {
        v if v.is_truthy() => Some(sys::get(signal, "reason")),
        _ => None,
    }
}

/// One of two outcomes.
#[derive(Debug)]
pub enum Either<A, B> {
    /// The first future finished first.
    Left(A),
    /// The second future finished first.
    Right(B),
}

/// Runs both futures; the first to finish wins and the other is dropped.
pub async fn race<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    poll_fn(|cx| {
        if let Poll::Ready(x) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(x));
        }
        if let Poll::Ready(y) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(y));
        }
        Poll::Pending
    })
    .await
}
