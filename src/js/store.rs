//! The optional shared store (`TokenStore`): KV, Redis, a `Map`. Its methods may
//! return values or promises; any failure of it falls back to memory.

use super::options::get;
use super::sys;
use crate::core::error::Result;
use crate::core::options::{invalid, RequestOptions};
use crate::core::stored::{is_valid_entry, store_key, STORE_READ_TIMEOUT_MS};
use js_sys::{Array, Function, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};

/// The user's store and the key of this client's entry.
#[derive(Debug)]
pub struct Store {
    object: JsValue,
    get: Function,
    set: Function,
    delete: Option<Function>,
    key: JsValue,
}

/// A token read back from the store.
pub struct Found {
    /// The token, as a JS string.
    pub token: JsValue,
    /// `createdAt`, as a JS string.
    pub created_at: JsValue,
    /// `expiresAt`, epoch ms.
    pub expires_at: f64,
}

impl core::fmt::Debug for Found {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never the token.
        f.debug_struct("Found")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

fn method(object: &JsValue, name: &str) -> Option<Function> {
    get(object, name).and_then(|f| f.dyn_into::<Function>().ok())
}

impl Store {
    /// Reads `options.store`: an object with `get` and `set` functions and an optional `delete`.
    pub fn from_options(options: &JsValue, request: &RequestOptions) -> Result<Option<Store>> {
        let Some(object) = get(options, "store").filter(|s| !s.is_undefined() && !s.is_null())
        else {
            return Ok(None);
        };
        let (Some(get_fn), Some(set_fn)) = (method(&object, "get"), method(&object, "set")) else {
            return Err(invalid(
                "store",
                " must have get(key) and set(key, value, ttlMs) methods",
            ));
        };
        let delete = method(&object, "delete");
        let key = JsValue::from_str(&store_key(&request.client_account_id, &request.key_id));
        Ok(Some(Store {
            object,
            get: get_fn,
            set: set_fn,
            delete,
            key,
        }))
    }

    /// The stored token, if the store answers in time with a well-formed entry.
    pub async fn read(&self) -> Option<Found> {
        let value = self.get.call1(&self.object, &self.key).ok()?;
        let mut timer = JsValue::UNDEFINED;
        let timeout = Promise::new(&mut |resolve, _| {
            timer = sys::set_timeout(&resolve, STORE_READ_TIMEOUT_MS);
        });
        let raced = Promise::race(&Array::of2(&Promise::resolve(&value), &timeout));
        let value = JsFuture::from(raced).await;
        // A pending timer would keep a Node process alive for its 2 s.
        sys::clear_timeout(&timer);
        let value = value.ok()?;
        let entry = JSON::parse(&value.as_string()?).ok()?;
        let field = |k: &str| Reflect::get(&entry, &k.into()).ok();
        let token = field("token")?;
        let created_at = field("createdAt")?;
        let expires_at = field("expiresAt")?.as_f64();
        let ok = is_valid_entry(
            token.as_string().as_deref(),
            created_at.as_string().as_deref(),
            expires_at,
        );
        ok.then(|| Found {
            token,
            created_at,
            expires_at: expires_at.unwrap_or_default(),
        })
    }

    /// Writes the JSON of `access` with a TTL of `ttl_ms`; failures are ignored.
    pub fn write(&self, access: &JsValue, ttl_ms: f64) {
        let Ok(json) = JSON::stringify(access) else {
            return;
        };
        let args = Array::of3(
            &self.key,
            &json,
            &JsValue::from(ttl_ms.max(0.0) as u64 as f64),
        );
        settle(Reflect::apply(&self.set, &self.object, &args));
    }

    /// Deletes the entry, when the store can; failures are ignored.
    pub fn delete(&self) {
        if let Some(delete) = &self.delete {
            settle(delete.call1(&self.object, &self.key));
        }
    }
}

/// Waits out a store call's promise, if any, so that its rejection is handled.
fn settle(result: Result<JsValue, JsValue>) {
    if let Ok(value) = result {
        if value.has_type::<Promise>()
            || Reflect::get(&value, &"then".into()).is_ok_and(|t| t.is_function())
        {
            spawn_local(async move {
                let _ = JsFuture::from(Promise::resolve(&value)).await;
            });
        }
    }
}
