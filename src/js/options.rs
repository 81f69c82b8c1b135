//! Reading option objects passed from JS into the core's raw option types.

use super::sys::{request_fields, url_parts, AbortSignal};
use crate::core::error::Result;
use crate::core::options::{
    invalid, BaseUrl, Field, RawRequestOptions, RequestOptions, Secret, UrlParts,
};
use alloc::string::String;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Reads `obj[key]`; `None` when a getter (or proxy) throws.
pub fn get(obj: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(obj, &JsValue::from_str(key)).ok()
}

fn field<T>(obj: &JsValue, key: &str, read: impl FnOnce(&JsValue) -> Option<T>) -> Field<T> {
    get(obj, key).map_or(Field::WrongType, |v| classify(v, read))
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
#[derive(Clone)]
pub struct Transport {
    /// The injected `fetch`, if any.
    pub fetch: Option<Function>,
    /// The caller's cancellation signal, if any.
    pub signal: Option<AbortSignal>,
    /// The API key as JS passed it, so `requestToken` can hand it back without decoding it again.
    pub api_key: JsValue,
}

impl core::fmt::Debug for Transport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never the API key.
        f.debug_struct("Transport")
            .field("fetch", &self.fetch.is_some())
            .field("signal", &self.signal.is_some())
            .finish_non_exhaustive()
    }
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
    let fields = read_fields(options)?;
    Ok((validate_fields(&fields)?, transport(&fields)?))
}

/// `[clientAccountId, keyId, apiKey, baseUrl, timeoutMs, signal, fetch]` of an options object.
pub fn read_fields(options: &JsValue) -> Result<Array> {
    object(options, "options")?;
    request_fields(options).map_err(|_| invalid("options", " could not be read"))
}

/// Validates the ids, API key, base URL and timeout among the fields.
pub fn validate_fields(fields: &Array) -> Result<RequestOptions> {
    let string = |i| classify(fields.get(i), JsValue::as_string);
    RequestOptions::parse(RawRequestOptions {
        client_account_id: string(0),
        key_id: string(1),
        api_key: match string(2) {
            Field::Value(s) => Field::Value(Secret::from(s)),
            Field::Missing => Field::Missing,
            Field::WrongType => Field::WrongType,
        },
        base_url: match string(3) {
            Field::Value(raw) => Field::Value(base_url(raw, &fields.get(3))),
            Field::Missing => Field::Missing,
            Field::WrongType => Field::WrongType,
        },
        timeout_ms: classify(fields.get(4), JsValue::as_f64),
    })
}

/// The signal, the injected fetch and the API key (as JS gave it) among the fields.
pub fn transport(fields: &Array) -> Result<Transport> {
    let signal = match classify(fields.get(5), |v| {
        is_abort_signal(v).then(|| v.clone().unchecked_into())
    }) {
        Field::Missing => None,
        Field::Value(s) => Some(s),
        Field::WrongType => return Err(invalid("signal", " must be an AbortSignal")),
    };
    let fetch = match classify(fields.get(6), |v| v.dyn_ref::<Function>().cloned()) {
        Field::Missing => None,
        Field::Value(f) => Some(f),
        Field::WrongType => return Err(invalid("fetch", " must be a function")),
    };
    Ok(Transport {
        fetch,
        signal,
        api_key: fields.get(2),
    })
}

/// A `baseUrl` string and its parse by the platform's URL parser.
fn base_url(raw: String, value: &JsValue) -> BaseUrl {
    let parsed = url_parts(value).map(|p| {
        let part = |i| p.get(i).as_string().unwrap_or_default();
        UrlParts {
            protocol: part(0),
            credentials: !part(1).is_empty() || !part(2).is_empty(),
            hostname: part(3),
            host: part(4),
            pathname: part(5),
        }
    });
    BaseUrl { raw, parsed }
}

fn classify<T>(v: JsValue, read: impl FnOnce(&JsValue) -> Option<T>) -> Field<T> {
    if v.is_undefined() || v.is_null() {
        Field::Missing
    } else {
        read(&v).map_or(Field::WrongType, Field::Value)
    }
}

fn is_abort_signal(v: &JsValue) -> bool {
    v.is_object()
        && get(v, "aborted").is_some_and(|a| a.as_bool().is_some())
        && get(v, "addEventListener").is_some_and(|f| f.is_function())
}
