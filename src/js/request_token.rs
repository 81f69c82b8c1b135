//! `requestToken`: one call of the endpoint, no cache, no retry.

use super::http::{settle, start};
use super::options::request_options;
use super::sys;
use crate::core::response::{TokenBody, TOKEN_LIFETIME_MS};
use alloc::string::String;
use core::cell::OnceCell;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Expiry of a token received at `received_at` (our clock, not the server's).
pub fn expires_at(received_at: f64) -> f64 {
    received_at + TOKEN_LIFETIME_MS
}

/// Requests one access token: no cache, no retry.
///
/// The await happens in JS (`exchange` of `js/exchange.js`), which then calls
/// `finish` once: no Rust future, executor or per-call closure on this path.
#[wasm_bindgen(js_name = requestToken, unchecked_return_type = "Promise<AccessToken>")]
pub fn request_token(
    #[wasm_bindgen(unchecked_param_type = "RequestTokenOptions")] options: JsValue,
) -> Promise {
    let (o, t) = match request_options(&options) {
        Ok(parsed) => parsed,
        Err(e) => return Promise::reject(&e.into()),
    };
    start(&o, &t, Some(finish_fn()))
}

/// The outcome of one `exchange` as an `AccessToken`, or the `TruecallerError` to throw.
fn finish(
    outcome: JsValue,
    failed: bool,
    api_key: JsValue,
    timeout_ms: f64,
) -> Result<JsValue, JsValue> {
    let outcome = if failed { Err(outcome) } else { Ok(outcome) };
    let api_key = api_key.as_string().unwrap_or_default();
    let (TokenBody { token, created_at }, received_at) =
        settle(outcome, &api_key, timeout_ms, js_sys::Date::now())?;
    Ok(sys::access_token(&token.into(), &created_at.into(), expires_at(received_at)).into())
}

/// `finish` as a JS function, made once and kept for the life of the module.
fn finish_fn() -> &'static Function {
    FINISH.0.get_or_init(|| {
        Closure::<dyn Fn(JsValue, bool, JsValue, f64) -> Result<JsValue, JsValue>>::new(finish)
            .into_js_value()
            .unchecked_into()
    })
}

struct FinishFn(OnceCell<Function>);
// SAFETY: wasm32-unknown-unknown without the atomics feature runs on one thread.
unsafe impl Sync for FinishFn {}
static FINISH: FinishFn = FinishFn(OnceCell::new());

/// The `TruecallerError` class, re-exported by the package entries.
#[wasm_bindgen(js_name = __truecallerErrorClass, skip_typescript)]
pub fn truecaller_error_class() -> JsValue {
    sys::ERROR_CLASS.with(JsValue::clone)
}

/// `DEFAULT_BASE_URL`, re-exported by the package entries.
#[wasm_bindgen(js_name = __defaultBaseUrl, skip_typescript)]
pub fn default_base_url() -> String {
    crate::DEFAULT_BASE_URL.into()
}
