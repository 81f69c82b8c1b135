//! One exchange with the token endpoint: gloo-net builds the request, the global or the
//! injected `fetch` sends it, the body is read as a stream up to 64 KiB, and the core says
//! what the answer means. The timeout and the caller's signal win on their own clock,
//! whatever the `fetch` does with the abort signal it was given.

use super::js_error::describe;
use super::options::Prepared;
use super::timer::{aborted, race, timeout, AbortWait, Either, GiveUp};
use crate::core::access_token::AccessToken;
use crate::core::error::{Error, Result};
use crate::core::request::HEADERS;
use crate::core::response::{classify, Body, Received, WireBody, MAX_BODY_BYTES};
use crate::core::text::{is_whole, parse_digits};
use crate::sys::{self, AnyHeaders, AnyResponse, AnyStream};
use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Array, ArrayBuffer, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestRedirect};

/// Sends one token request and classifies the answer; `now` is read when it arrives.
pub(crate) async fn exchange(p: &Prepared, now: &dyn Fn() -> f64) -> Result<AccessToken> {
    let key = p.config.api_key.expose();
    if let Some(reason) = p.signal.as_ref().and_then(aborted) {
        return Err(Error::Aborted(describe(&reason, key)));
    }
    let controller = AbortController::new().map_err(|e| Error::Network(describe(&e, key)))?;
    let mut caller = AbortWait::new(p.signal.as_ref());
    // Settled when this exchange ends, however it ends: every promise it awaited is let go.
    let give_up = GiveUp::new();
    let work = async {
        let received = send(p, &controller.signal(), &give_up).await?;
        classify(received, now(), key)
    };
    match race(work, race(timeout(p.config.timeout_ms), caller.wait())).await {
        Either::Left(result) => result,
        Either::Right(Either::Left(())) => {
            controller.abort();
            Err(Error::Timeout(p.config.timeout_ms))
        }
        Either::Right(Either::Right(reason)) => {
            controller.abort_with_reason(&reason);
            Err(Error::Aborted(describe(&reason, key)))
        }
    }
}

async fn send(p: &Prepared, signal: &web_sys::AbortSignal, give_up: &GiveUp) -> Result<Received> {
    let key = p.config.api_key.expose();
    let network = |e: JsValue| Error::Network(describe(&e, key));
    let mut builder = RequestBuilder::new(&p.url).method(Method::POST);
    for (name, value) in HEADERS {
        builder = builder.header(name, value);
    }
    let request: web_sys::Request = builder
        .redirect(RequestRedirect::Manual)
        .abort_signal(Some(signal))
        .body(p.body.as_str())
        .map_err(|e| Error::Network(crate::core::response::clean(&e.to_string(), key)))?
        .into();
    // gloo-net's own `send()` would panic on a look-alike response and does not catch a
    // synchronous throw, so the request goes to `fetch` here, the same way for both.
    let sent = match &p.fetch {
        Some(fetch) => fetch.call1(&JsValue::UNDEFINED, &request),
        None => sys::global_fetch_with_init(&request, &JsValue::UNDEFINED),
    };
    let response = give_up
        .wait(&sent.map_err(network)?)
        .await
        .map_err(network)?;
    read(response.unchecked_into(), key, give_up).await
}

/// Reads a `Response` (or a look-alike): status, `Retry-After`, and the body up to the cap.
async fn read(r: AnyResponse, key: &str, give_up: &GiveUp) -> Result<Received> {
    let status = match sys::get(&r, "status").as_f64() {
        Some(s) if is_whole(s) && (0.0..=999.0).contains(&s) => s as u16,
        Some(_) => {
            return Err(Error::Network(
                "fetch resolved with an invalid status".into(),
            ))
        }
        None => {
            return Err(Error::Network(
                "fetch resolved with something that is not a Response".into(),
            ))
        }
    };
    let opaque = sys::get(&r, "type").as_string().as_deref() == Some("opaqueredirect");
    let headers = Some(sys::get(&r, "headers"))
        .filter(|h| h.is_object())
        .map(|h| h.unchecked_into::<AnyHeaders>());
    let header = |name: &str| {
        headers
            .as_ref()
            .and_then(|h| h.get(name).ok())
            .and_then(|v| v.as_string())
    };
    let declared = header("content-length").and_then(|v| parse_digits(v.trim_ascii(), 15));
    // The length of the bytes on the wire: the body as read is that long only when they are
    // not compressed.
    let identity =
        header("content-encoding").is_none_or(|e| e.trim_ascii().eq_ignore_ascii_case("identity"));
    let body = if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        if let Ok(stream) = r.body() {
            discard(stream.unchecked_ref::<AnyStream>().cancel());
        }
        Body::TooLarge
    } else {
        // Always as a stream: a declared length binds a network response, not a response an
        // injected fetch made up (an endless body may declare 10 bytes).
        match read_body(&r, declared.filter(|_| identity), give_up).await {
            Ok(Some(bytes)) => parse(&bytes),
            Ok(None) => Body::TooLarge,
            Err(e) => {
                let mut why = String::from("the response body could not be read: ");
                why.push_str(&describe(&e, key));
                return Err(Error::Network(why));
            }
        }
    };
    Ok(Received {
        status: if opaque { 0 } else { status },
        retry_after: header("retry-after"),
        body,
    })
}

/// The body's bytes, or `None` past [`MAX_BODY_BYTES`] (the stream is then cancelled). With a
/// declared length, the body is that many bytes at most: reading stops once they came (a
/// network response holds to its length; a longer one an injected fetch made up is cut there).
async fn read_body(
    r: &AnyResponse,
    declared: Option<u64>,
    give_up: &GiveUp,
) -> std::result::Result<Option<Vec<u8>>, JsValue> {
    let body = r.body()?;
    if body.is_null() {
        return Ok(Some(Vec::new()));
    }
    if !body.is_object() {
        // A look-alike without a stream: its text(), measured before it is copied.
        let text = give_up.wait(&r.text()?).await?;
        let Some(text) = text.dyn_ref::<js_sys::JsString>() else {
            return Err(JsValue::from_str("text() did not resolve with a string"));
        };
        if text.length() as usize > MAX_BODY_BYTES {
            return Ok(None);
        }
        let text = String::from(text);
        return Ok((text.len() <= MAX_BODY_BYTES).then(|| text.into_bytes()));
    }
    let reader = body.unchecked_into::<AnyStream>().get_reader()?;
    let mut bytes = Vec::new();
    loop {
        let chunk = give_up.wait(&reader.read()?).await?;
        if !chunk.is_object() {
            return Err(JsValue::from_str(
                "the body stream gave something that is not a chunk",
            ));
        }
        if Reflect::get(&chunk, &"done".into())?.is_truthy() {
            return Ok(Some(bytes));
        }
        let value = Reflect::get(&chunk, &"value".into())?;
        // A plain copy: a subclass of Uint8Array may override `length` or `subarray`.
        let Some(part) = ArrayBuffer::is_view(&value)
            .then(|| value.dyn_into::<Uint8Array>().ok())
            .flatten()
            .map(|view| Uint8Array::new(&view))
        else {
            return Err(JsValue::from_str(
                "the body stream gave something that is not bytes",
            ));
        };
        let mut take = part.length() as usize;
        if let Some(n) = declared.filter(|&n| n > 0) {
            take = take.min((n as usize).saturating_sub(bytes.len()));
        }
        if bytes.len() + take > MAX_BODY_BYTES {
            discard(reader.unchecked_ref::<AnyStream>().cancel());
            return Ok(None);
        }
        bytes.extend_from_slice(&part.subarray(0, take as u32).to_vec());
        if declared.is_some_and(|n| n > 0 && bytes.len() as u64 >= n) {
            return Ok(Some(bytes));
        }
    }
}

/// Lets a promise we do not need settle on its own, without an unhandled rejection.
fn discard(promise: std::result::Result<JsValue, JsValue>) {
    if let Ok(p) = promise {
        crate::shell::task::spawn(async move {
            let _ = JsFuture::from(sys::promise(&p)).await;
        });
    }
}

/// UTF-8 is decoded by the platform's `TextDecoder` (an invalid sequence becomes U+FFFD, a
/// leading BOM is dropped), JSON syntax is `JSON.parse`'s; serde reads the members the core
/// looks at.
fn parse(bytes: &[u8]) -> Body {
    thread_local! {
        static DECODER: Option<sys::Utf8Decoder> = sys::Utf8Decoder::new().ok();
    }
    let text = DECODER.with(|d| d.as_ref().map(|d| d.decode(bytes)));
    let Some(Ok(value)) = text.map(|text| text.and_then(|t| sys::json_parse(&t))) else {
        return Body::NotJson;
    };
    if !value.is_object() || Array::is_array(&value) {
        return Body::NotObject;
    }
    serde_wasm_bindgen::from_value::<WireBody>(value).map_or(Body::NotObject, Body::Object)
}
