//! `requestToken`'s Rust half: validation (`__prepare`) and the meaning of the answer
//! (`__finish`); `js/api.js` makes the fetch in between. Also [`request_token`] for
//! Rust callers on wasm32.

use super::http::{settle, ApiKey, Prepared};
use super::options::{read_fields, transport, validate_fields};
use super::sys;
use alloc::string::String;
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Validates the options of one request: `[url, body, timeoutMs, apiKey, signal, fetch]`
/// (the API key as JS passed it), or throws `invalid_options`. `fields` are the options'
/// `requestFields` when JS could read them (`js/api.js` keeps the last valid answer).
#[wasm_bindgen(js_name = __prepare, skip_typescript)]
pub fn prepare(options: JsValue, fields: JsValue) -> Result<Array, JsValue> {
    let fields = match fields.dyn_into::<Array>() {
        Ok(fields) => fields,
        Err(_) => read_fields(&options)?,
    };
    let transport = transport(&fields)?;
    let prepared = Prepared::new(validate_fields(&fields)?);
    Ok(sys::parts(
        &prepared.url,
        &prepared.body,
        prepared.options.timeout_ms,
        &transport.api_key,
        transport
            .signal
            .as_ref()
            .map_or(&JsValue::UNDEFINED, |s| s.as_ref()),
        transport
            .fetch
            .as_ref()
            .map_or(&JsValue::UNDEFINED, |f| f.as_ref()),
    ))
}

/// The outcome of one `exchange` (see `js/exchange.js`) as an `AccessToken`, or the
/// `TruecallerError` to throw; `api_key` is redacted from any upstream text.
#[wasm_bindgen(js_name = __finish, skip_typescript)]
pub fn finish(
    outcome: JsValue,
    failed: bool,
    api_key: JsValue,
    timeout_ms: f64,
    received_at: f64,
) -> Result<JsValue, JsValue> {
    Ok(settle(
        outcome,
        failed,
        ApiKey::Js(&api_key),
        timeout_ms,
        received_at,
    )?)
}

/// Requests one access token, no cache, no retry: the same as the package's
/// `requestToken`, for Rust code on wasm32. Resolves to an `AccessToken` object;
/// rejects with a `TruecallerError`.
pub fn request_token(options: JsValue) -> Promise {
    let parts = match prepare(options, JsValue::UNDEFINED) {
        Ok(parts) => parts,
        Err(e) => return Promise::reject(&e),
    };
    let (api_key, timeout_ms) = (parts.get(3), parts.get(2).as_f64().unwrap_or_default());
    let done = Closure::once_into_js(move |outcome: JsValue, failed: bool| {
        finish(outcome, failed, api_key, timeout_ms, js_sys::Date::now())
    });
    sys::exchange(
        &parts.get(5),
        &parts.get(0),
        &parts.get(1),
        timeout_ms,
        &parts.get(4),
        &done,
    )
}

/// The `TruecallerError` class (the package exports the same class from JS).
pub fn truecaller_error_class() -> JsValue {
    sys::ERROR_CLASS.with(JsValue::clone)
}

/// `DEFAULT_BASE_URL`, exported by `js/api.js`.
#[wasm_bindgen(js_name = __defaultBaseUrl, skip_typescript)]
pub fn default_base_url() -> String {
    crate::DEFAULT_BASE_URL.into()
}
