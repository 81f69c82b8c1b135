//! `requestToken`: one call of the endpoint, no cache, no retry.

use super::http::{settle, start, Prepared};
use super::options::{read_fields, transport, validate_fields, VALIDATED_FIELDS};
use super::sys;
use crate::core::error::Error;
use crate::core::response::TOKEN_LIFETIME_MS;
use alloc::rc::Rc;
use alloc::string::String;
use core::cell::{OnceCell, RefCell};
use js_sys::{Array, Function, Promise};
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
    match prepare(&options) {
        Ok(promise) => promise,
        Err(e) => Promise::reject(&e.into()),
    }
}

fn prepare(options: &JsValue) -> Result<Promise, Error> {
    let fields = read_fields(options)?;
    let transport = transport(&fields)?;
    // Calls with the same ids, key, base URL and timeout as the last valid one (JS `===` on
    // what was passed) reuse its validation and its URL and body strings.
    let reused = LAST.0.borrow().as_ref().and_then(|(inputs, prepared)| {
        (0..VALIDATED_FIELDS)
            .all(|i| fields.get(i) == inputs.get(i))
            .then(|| prepared.clone())
    });
    let prepared = match reused {
        Some(prepared) => prepared,
        None => {
            let prepared = Rc::new(Prepared::new(validate_fields(&fields)?));
            *LAST.0.borrow_mut() = Some((fields, prepared.clone()));
            prepared
        }
    };
    // No borrow is held here: an injected fetch may call back into this module.
    Ok(start(&prepared, &transport, Some(finish_fn())))
}

/// The last valid request's inputs and its prepared form. It holds what the caller passed
/// (the API key among it) until a call with other options replaces it; no token.
struct Last(RefCell<Option<(Array, Rc<Prepared>)>>);
// SAFETY: wasm32-unknown-unknown without the atomics feature runs on one thread.
unsafe impl Sync for Last {}
static LAST: Last = Last(RefCell::new(None));

/// The outcome of one `exchange` as an `AccessToken`, or the `TruecallerError` to throw.
fn finish(
    outcome: JsValue,
    failed: bool,
    api_key: JsValue,
    timeout_ms: f64,
) -> Result<JsValue, JsValue> {
    let outcome = if failed { Err(outcome) } else { Ok(outcome) };
    let key = || api_key.as_string().unwrap_or_default();
    let got = settle(outcome, &key, timeout_ms, js_sys::Date::now())?;
    Ok(sys::access_token(&got.token, &got.created_at, expires_at(got.received_at)).into())
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
