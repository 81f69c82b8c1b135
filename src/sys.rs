//! Raw bindings to the JS globals and duck-typed objects the shell uses (the `worker-sys`
//! of this crate). Only globals every runtime has (`fetch`, timers, `Date`); never `window`.
//! Everything that touches a value a caller handed us is `catch`: a throwing getter, a
//! missing method or a Proxy trap becomes an `Err`, never an exception through the `.wasm`.

#![allow(missing_docs)]

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, called with the global as `this` (Workers require it); `init` is
    /// `undefined` for a built `Request`.
    #[wasm_bindgen(js_name = fetch, catch)]
    pub fn global_fetch_with_init(input: &JsValue, init: &JsValue) -> Result<JsValue, JsValue>;

    /// Returns a timer handle: a number in browsers and Workers, an object in Node.
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(callback: &Function, ms: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(handle: &JsValue);

    /// Anything shaped like an `AbortSignal` (polyfills included).
    #[derive(Debug, Clone)]
    pub type AnySignal;
    #[wasm_bindgen(method, structural, catch, js_name = addEventListener)]
    pub fn add_event_listener(
        this: &AnySignal,
        kind: &str,
        listener: &Function,
    ) -> Result<(), JsValue>;
    #[wasm_bindgen(method, structural, catch, js_name = removeEventListener)]
    pub fn remove_event_listener(
        this: &AnySignal,
        kind: &str,
        listener: &Function,
    ) -> Result<(), JsValue>;

    /// Whatever a `fetch` resolved with: a `Response` or a look-alike.
    #[derive(Debug, Clone)]
    pub type AnyResponse;
    #[wasm_bindgen(method, getter, structural, catch)]
    pub fn body(this: &AnyResponse) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, structural, catch)]
    pub fn text(this: &AnyResponse) -> Result<JsValue, JsValue>;

    /// Anything with a `get(key)` method: a `Headers` (or look-alike), and a store.
    #[derive(Debug, Clone)]
    pub type AnyHeaders;
    #[wasm_bindgen(method, structural, catch)]
    pub fn get(this: &AnyHeaders, key: &str) -> Result<JsValue, JsValue>;

    /// A `ReadableStream` of bytes, or a look-alike.
    #[derive(Debug, Clone)]
    pub type AnyStream;
    #[wasm_bindgen(method, structural, catch, js_name = getReader)]
    pub fn get_reader(this: &AnyStream) -> Result<AnyReader, JsValue>;
    #[wasm_bindgen(method, structural, catch)]
    pub fn cancel(this: &AnyStream) -> Result<JsValue, JsValue>;

    /// A stream's reader (cancelled like the stream: `AnyStream::cancel` on it).
    #[derive(Debug, Clone)]
    pub type AnyReader;
    #[wasm_bindgen(method, structural, catch)]
    pub fn read(this: &AnyReader) -> Result<JsValue, JsValue>;

    /// A `TokenStore` object; each method may return a value or a promise. Its `get` is
    /// [`AnyHeaders::get`] (one binding for both).
    #[wasm_bindgen(extends = AnyHeaders)]
    #[derive(Debug, Clone)]
    pub type AnyStore;
    #[wasm_bindgen(method, structural, catch)]
    pub fn set(this: &AnyStore, key: &str, value: &str, ttl_ms: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, structural, catch)]
    pub fn delete(this: &AnyStore, key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, structural, catch)]
    pub fn claim(this: &AnyStore, key: &str, owner: &str, ttl_ms: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, structural, catch)]
    pub fn release(this: &AnyStore, key: &str, owner: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, structural, catch)]
    pub fn reserve(
        this: &AnyStore,
        key: &str,
        limit: u32,
        window_ms: f64,
        now: f64,
    ) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen(module = "/js/truecaller_error.js")]
extern "C" {
    /// The `TruecallerError` class of `js/truecaller_error.js` (an `Error` subclass needs JS syntax).
    #[derive(Debug)]
    pub type TruecallerError;
    #[wasm_bindgen(constructor)]
    pub fn new(
        code: &str,
        message: &str,
        status: Option<u16>,
        slug: Option<&str>,
        retry_after_ms: Option<f64>,
    ) -> TruecallerError;

    /// The class itself.
    #[wasm_bindgen(thread_local_v2, js_name = TruecallerError)]
    pub static ERROR_CLASS: JsValue;
}

#[wasm_bindgen]
extern "C" {
    /// A `TextDecoder` (UTF-8, invalid bytes replaced, a BOM dropped).
    #[derive(Debug)]
    pub type Utf8Decoder;
    #[wasm_bindgen(constructor, js_class = TextDecoder, catch)]
    pub fn new() -> Result<Utf8Decoder, JsValue>;
    /// The text of `bytes`, as a JS string (it is only handed on to `JSON.parse`).
    #[wasm_bindgen(method, js_class = TextDecoder, catch)]
    pub fn decode(this: &Utf8Decoder, bytes: &[u8]) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// `object[key]`, or `undefined` when reading it throws (a getter, a Proxy trap) or `object`
/// is not an object: one function for every property read whose failure means "absent".
#[inline(never)]
pub fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Promise, js_name = resolve, catch)]
    fn promise_resolve(value: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = Object, js_name = assign, catch)]
    pub fn object_assign(target: &JsValue, source: &JsValue) -> Result<JsValue, JsValue>;

    /// `Object.prototype.toString.call(value)`: `[object Blob]` and the like, asked of the
    /// value without running its code (but a Proxy's, which is caught).
    #[wasm_bindgen(js_namespace = ["Object", "prototype", "toString"], js_name = call, catch)]
    pub fn object_tag(value: &JsValue) -> Result<JsValue, JsValue>;
}

/// `Promise.resolve(value)`: a promise for any value, thenables included; never throws (a
/// promise whose `constructor` getter throws gives a rejected one).
pub fn promise(value: &JsValue) -> Promise {
    promise_resolve(value).unwrap_or_else(|e| Promise::reject(&e))
}

/// The `[object …]` tag of `value`, or an empty string when asking for it throws.
pub fn tag(value: &JsValue) -> String {
    object_tag(value)
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default()
}
