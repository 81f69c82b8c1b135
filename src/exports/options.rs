//! JS option objects into the Rust API's options. Every option is read once, with its
//! getter's (or Proxy's) exceptions caught, into a plain object that serde-wasm-bindgen
//! then deserializes: data options into [`Field`]s (so each gets its own exact message),
//! the JS objects (`fetch`, `signal`, `store`, `now`, `waitUntil`) preserved as they are.

use crate::core::client_options::RawClientConfig;
use crate::core::error::Result;
use crate::core::options::{invalid, Field, RawRequestConfig, Secret};
use crate::shell::{parse_base_url, ClientOptions, JsStore, RequestOptions};
use js_sys::{Function, Object, Reflect};
use serde::Deserialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The options of `requestToken` and `new TokenClient`, as JS passed them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JsOptions {
    #[serde(default)]
    client_account_id: Field<String>,
    #[serde(default)]
    key_id: Field<String>,
    /// Read as a plain string (one deserializer for every string option), a [`Secret`] from
    /// then on.
    #[serde(default)]
    api_key: Field<String>,
    #[serde(default)]
    base_url: Field<String>,
    #[serde(default)]
    timeout_ms: Field<f64>,
    #[serde(default)]
    refresh_window_ms: Field<f64>,
    #[serde(default)]
    max_retries: Field<f64>,
    #[serde(default)]
    quota_limit: Field<f64>,
    #[serde(default)]
    quota_window_ms: Field<f64>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    signal: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    fetch: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    store: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    now: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    wait_until: JsValue,
}

impl std::fmt::Debug for JsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsOptions")
            .field("client_account_id", &self.client_account_id)
            .field("key_id", &self.key_id)
            .field("api_key", &secret(&self.api_key))
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// Options holding data (strings, numbers); the others hold JS objects.
const DATA: [&str; 9] = [
    "clientAccountId",
    "keyId",
    "apiKey",
    "baseUrl",
    "timeoutMs",
    "refreshWindowMs",
    "maxRetries",
    "quotaLimit",
    "quotaWindowMs",
];
const OBJECTS: [&str; 5] = ["signal", "fetch", "store", "now", "waitUntil"];

thread_local! {
    /// The option names as JS strings, made once.
    static NAMES: Vec<JsValue> = DATA.iter().chain(OBJECTS.iter()).map(|k| JsValue::from_str(k)).collect();
}

/// The options as read, one value per name of [`DATA`] then [`OBJECTS`].
pub struct RawOptions(Vec<JsValue>);

impl std::fmt::Debug for RawOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The values hold the API key: only how many there are.
        f.debug_struct("RawOptions")
            .field("values", &self.0.len())
            .finish()
    }
}

impl RawOptions {
    /// Reads every option of `options`, which must be an object, once: a getter or a Proxy
    /// trap that throws makes the options unreadable.
    pub fn read(options: &JsValue) -> Result<Self> {
        if !options.is_object() {
            return Err(invalid("options", " must be an object"));
        }
        NAMES.with(|names| {
            names
                .iter()
                .map(|name| Reflect::get(options, name))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(RawOptions)
                .map_err(|_| invalid("options", " could not be read"))
        })
    }

    /// Whether the options of one request (the ids, key, base URL, timeout, signal, fetch) are
    /// the very values of `other`'s (`===`).
    pub fn same_request(&self, other: &RawOptions) -> bool {
        // The first five data options and the first two object options (signal, fetch).
        const REQUEST: [usize; 7] = [0, 1, 2, 3, 4, DATA.len(), DATA.len() + 1];
        REQUEST
            .iter()
            .all(|&i| matches!((self.0.get(i), other.0.get(i)), (Some(a), Some(b)) if a == b))
    }
}

impl JsOptions {
    /// Reads `options`, which must be an object.
    pub fn read(options: &JsValue) -> Result<Self> {
        Self::from_raw(&RawOptions::read(options)?)
    }

    /// Deserializes options read by [`RawOptions::read`].
    pub fn from_raw(raw: &RawOptions) -> Result<Self> {
        let unreadable = || invalid("options", " could not be read");
        let plain = Object::new();
        NAMES.with(|names| {
            for (i, (name, value)) in names.iter().zip(&raw.0).enumerate() {
                // A data option holding an object is simply of the wrong type: serde is not
                // asked to look inside it (its getters, its Proxy traps).
                let value = match i < DATA.len() && (value.is_object() || value.is_function()) {
                    true => &JsValue::FALSE,
                    false => value,
                };
                Reflect::set(&plain, name, value).map_err(|_| unreadable())?;
            }
            Ok(())
        })?;
        serde_wasm_bindgen::from_value(plain.into()).map_err(|_| unreadable())
    }

    /// The options of one request.
    pub fn request(&self) -> Result<RequestOptions> {
        let signal = match &self.signal {
            v if v.is_undefined() || v.is_null() => None,
            v if is_abort_signal(v) => Some(v.clone().unchecked_into()),
            _ => return Err(invalid("signal", " must be an AbortSignal")),
        };
        Ok(RequestOptions {
            raw: RawRequestConfig {
                client_account_id: self.client_account_id.clone(),
                key_id: self.key_id.clone(),
                api_key: secret(&self.api_key),
                base_url: match &self.base_url {
                    Field::Value(raw) => Field::Value(parse_base_url(raw.clone())),
                    Field::Missing => Field::Missing,
                    Field::WrongType => Field::WrongType,
                },
                timeout_ms: self.timeout_ms.clone(),
            },
            signal,
            fetch: function("fetch", &self.fetch)?,
        })
    }

    /// The options of a client.
    pub fn client(&self) -> Result<ClientOptions> {
        let mut options = ClientOptions::new(self.request()?);
        options.raw = RawClientConfig {
            refresh_window_ms: self.refresh_window_ms.clone(),
            max_retries: self.max_retries.clone(),
            quota_limit: self.quota_limit.clone(),
            quota_window_ms: self.quota_window_ms.clone(),
        };
        options.config()?;
        options.now = function("now", &self.now)?;
        options.wait_until = function("waitUntil", &self.wait_until)?;
        if !self.store.is_undefined() && !self.store.is_null() {
            let store = JsStore::new(self.store.clone()).ok_or_else(|| {
                invalid(
                    "store",
                    " must have get(key) and set(key, value, ttlMs) methods",
                )
            })?;
            options.store = Some(Rc::new(store));
        }
        Ok(options)
    }
}

/// The API key as a [`Secret`], which never prints.
fn secret(key: &Field<String>) -> Field<Secret> {
    match key {
        Field::Value(key) => Field::Value(Secret::from(key.clone())),
        Field::Missing => Field::Missing,
        Field::WrongType => Field::WrongType,
    }
}

fn function(name: &str, v: &JsValue) -> Result<Option<Function>> {
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        v.is_function()
            .then(|| Some(v.clone().unchecked_into()))
            .ok_or_else(|| invalid(name, " must be a function"))
    }
}

/// An `AbortSignal`, or an object shaped like one (polyfills).
fn is_abort_signal(v: &JsValue) -> bool {
    let get = |k: &str| Some(crate::sys::get(v, k));
    v.is_object()
        && get("aborted").is_some_and(|a| a.as_bool().is_some())
        && get("addEventListener").is_some_and(|f| f.is_function())
}
