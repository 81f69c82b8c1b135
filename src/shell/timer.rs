//! Timers and racing futures: a `setTimeout` sleep that clears its timer when dropped, the
//! abort event of a caller's signal as a future, and `race`.

use crate::sys::{self, AnySignal};
use js_sys::{Function, Promise};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// A promise settled by its own resolve function, at the latest when this is dropped: a
/// promise that never settled would keep the callbacks awaiting it (a JsFuture's, in an Rc
/// cycle) alive forever. The end of an exchange or a store call gives up on what it awaited
/// through it; a sleep's timer and a signal's listener are its resolve function.
#[derive(Debug)]
pub struct GiveUp {
    promise: Promise,
    resolve: Function,
}

impl GiveUp {
    /// A new, pending one.
    pub fn new() -> Self {
        let mut resolve = None;
        let promise = Promise::new(&mut |r: Function, _reject| resolve = Some(r));
        GiveUp {
            promise,
            resolve: resolve.unwrap_or_else(|| Function::from(JsValue::UNDEFINED)),
        }
    }

    /// Awaits `value` (a promise, a thenable or a plain value) until this is dropped: a
    /// caller's promise that never settles then frees the callbacks awaiting it anyway.
    pub fn wait(&self, value: &JsValue) -> JsFuture {
        JsFuture::from(Promise::race(&js_sys::Array::of2(
            &sys::promise(value),
            &self.promise,
        )))
    }

    /// Awaits this promise itself.
    fn settled(&self) -> JsFuture {
        JsFuture::from(self.promise.clone())
    }
}

impl Drop for GiveUp {
    fn drop(&mut self) {
        let _ = self.resolve.call0(&JsValue::UNDEFINED);
    }
}

/// Resolves after `ms` milliseconds; dropping it clears the timer (a Node process can exit)
/// and settles its promise.
#[derive(Debug)]
pub struct Sleep {
    handle: JsValue,
    done: JsFuture,
    // Settled when dropped, after `Drop::drop` cleared the timer.
    _promise: GiveUp,
}

impl Sleep {
    /// A sleep of `ms` (clamped to what a JS timer accepts).
    pub fn new(ms: f64) -> Self {
        let promise = GiveUp::new();
        let ms = ms.clamp(0.0, crate::core::options::MAX_TIMER_MS);
        Sleep {
            handle: sys::set_timeout(&promise.resolve, ms),
            done: promise.settled(),
            _promise: promise,
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
/// it removes the listener and settles its promise.
#[derive(Debug)]
pub struct AbortWait {
    listening: Option<(AnySignal, JsFuture, GiveUp)>,
}

impl AbortWait {
    /// Listens to `signal`'s `abort` event.
    pub fn new(signal: Option<&AnySignal>) -> Self {
        let listening = signal.and_then(|signal| {
            let aborts = GiveUp::new();
            signal.add_event_listener("abort", &aborts.resolve).ok()?;
            Some((signal.clone(), aborts.settled(), aborts))
        });
        AbortWait { listening }
    }

    /// Waits for the abort; returns the signal's reason.
    pub async fn wait(&mut self) -> JsValue {
        match &mut self.listening {
            Some((signal, done, _)) => {
                let _ = done.await;
                sys::get(signal, "reason")
            }
            None => std::future::pending().await,
        }
    }
}

impl Drop for AbortWait {
    fn drop(&mut self) {
        if let Some((signal, _, aborts)) = &self.listening {
            let _ = signal.remove_event_listener("abort", &aborts.resolve);
        }
    }
}

/// Runs `work` unless `signal` has aborted, or until it aborts: then `Err` with its reason
/// (`work` is dropped).
pub async fn unless_aborted<F: Future>(
    signal: Option<&AnySignal>,
    work: F,
) -> Result<F::Output, JsValue> {
    if let Some(reason) = signal.and_then(aborted) {
        return Err(reason);
    }
    let mut abort = AbortWait::new(signal);
    match race(work, abort.wait()).await {
        Either::Left(output) => Ok(output),
        Either::Right(reason) => Err(reason),
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
