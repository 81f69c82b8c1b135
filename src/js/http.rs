//! One exchange with the token endpoint. The fetch itself (timeout, caller's
//! signal, no redirects, capped body) is `exchange` in `js/exchange.js`; what
//! is sent and what the answer means are decided in the core.

use super::error::describe;
use super::sys;
use crate::core::error::{Error, Result};
use crate::core::options::RequestOptions;
use crate::core::request::{token_body, token_url};
use crate::core::response::{classify, expires_at, Body, Member, Received};
use crate::core::text::is_whole;
use alloc::string::String;
use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A validated request, with its URL and body already JS strings (a client sends the
/// same ones every time; `requestToken` keeps the last one).
pub struct Prepared {
    /// The validated options.
    pub options: RequestOptions,
    /// `token_url` as a JS string.
    pub url: JsValue,
    /// `token_body` as a JS string; holds the API key, so never printed.
    pub body: JsValue,
}

impl core::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The body holds the API key: never printed.
        f.debug_struct("Prepared")
            .field("options", &self.options)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Prepared {
    /// Builds the URL and body once.
    pub fn new(options: RequestOptions) -> Self {
        let url = JsValue::from_str(&token_url(&options));
        let body = JsValue::from_str(&token_body(&options));
        Prepared { options, url, body }
    }
}

/// The API key, for redaction: read from JS only when an error needs it.
#[derive(Clone, Copy)]
pub enum ApiKey<'a> {
    /// Already in Rust.
    Rust(&'a str),
    /// As JS passed it.
    Js(&'a JsValue),
}

impl core::fmt::Debug for ApiKey<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl ApiKey<'_> {
    fn text(self) -> String {
        match self {
            ApiKey::Rust(s) => s.into(),
            ApiKey::Js(v) => v.as_string().unwrap_or_default(),
        }
    }
}

/// Turns the exchange's outcome (`[status, retryAfter, bodyState, body, token, created_at,
/// slug, message]`, or `[kind, reason]` when `failed`) into an `AccessToken` object or an
/// error; `api_key` is redacted from any text.
// Not inlined: `requestToken` and `TokenClient` share one copy in the `.wasm`.
#[inline(never)]
pub fn settle(
    outcome: JsValue,
    failed: bool,
    api_key: ApiKey<'_>,
    timeout_ms: f64,
    received_at: f64,
) -> Result<JsValue> {
    let answer: Array = outcome.unchecked_into();
    if failed {
        let reason = describe(&answer.get(1), &[&api_key.text()]);
        return Err(match answer.get(0).as_string().as_deref() {
            Some("timeout") => Error::Timeout(timeout_ms),
            Some("aborted") => Error::Aborted(reason),
            _ => Error::Network(reason),
        });
    }
    let status = match answer.get(0).as_f64() {
        Some(s) if is_whole(s) && (0.0..=999.0).contains(&s) => s as u16,
        _ => {
            return Err(Error::Network(
                "fetch resolved with an invalid status".into(),
            ))
        }
    };
    let retry_after: Option<String> = answer.get(1).as_string();
    let value = answer.get(3);
    // `exchange` hands over these members at fixed positions.
    let get = |key: &str| {
        answer.get(match key {
            "token" => 4,
            "created_at" => 5,
            "slug" => 6,
            "message" => 7,
            _ => return JsValue::UNDEFINED,
        })
    };
    let member = |key: &str| {
        let v = get(key);
        match v.as_string() {
            Some(s) => Member::Str(s),
            None if v.is_undefined() => Member::Absent,
            None => Member::NotString,
        }
    };
    let received = Received {
        status,
        retry_after: retry_after.as_deref(),
        // See `exchange` in js/exchange.js.
        body: match answer.get(2).as_f64() {
            Some(2.0) if value.is_object() && !Array::is_array(&value) => Body::Object(member),
            Some(2.0) => Body::NotObject,
            Some(1.0) => Body::NotJson,
            _ => Body::TooLarge,
        },
    };
    // The key is only needed to redact upstream error text; a 2xx skips reading it.
    let key = if (200..300).contains(&status) {
        String::new()
    } else {
        api_key.text()
    };
    classify(&received, received_at, &[&key])?;
    // The core accepted these very values: hand JS its own strings back.
    let access = sys::access_token(&get("token"), &get("created_at"), expires_at(received_at));
    Ok(access.into())
}
