//! The package's JS API (`requestToken`, `TokenClient`, `TruecallerError`,
//! `DEFAULT_BASE_URL`): thin `#[wasm_bindgen]` wrappers of the Rust API, built with the
//! `js-api` feature (`make pack` and the tests turn it on).

mod authorized_fetch;
mod options;
mod store_rules;
mod token_client;

use crate::core::access_token::AccessToken;
use crate::shell::js_error::error_class;
use js_sys::{Object, Promise};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::shell::Prepared;
pub use options::{JsOptions, RawOptions};
use std::cell::RefCell;
use std::rc::Rc;
pub use token_client::JsTokenClient;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

thread_local! {
    /// The last options `requestToken` validated and what they gave: a call with the very same
    /// option values reuses them (no deserializing, no URL parsing, no building again).
    static LAST: RefCell<Option<(RawOptions, Rc<Prepared>)>> = const { RefCell::new(None) };
}

// `requestToken(options)`: one call of the endpoint, no cache, no retry. Never throws:
// bad options reject with `invalid_options`.
#[allow(missing_docs)]
#[wasm_bindgen(js_name = requestToken, skip_typescript, skip_jsdoc)]
pub fn request_token(options: JsValue) -> Promise {
    let prepared = match prepare(&options) {
        Ok(prepared) => prepared,
        Err(e) => return Promise::reject(&e.into()),
    };
    crate::shell::task::promise(async move {
        let token = crate::shell::request_prepared(&prepared).await?;
        to_js(&token, false)
    })
}

fn prepare(options: &JsValue) -> crate::Result<Rc<Prepared>> {
    let raw = RawOptions::read(options)?;
    let last = LAST.with(|last| {
        let last = last.borrow();
        last.as_ref()
            .filter(|(seen, _)| seen.same_request(&raw))
            .map(|(_, prepared)| prepared.clone())
    });
    if let Some(prepared) = last {
        return Ok(prepared);
    }
    let prepared = Rc::new(JsOptions::from_raw(&raw)?.request()?.prepare()?);
    LAST.with(|last| *last.borrow_mut() = Some((raw, prepared.clone())));
    Ok(prepared)
}

// `DEFAULT_BASE_URL`, read once by the package entries.
#[allow(missing_docs)]
#[wasm_bindgen(js_name = __defaultBaseUrl, skip_typescript, skip_jsdoc)]
pub fn default_base_url() -> JsValue {
    JsValue::from_str(crate::DEFAULT_BASE_URL)
}

// The `TruecallerError` class, re-exported by the package entries.
#[allow(missing_docs)]
#[wasm_bindgen(js_name = __errorClass, skip_typescript, skip_jsdoc)]
pub fn truecaller_error() -> JsValue {
    error_class()
}

/// An `AccessToken` as a plain JS object; `frozen` when it is shared between callers.
pub(crate) fn to_js(token: &AccessToken, frozen: bool) -> Result<JsValue, JsValue> {
    let value = token.serialize(&serde_wasm_bindgen::Serializer::new())?;
    if frozen {
        Object::freeze(value.unchecked_ref::<Object>());
    }
    Ok(value)
}

use wasm_bindgen::JsCast;
