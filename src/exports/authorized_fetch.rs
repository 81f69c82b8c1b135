//! `TokenClient.fetch`: the caller's request with `Authorization: Bearer <token>`, sent
//! again once with a new token after a 401 when its body can be replayed and the core's
//! `after_401` says a new token may help.

use crate::core::access_token::AccessToken;
use crate::shell::timer::{aborted, unless_aborted};
use crate::shell::{Resend, TokenClient};
use crate::sys::{self, AnySignal};
use js_sys::{ArrayBuffer, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The members of a `RequestInit` a runtime reads (through the prototype chain too): copied
/// when `Object.assign`, which takes own properties only, left them out.
const INIT_MEMBERS: [&str; 13] = [
    "method",
    "body",
    "referrer",
    "referrerPolicy",
    "mode",
    "credentials",
    "cache",
    "redirect",
    "integrity",
    "keepalive",
    "signal",
    "duplex",
    "priority",
];

pub async fn fetch(
    client: &TokenClient,
    input: JsValue,
    init: JsValue,
) -> Result<JsValue, JsValue> {
    let replay = can_replay(&init);
    let signal = caller_signal(&input, &init);
    // The caller's abort rejects with its reason, as `fetch` does; the mint goes on for others.
    let token = unless_aborted(signal.as_ref(), client.access_token()).await??;
    let response = send(client, &input, &init, &token).await?;
    let status = sys::get(&response, "status").as_f64();
    if status != Some(401.0) || !replay || signal.as_ref().and_then(aborted).is_some() {
        return Ok(response);
    }
    let next = match client.after_401(&token.token) {
        Resend::No => return Ok(response),
        Resend::WithCurrent => unless_aborted(signal.as_ref(), client.access_token()).await,
        Resend::After(flight) => unless_aborted(signal.as_ref(), client.wait_for(flight)).await,
    };
    match next? {
        Ok(token) => send(client, &input, &init, &token).await,
        // A new token that cannot be had leaves the caller with the 401 they would have had.
        Err(_) => Ok(response),
    }
}

/// The caller's signal: `init.signal`, else the `Request` input's (as `fetch` takes it).
fn caller_signal(input: &JsValue, init: &JsValue) -> Option<AnySignal> {
    let given = match init.is_object() {
        true => sys::get(init, "signal"),
        false => JsValue::UNDEFINED,
    };
    let signal = match given.is_undefined() && sys::tag(input) == "[object Request]" {
        true => sys::get(input, "signal"),
        false => given,
    };
    signal.is_object().then(|| signal.unchecked_into())
}

/// A `Request` input is cloned for every attempt, so it can always be replayed; a body in
/// `init` can unless it is a stream (or another one-shot iterable).
fn can_replay(init: &JsValue) -> bool {
    let body = if init.is_object() {
        sys::get(init, "body")
    } else {
        JsValue::UNDEFINED
    };
    // By tag rather than `instanceof`, which runs a Proxy's traps outside any `catch`.
    body.is_undefined()
        || body.is_null()
        || body.is_string()
        || ArrayBuffer::is_view(&body)
        || matches!(
            sys::tag(&body).as_str(),
            "[object ArrayBuffer]"
                | "[object URLSearchParams]"
                | "[object Blob]"
                | "[object File]"
                | "[object FormData]"
        )
}

/// One attempt: the caller's request with `token` (its own failure passes through as it is).
async fn send(
    client: &TokenClient,
    input: &JsValue,
    init: &JsValue,
    token: &AccessToken,
) -> Result<JsValue, JsValue> {
    // Every read of the caller's values is caught: a getter or a Proxy trap that throws is the
    // call's own failure, passed through like a rejected fetch.
    let request =
        (sys::tag(input) == "[object Request]").then(|| input.unchecked_ref::<web_sys::Request>());
    let given = match init.is_object() {
        true => Reflect::get(init, &"headers".into())?,
        false => JsValue::UNDEFINED,
    };
    let headers = match (given.is_undefined(), request) {
        (true, Some(_)) => web_sys::Headers::new_with_str_sequence_sequence(&Reflect::get(
            input,
            &"headers".into(),
        )?)?,
        // `new Headers(init)`: a Headers, an array of pairs or a record.
        _ => web_sys::Headers::new_with_str_sequence_sequence(&given)?,
    };
    headers.set("authorization", &token.authorization())?;
    let options = Object::new();
    if init.is_object() {
        sys::object_assign(&options, init)?;
        for name in INIT_MEMBERS {
            let name = JsValue::from_str(name);
            if Reflect::get(&options, &name)?.is_undefined() {
                let inherited = Reflect::get(init, &name)?;
                if !inherited.is_undefined() {
                    Reflect::set(&options, &name, &inherited)?;
                }
            }
        }
    }
    Reflect::set(&options, &"headers".into(), &headers)?;
    let input = match request {
        Some(r) => web_sys::Request::clone(r)?.into(),
        None => input.clone(),
    };
    let sent = match &client.fetch_function() {
        Some(f) => f.call2(&JsValue::UNDEFINED, &input, &options)?,
        None => sys::global_fetch_with_init(&input, &options)?,
    };
    JsFuture::from(sys::promise(&sent)).await
}
