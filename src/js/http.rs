//! One exchange with the token endpoint. The fetch itself (timeout, caller's
//! signal, no redirects, capped body) is `exchange` in `js/exchange.js`; what
//! is sent and what the answer means are decided in the core.

use super::error::describe;
use super::options::Transport;
use super::sys;
use crate::core::error::{Error, Result};
use crate::core::options::RequestOptions;
use crate::core::request::{token_body, token_url};
use crate::core::response::{classify, Received, TokenBody, MAX_BODY_BYTES};
use crate::core::text::is_whole;
use alloc::string::String;
use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Sends one token request; returns the token body and the local time it arrived.
pub async fn send(
    o: &RequestOptions,
    t: &Transport,
    now: &dyn Fn() -> f64,
) -> Result<(TokenBody, f64)> {
    let outcome = JsFuture::from(start(o, t, None)).await;
    settle(outcome, o.api_key.expose(), o.timeout_ms, now())
}

/// Starts the `exchange` of `js/exchange.js` for these options; with `finish`, the promise
/// resolves with what `finish(outcome, failed, apiKey, timeoutMs)` returns.
pub fn start(o: &RequestOptions, t: &Transport, finish: Option<&Function>) -> Promise {
    let undefined = JsValue::UNDEFINED;
    sys::exchange(
        t.fetch.as_ref().map_or(&undefined, |f| f.as_ref()),
        &token_url(o),
        &token_body(o),
        o.timeout_ms,
        t.signal.as_ref().map_or(&undefined, |s| s.as_ref()),
        MAX_BODY_BYTES as f64,
        finish.map_or(&undefined, |f| f.as_ref()),
        if finish.is_some() {
            &t.api_key
        } else {
            &undefined
        },
    )
}

/// Turns the exchange's outcome (`[status, retryAfter, text]`, or `[kind, reason]` when it
/// rejected) into a token body or an error; `api_key` is redacted from any text.
pub fn settle(
    outcome: Result<JsValue, JsValue>,
    api_key: &str,
    timeout_ms: f64,
    received_at: f64,
) -> Result<(TokenBody, f64)> {
    let secrets = [api_key];
    let answer: Array = match outcome {
        Ok(answer) => answer.unchecked_into(),
        Err(failure) => {
            let failure: Array = failure.unchecked_into();
            let reason = describe(&failure.get(1), &secrets);
            return Err(match failure.get(0).as_string().as_deref() {
                Some("timeout") => Error::Timeout(timeout_ms),
                Some("aborted") => Error::Aborted(reason),
                _ => Error::Network(reason),
            });
        }
    };
    let status = match answer.get(0).as_f64() {
        Some(s) if is_whole(s) && (0.0..=999.0).contains(&s) => s as u16,
        _ => {
            return Err(Error::Network(
                "fetch resolved with an invalid status".into(),
            ))
        }
    };
    let retry_after: Option<String> = answer.get(1).as_string();
    let body: Option<String> = answer.get(2).as_string();
    let received = Received {
        status,
        retry_after: retry_after.as_deref(),
        body: body.as_deref(),
    };
    classify(&received, received_at, &secrets).map(|b| (b, received_at))
}
