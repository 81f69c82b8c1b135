//! Reading option objects passed from JS into the core's raw option types.

use super::sys::AbortSignal;
use crate::core::error::Result;
use crate::core::options::{invalid, Field, RawRequestOptions, RequestOptions, Secret};
use alloc::string::String;
use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Reads `obj[key]`; `None` when a getter (or proxy) throws.
pub fn get(obj: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(obj, &JsValue::from_str(key)).ok()
}

fn field<T>(obj: &JsValue, key: &str, read: impl FnOnce(&JsValue) -> Option<T>) -> Field<T> {
    match get(obj, key) {
        Some(v) if v.is_undefined() || v.is_null() => Field::Missing,
        Some(v) => read(&v).map_or(Field::WrongType, Field::Value),
        None => Field::WrongType,
    }
}

/// A string option.
pub fn string(obj: &JsValue, key: &str) -> Field<String> {
    field(obj, key, JsValue::as_string)
}

/// A number option.
pub fn number(obj: &JsValue, key: &str) -> Field<f64> {
    field(obj, key, JsValue::as_f64)
}

/// A function option, or `invalid_options`.
pub fn function(obj: &JsValue, key: &str) -> Result<Option<Function>> {
    match field(obj, key, |v| v.dyn_ref::<Function>().cloned()) {
        Field::Missing => Ok(None),
        Field::Value(f) => Ok(Some(f)),
        Field::WrongType => Err(invalid(key, " must be a function")),
    }
}

/// The JS-only parts of the options of one request.
#[derive(Debug, Clone)]
pub struct Transport {
    /// The injected `fetch`, if any.
    pub fetch: Option<Function>,
    /// The caller's cancellation signal, if any.
    pub signal: Option<AbortSignal>,
}

/// Checks that `options` is an object.
pub fn object(options: &JsValue, what: &str) -> Result<()> {
    if options.is_object() {
        Ok(())
    } else {
        Err(invalid(what, " must be an object"))
    }
}

/// Reads and validates the options of `requestToken`.
pub fn request_options(options: &JsValue) -> Result<(RequestOptions, Transport)> {
    object(options, "options")?;
    let raw = RawRequestOptions {
        client_account_id: string(options, "clientAccountId"),
        key_id: string(options, "keyId"),
        api_key: match string(options, "apiKey") {
            Field::Value(s) => Field::Value(Secret::from(s)),
            Field::Missing => Field::Missing,
            Field::WrongType => Field::WrongType,
        },
        base_url: string(options, "baseUrl"),
        timeout_ms: number(options, "timeoutMs"),
    };
    let parsed = RequestOptions::parse(raw)?;
    let fetch = function(options, "fetch")?;
    let signal = match field(options, "signal", |v| {
        is_abort_signal(v).then(|| v.clone().unchecked_into())
    }) {
        Field::Missing => None,
        Field::Value(s) => Some(s),
        Field::WrongType => return Err(invalid("signal", " must be an AbortSignal")),
    };
    Ok((parsed, Transport { fetch, signal }))
}

fn is_abort_signal(v: &JsValue) -> bool {
    v.is_object()
        && get(v, "aborted").is_some_and(|a| a.as_bool().is_some())
        && get(v, "addEventListener").is_some_and(|f| f.is_function())
}
