//! [`Error`] as a JS `TruecallerError`, and any thrown JS value as words.

use crate::core::error::Error;
use crate::core::response::clean;
use crate::sys;
use wasm_bindgen::prelude::*;

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        to_js(&e)
    }
}

/// The `TruecallerError` for `e`: `code`, `message`, and `status`, `slug`, `retryAfterMs`
/// when they apply.
pub fn to_js(e: &Error) -> JsValue {
    sys::TruecallerError::new(
        e.code().as_str(),
        &e.message(),
        e.status(),
        e.slug(),
        e.retry_after_ms(),
    )
    .into()
}

/// The `TruecallerError` class.
#[cfg(feature = "js-api")]
pub fn error_class() -> JsValue {
    sys::ERROR_CLASS.with(JsValue::clone)
}

/// A short description of any thrown value: an `Error` (or anything with a string
/// `message`) by its message and its cause's, a string as it is, anything else generically.
/// Every spelling of `api_key` is redacted; nothing here can throw.
pub fn describe(v: &JsValue, api_key: &str) -> String {
    let message = |v: &JsValue| {
        v.is_object()
            .then(|| sys::get(v, "message").as_string())
            .flatten()
    };
    let text = if let Some(mut m) = message(v) {
        let cause = sys::get(v, "cause");
        if let Some(c) = message(&cause).or_else(|| cause.as_string()) {
            m.push_str(" (");
            m.push_str(&c);
            m.push(')');
        }
        m
    } else if let Some(s) = v.as_string() {
        s
    } else {
        "a non-Error value was thrown".into()
    };
    clean(&text, api_key)
}
