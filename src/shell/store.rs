//! The store a client shares with other clients, as a Rust trait, and the adapter for a
//! JS store object (`{ get, set, delete?, claim?, release?, reserve? }`).

use super::timer::GiveUp;
use crate::sys::AnyStore;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What a store call returns: its own failure never fails `getToken()`. The call itself
/// starts when the method is called (a JS store's method runs then); the future only waits.
pub type StoreFuture<T> = Pin<Box<dyn Future<Output = Result<T, StoreError>>>>;

/// A store call failed (it threw, rejected, or answered with the wrong type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

/// A cache (and, with `claim`/`reserve`, a coordinator) shared by the clients of one
/// account: other isolates, processes or hosts. Keys and values are the client's own
/// (`truecaller-token:v1:…`); values are JSON and hold tokens, which are secrets.
pub trait TokenStore {
    /// The value at `key`, if any.
    fn get(&self, key: &str) -> StoreFuture<Option<String>>;
    /// Stores `value` at `key` for `ttl_ms`.
    fn set(&self, key: &str, value: &str, ttl_ms: f64) -> StoreFuture<()>;
    /// Removes `key`; `None` when the store cannot.
    fn delete(&self, _key: &str) -> Option<StoreFuture<()>> {
        None
    }
    /// Atomically sets `key` to `owner` for `ttl_ms` if it is absent (a lease); true if
    /// `owner` holds it now. `None` when the store cannot.
    fn claim(&self, _key: &str, _owner: &str, _ttl_ms: f64) -> Option<StoreFuture<bool>> {
        None
    }
    /// Removes `key` only if it still holds `owner`. `None` when the store cannot.
    fn release(&self, _key: &str, _owner: &str) -> Option<StoreFuture<()>> {
        None
    }
    /// Atomically counts one request in the sliding window at `key` if fewer than `limit`
    /// fall within the last `window_ms`; `0` when counted, else the ms until a slot frees.
    /// `None` when the store cannot.
    fn reserve(
        &self,
        _key: &str,
        _limit: u32,
        _window_ms: f64,
        _now: f64,
    ) -> Option<StoreFuture<f64>> {
        None
    }
}

/// A JS object used as a [`TokenStore`]; each method may return a value or a promise.
#[derive(Clone)]
pub struct JsStore {
    object: AnyStore,
    delete: bool,
    claim: bool,
    release: bool,
    reserve: bool,
}

impl fmt::Debug for JsStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsStore")
            .field("delete", &self.delete)
            .field("claim", &self.claim)
            .field("release", &self.release)
            .field("reserve", &self.reserve)
            .finish_non_exhaustive()
    }
}

fn has_method(object: &JsValue, name: &str) -> bool {
    crate::sys::get(object, name).is_function()
}

impl JsStore {
    /// Wraps `object` when it has `get` and `set` methods (a getter that throws counts as none).
    pub fn new(object: JsValue) -> Option<Self> {
        if !object.is_object() || !has_method(&object, "get") || !has_method(&object, "set") {
            return None;
        }
        Some(JsStore {
            delete: has_method(&object, "delete"),
            claim: has_method(&object, "claim"),
            release: has_method(&object, "release"),
            reserve: has_method(&object, "reserve"),
            object: object.unchecked_into(),
        })
    }
}

/// Awaits what a store method returned (a value or a promise), until the future is dropped.
fn settle(called: Result<JsValue, JsValue>) -> impl Future<Output = Result<JsValue, StoreError>> {
    let give_up = GiveUp::new();
    let called = called.map(|value| give_up.wait(&value));
    async move {
        let _give_up = give_up;
        called
            .map_err(|_| StoreError("the store method threw".into()))?
            .await
            .map_err(|_| StoreError("the store method rejected".into()))
    }
}

impl TokenStore for JsStore {
    fn get(&self, key: &str) -> StoreFuture<Option<String>> {
        let value = settle(self.object.get(key));
        Box::pin(async move { Ok(value.await?.as_string()) })
    }

    fn set(&self, key: &str, value: &str, ttl_ms: f64) -> StoreFuture<()> {
        let done = settle(self.object.set(key, value, ttl_ms));
        Box::pin(async move { done.await.map(drop) })
    }

    fn delete(&self, key: &str) -> Option<StoreFuture<()>> {
        let done = self.delete.then(|| settle(self.object.delete(key)))?;
        Some(Box::pin(async move { done.await.map(drop) }))
    }

    fn claim(&self, key: &str, owner: &str, ttl_ms: f64) -> Option<StoreFuture<bool>> {
        let held = self
            .claim
            .then(|| settle(self.object.claim(key, owner, ttl_ms)))?;
        Some(Box::pin(async move {
            held.await?
                .as_bool()
                .ok_or_else(|| StoreError("claim() did not answer true or false".into()))
        }))
    }

    fn release(&self, key: &str, owner: &str) -> Option<StoreFuture<()>> {
        let done = self
            .release
            .then(|| settle(self.object.release(key, owner)))?;
        Some(Box::pin(async move { done.await.map(drop) }))
    }

    fn reserve(&self, key: &str, limit: u32, window_ms: f64, now: f64) -> Option<StoreFuture<f64>> {
        let wait = self
            .reserve
            .then(|| settle(self.object.reserve(key, limit, window_ms, now)))?;
        Some(Box::pin(async move {
            wait.await?
                .as_f64()
                .filter(|w| w.is_finite() && *w >= 0.0)
                .ok_or_else(|| StoreError("reserve() did not answer a number of ms".into()))
        }))
    }
}
