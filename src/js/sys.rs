//! Raw bindings to the JS globals the shell uses. Only globals every runtime
//! has (`fetch`, timers, `AbortController`); never `window`.

#![allow(missing_docs)]

use alloc::string::String;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, called with the global as `this` (Workers require it).
    #[wasm_bindgen(js_name = fetch, catch)]
    pub fn global_fetch(url: &str, init: &JsValue) -> Result<Promise, JsValue>;

    /// Returns a timer handle: a number in browsers and Workers, an object in Node.
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(callback: &Function, ms: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(handle: &JsValue);

    #[derive(Debug, Clone)]
    pub type AbortController;
    #[wasm_bindgen(constructor)]
    pub fn new() -> AbortController;
    #[wasm_bindgen(method, getter)]
    pub fn signal(this: &AbortController) -> AbortSignal;
    #[wasm_bindgen(method)]
    pub fn abort(this: &AbortController);

    /// Any object shaped like an `AbortSignal` (polyfills included); `js/exchange.js` uses it.
    #[derive(Debug, Clone)]
    pub type AbortSignal;

    /// A `Response`.
    #[derive(Debug)]
    pub type FetchResponse;
    #[wasm_bindgen(method, catch)]
    pub fn text(this: &FetchResponse) -> Result<Promise, JsValue>;
}

#[wasm_bindgen(module = "/js/exchange.js")]
extern "C" {
    /// One token request (see `js/exchange.js`): resolves with what
    /// `finish(outcome, failed)` returns, and rejects when it throws.
    pub fn exchange(
        fetch: &JsValue,
        url: &JsValue,
        body: &JsValue,
        timeout_ms: f64,
        signal: &JsValue,
        finish: &JsValue,
    ) -> Promise;

    /// `[clientAccountId, keyId, apiKey, baseUrl, timeoutMs, signal, fetch]` of an options object.
    #[wasm_bindgen(js_name = requestFields, catch)]
    pub fn request_fields(options: &JsValue) -> Result<js_sys::Array, JsValue>;

    /// `[url, body, timeoutMs, apiKey, signal, fetch]`: a prepared request, for `js/api.js`.
    pub fn parts(
        url: &JsValue,
        body: &JsValue,
        timeout_ms: f64,
        api_key: &JsValue,
        signal: &JsValue,
        fetch: &JsValue,
    ) -> js_sys::Array;

    /// A new `{ token, createdAt, expiresAt }` object.
    #[wasm_bindgen(js_name = accessToken)]
    pub fn access_token(token: &JsValue, created_at: &JsValue, expires_at: f64) -> js_sys::Object;

    /// `[protocol, username, password, hostname, host, pathname]` of `new URL(url)`, or
    /// `None` when it throws.
    #[wasm_bindgen(js_name = urlParts)]
    pub fn url_parts(url: &JsValue) -> Option<js_sys::Array>;

    /// A new `Quota` object.
    pub fn quota(
        limit: u32,
        window_ms: f64,
        used: u32,
        remaining: u32,
        reset_at: JsValue,
    ) -> js_sys::Object;

    /// Whether `store` has `get` and `set` methods (getters that throw count as no).
    #[wasm_bindgen(js_name = isStore)]
    pub fn is_store(store: &JsValue) -> bool;
}

#[wasm_bindgen(module = "/js/truecaller_error.js")]
extern "C" {
    /// The `TruecallerError` class of `js/truecaller_error.js`.
    #[derive(Debug)]
    pub type TruecallerError;
    #[wasm_bindgen(constructor)]
    pub fn new(
        code: &str,
        message: &str,
        status: Option<u16>,
        slug: Option<String>,
        retry_after_ms: Option<f64>,
    ) -> TruecallerError;

    /// The class itself, exported to JS through the package entries.
    #[wasm_bindgen(thread_local_v2, js_name = TruecallerError)]
    pub static ERROR_CLASS: JsValue;
}
