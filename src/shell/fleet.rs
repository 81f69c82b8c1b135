//! The client's side of a shared store: reading and writing the token, the lease
//! (`<key>:lease`) and the fleet's quota window (`<key>:quota`). Every call is guarded:
//! a store that throws, rejects or takes longer than 2 s counts as failed, and a failed
//! store only ever takes the client back to memory-only behaviour.

use super::store::{StoreFuture, TokenStore};
use super::timer::{race, Either, Sleep};
use crate::core::access_token::AccessToken;
use crate::core::lease::{LEASE_SUFFIX, QUOTA_SUFFIX};
use crate::core::stored::{entry_token, store_key, ttl_ms, STORE_READ_TIMEOUT_MS};
use crate::core::wire::StoredEntry;
use js_sys::JSON;
use std::fmt;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// A client's view of its store.
pub struct Fleet {
    store: Rc<dyn TokenStore>,
    key: String,
    lease_key: String,
    quota_key: String,
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// A store call that failed or did not answer in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failed;

/// Waits at most [`STORE_READ_TIMEOUT_MS`] for a store call.
async fn guarded<T>(call: StoreFuture<T>) -> Result<T, Failed> {
    match race(call, Sleep::new(STORE_READ_TIMEOUT_MS)).await {
        Either::Left(Ok(value)) => Ok(value),
        _ => Err(Failed),
    }
}

impl Fleet {
    /// The store of the client of `client_account_id` and `key_id`.
    pub fn new(store: Rc<dyn TokenStore>, client_account_id: &str, key_id: &str) -> Self {
        let key = store_key(client_account_id, key_id);
        Fleet {
            store,
            lease_key: [key.as_str(), LEASE_SUFFIX].concat(),
            quota_key: [key.as_str(), QUOTA_SUFFIX].concat(),
            key,
        }
    }

    /// The stored token, if any is well-formed (`Ok(None)` for none or garbage), and whether
    /// it was minted after a 401.
    pub async fn read(&self) -> Result<Option<(AccessToken, bool)>, Failed> {
        let Some(text) = guarded(self.store.get(&self.key)).await? else {
            return Ok(None);
        };
        let entry = JSON::parse(&text)
            .ok()
            .and_then(|v| serde_wasm_bindgen::from_value::<StoredEntry>(v).ok());
        Ok(entry.and_then(|e| {
            let after_401 = e.after_401.0;
            entry_token(e).map(|token| (token, after_401))
        }))
    }

    /// Starts writing `access` with a TTL of its time to expiry (given up on after 2 s, like
    /// every store call: the lease is released after it).
    pub fn write(
        &self,
        access: &AccessToken,
        after_401: bool,
        now: f64,
    ) -> Option<impl Future<Output = Result<(), Failed>>> {
        let value = serde_wasm_bindgen::to_value(access).ok()?;
        if after_401 {
            js_sys::Reflect::set(&value, &"after401".into(), &JsValue::TRUE).ok()?;
        }
        let json = JSON::stringify(&value).ok().and_then(|s| s.as_string())?;
        let call = self
            .store
            .set(&self.key, &json, ttl_ms(access.expires_at, now));
        Some(guarded(call))
    }

    /// Deletes the stored token, when the store can: only if it is `token`, when given.
    pub async fn delete_if(&self, token: Option<&str>) {
        if let Some(token) = token {
            match self.read().await {
                Ok(Some((stored, _))) if stored.token == token => {}
                _ => return,
            }
        }
        if let Some(call) = self.store.delete(&self.key) {
            let _ = guarded(call).await;
        }
    }

    /// Claims the lease for `owner`: `Some(Ok(true))` when it holds it now, `None` when the
    /// store has no leases.
    pub async fn claim(&self, owner: &str, ttl_ms: f64) -> Option<Result<bool, Failed>> {
        let call = self.store.claim(&self.lease_key, owner, ttl_ms)?;
        Some(guarded(call).await)
    }

    /// Releases the lease `owner` holds; later, as a background store write.
    pub fn release(self: &Rc<Self>, owner: String) -> impl Future<Output = ()> {
        let this = self.clone();
        async move {
            if let Some(call) = this.store.release(&this.lease_key, &owner) {
                let _ = guarded(call).await;
            }
        }
    }

    /// Counts one request in the fleet's window: `Ok(Some(wait))` when the window is full,
    /// `Ok(None)` when counted or when the store has no window (then only the local one
    /// applies), `Err` when the store failed.
    pub async fn reserve(
        &self,
        limit: u32,
        window_ms: f64,
        now: f64,
    ) -> Result<Option<f64>, Failed> {
        let Some(call) = self.store.reserve(&self.quota_key, limit, window_ms, now) else {
            return Ok(None);
        };
        Ok(Some(guarded(call).await?).filter(|wait| *wait > 0.0))
    }
}
