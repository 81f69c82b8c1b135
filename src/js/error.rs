//! Conversion of [`Error`] to a JS `TruecallerError`, and of JS rejections to [`Error`].

use super::sys;
use crate::core::error::Error;
use crate::core::response::clean;
use alloc::borrow::ToOwned;
use alloc::string::String;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        to_js(&e)
    }
}

/// Builds the `TruecallerError` for `e`.
pub fn to_js(e: &Error) -> JsValue {
    sys::TruecallerError::new(
        e.code().as_str(),
        &e.message(),
        e.status(),
        e.slug().map(str::to_owned),
        e.retry_after_ms(),
    )
    .into()
}

/// A short description of any thrown JS value: `Error`s by message (and their
/// cause's), strings as they are, anything else generically. Secrets are redacted.
pub fn describe(v: &JsValue, secrets: &[&str]) -> String {
    let text = if let Some(err) = v.dyn_ref::<js_sys::Error>() {
        let mut m: String = err.message().into();
        if let Some(cause) = err.cause().dyn_ref::<js_sys::Error>() {
            m.push_str(" (");
            m.push_str(&String::from(cause.message()));
            m.push(')');
        }
        m
    } else if let Some(s) = v.as_string() {
        s
    } else {
        "a non-Error value was thrown".into()
    };
    clean(&text, secrets)
}
