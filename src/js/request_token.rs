//! `requestToken`'s Rust half: validation (`__prepare`) and the meaning of the answer
//! (`__finish`); `js/api.js` makes the fetch in between. Also [`request_token`] for
//! Rust callers on wasm32.

use super::http::{settle, ApiKey, Prepared};
use super::options::{read_fields, transport, validate_fields, VALIDATED_FIELDS};
use super::sys;
use crate::core::response::TOKEN_LIFETIME_MS;
use alloc::rc::Rc;
use alloc::string::String;
use core::cell::Cell;
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;

/// Expiry of a token received at `received_at` (our clock, not the server's).
pub fn expires_at(received_at: f64) -> f64 {
    received_at + TOKEN_LIFETIME_MS
}

/// Validates the options of one request: `[url, body, timeoutMs, apiKey, signal, fetch]`
/// (the API key as JS passed it), or throws `invalid_options`.
#[wasm_bindgen(js_name = __prepare, skip_typescript)]
pub fn prepare(options: JsValue) -> Result<Array, JsValue> {
    let fields = read_fields(&options)?;
    let transport = transport(&fields)?;
    // Calls with the same ids, key, base URL and timeout as the last valid one (JS `===` on
    // what was passed) reuse its validation and its URL and body strings.
    let last = LAST.0.take();
    let prepared = match last {
        Some((inputs, prepared))
            if (0..VALIDATED_FIELDS).all(|i| fields.get(i) == inputs.get(i)) =>
        {
            LAST.0.set(Some((inputs, prepared.clone())));
            prepared
        }
        _ => {
            // On an error the last valid request is kept.
            let prepared = match validate_fields(&fields) {
                Ok(p) => Rc::new(Prepared::new(p)),
                Err(e) => {
                    LAST.0.set(last);
                    return Err(e.into());
                }
            };
            LAST.0.set(Some((fields, prepared.clone())));
            prepared
        }
    };
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

/// The last valid request's inputs and its prepared form. It holds what the caller passed
/// (the API key among it) until a call with other options replaces it; no token.
struct Last(Cell<Option<(Array, Rc<Prepared>)>>);
// SAFETY: wasm32-unknown-unknown without the atomics feature runs on one thread.
unsafe impl Sync for Last {}
static LAST: Last = Last(Cell::new(None));

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
    let outcome = if failed { Err(outcome) } else { Ok(outcome) };
    let got = settle(outcome, ApiKey::Js(&api_key), timeout_ms, received_at)?;
    Ok(sys::access_token(&got.token, &got.created_at, expires_at(got.received_at)).into())
}

/// Requests one access token, no cache, no retry: the same as the package's
/// `requestToken`, for Rust code on wasm32. Resolves to an `AccessToken` object;
/// rejects with a `TruecallerError`.
pub fn request_token(options: JsValue) -> Promise {
    let parts = match prepare(options) {
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
