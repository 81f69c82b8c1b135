//! `TokenClient.fetch`: the caller's request with `Authorization: Bearer <token>`, sent
//! again once with a new token after a 401 when its body can be replayed.

use crate::shell::TokenClient;
use crate::sys;
use js_sys::{ArrayBuffer, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub async fn fetch(
    client: &TokenClient,
    input: JsValue,
    init: JsValue,
) -> Result<JsValue, JsValue> {
    let replay = can_replay(&init);
    let (token, response) = send(client, &input, &init).await?;
    let status = sys::get(&response, "status").as_f64();
    if status != Some(401.0) || !replay {
        return Ok(response);
    }
    client.invalidate_token(&token);
    Ok(send(client, &input, &init).await?.1)
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

/// One attempt: the token (a failure is a `TruecallerError`), then the caller's request
/// (whose own failure passes through as it is).
async fn send(
    client: &TokenClient,
    input: &JsValue,
    init: &JsValue,
) -> Result<(String, JsValue), JsValue> {
    let token = client.access_token().await?;
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
    let response = JsFuture::from(sys::promise(&sent)).await?;
    Ok((token.token, response))
}
