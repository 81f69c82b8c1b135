//! `requestToken`: one call of the endpoint, no cache, no retry.

use super::http::send;
use super::options::request_options;
use crate::core::response::{TokenBody, TOKEN_LIFETIME_MS};
use alloc::string::String;
use js_sys::{Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// Builds the JS `AccessToken` object.
pub fn access_token_object(token: &JsValue, created_at: &JsValue, expires_at: f64) -> Object {
    super::sys::access_token(token, created_at, expires_at)
}

/// Expiry of a token received at `received_at` (our clock, not the server's).
pub fn expires_at(received_at: f64) -> f64 {
    received_at + TOKEN_LIFETIME_MS
}

/// Requests one access token: no cache, no retry.
#[wasm_bindgen(js_name = requestToken, unchecked_return_type = "Promise<AccessToken>")]
pub fn request_token(
    #[wasm_bindgen(unchecked_param_type = "RequestTokenOptions")] options: JsValue,
) -> Promise {
    future_to_promise(async move {
        let (opts, transport) = request_options(&options)?;
        let (TokenBody { token, created_at }, received_at) =
            send(&opts, &transport, &js_sys::Date::now).await?;
        Ok(access_token_object(&token.into(), &created_at.into(), expires_at(received_at)).into())
    })
}

/// The `TruecallerError` class, re-exported by the package entries.
#[wasm_bindgen(js_name = __truecallerErrorClass, skip_typescript)]
pub fn truecaller_error_class() -> JsValue {
    super::sys::ERROR_CLASS.with(JsValue::clone)
}

/// `DEFAULT_BASE_URL`, re-exported by the package entries.
#[wasm_bindgen(js_name = __defaultBaseUrl, skip_typescript)]
pub fn default_base_url() -> String {
    crate::DEFAULT_BASE_URL.into()
}
