//! One exchange with the token endpoint over `fetch`: timeout, caller's
//! signal, no redirects, capped body. Everything it decides is in the core.

use super::error::describe;
use super::options::Transport;
use super::sys::{self, AbortController, FetchResponse};
use crate::core::error::{Error, Result};
use crate::core::options::RequestOptions;
use crate::core::request::{token_body, token_url, HEADERS};
use crate::core::response::{classify, Received, TokenBody, MAX_BODY_BYTES};
use crate::core::text::{is_whole, parse_digits};
use alloc::rc::Rc;
use alloc::string::String;
use core::cell::Cell;
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// How an exchange failed before a response could be classified.
enum Failure {
    /// `fetch` or the body read rejected with this value.
    Js(JsValue),
    /// Decided in Rust.
    Core(Error),
}

impl From<JsValue> for Failure {
    fn from(v: JsValue) -> Self {
        Failure::Js(v)
    }
}

/// Sends one token request; returns the token body and the local time it arrived.
pub async fn send(
    o: &RequestOptions,
    t: &Transport,
    now: &dyn Fn() -> f64,
) -> Result<(TokenBody, f64)> {
    let secrets = [o.api_key.expose()];
    if let Some(signal) = t.signal.as_ref().filter(|s| s.aborted()) {
        return Err(Error::Aborted(describe(&signal.reason(), &secrets)));
    }
    let controller = AbortController::new();
    let timed_out = Rc::new(Cell::new(false));
    let on_timeout = (o.timeout_ms > 0.0).then(|| {
        let (controller, timed_out) = (controller.clone(), timed_out.clone());
        Closure::<dyn FnMut()>::new(move || {
            timed_out.set(true);
            controller.abort();
        })
    });
    let timer = on_timeout
        .as_ref()
        .map(|cb| sys::set_timeout(cb.as_ref().unchecked_ref(), o.timeout_ms));
    let on_abort = t.signal.as_ref().map(|signal| {
        let controller = controller.clone();
        let cb = Closure::<dyn FnMut()>::new(move || controller.abort());
        // A signal that refuses listeners still aborts nothing; the request then runs to completion.
        let _ = signal.add_event_listener("abort", cb.as_ref().unchecked_ref());
        (signal, cb)
    });

    let result = exchange(o, t, &controller, now, &secrets).await;

    if let Some(timer) = timer {
        sys::clear_timeout(&timer);
    }
    if let Some((signal, cb)) = &on_abort {
        let _ = signal.remove_event_listener("abort", cb.as_ref().unchecked_ref());
    }
    drop(on_timeout);
    drop(on_abort);

    result.map_err(|failure| match failure {
        Failure::Core(e) => e,
        Failure::Js(_) if timed_out.get() => Error::Timeout(o.timeout_ms),
        Failure::Js(_) if t.signal.as_ref().is_some_and(|s| s.aborted()) => {
            Error::Aborted(describe(
                &t.signal.as_ref().map(|s| s.reason()).unwrap_or_default(),
                &secrets,
            ))
        }
        Failure::Js(v) => Error::Network(describe(&v, &secrets)),
    })
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Setting a data property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

fn request_init(o: &RequestOptions, controller: &AbortController) -> Object {
    let headers = Object::new();
    for (name, value) in HEADERS {
        set(&headers, name, &JsValue::from_str(value));
    }
    let init = Object::new();
    set(&init, "method", &JsValue::from_str("POST"));
    set(&init, "headers", &headers);
    set(&init, "body", &JsValue::from_str(&token_body(o)));
    set(&init, "redirect", &JsValue::from_str("manual"));
    set(&init, "signal", &controller.signal());
    init
}

async fn exchange(
    o: &RequestOptions,
    t: &Transport,
    controller: &AbortController,
    now: &dyn Fn() -> f64,
    secrets: &[&str],
) -> Result<(TokenBody, f64), Failure> {
    let url = token_url(o);
    let init = request_init(o, controller);
    let promise = match &t.fetch {
        Some(f) => {
            Promise::resolve(&f.call2(&JsValue::UNDEFINED, &JsValue::from_str(&url), &init)?)
        }
        None => sys::global_fetch(&url, &init)?,
    };
    let value = JsFuture::from(promise).await?;
    let received_at = now();
    if !value.is_object() {
        return Err(Failure::Core(Error::Network(
            "fetch resolved with something that is not a Response".into(),
        )));
    }
    let response: FetchResponse = value.unchecked_into();
    let status = match response.status().as_f64() {
        _ if response.kind().as_string().as_deref() == Some("opaqueredirect") => 0,
        Some(s) if is_whole(s) && (0.0..=999.0).contains(&s) => s as u16,
        _ => {
            return Err(Failure::Core(Error::Network(
                "fetch resolved with something that is not a Response".into(),
            )))
        }
    };
    let headers = response.headers();
    let header = |name| {
        if headers.is_object() {
            headers.get(name).ok().flatten()
        } else {
            None
        }
    };
    let retry_after = header("retry-after");
    let declared_too_large = header("content-length")
        .and_then(|v| parse_digits(v.trim(), 19))
        .is_some_and(|n| n > MAX_BODY_BYTES as u64);
    let body = if declared_too_large {
        None
    } else {
        let text = JsFuture::from(response.text()?).await?;
        // UTF-16 length <= UTF-8 length, so this rejects before copying an oversize body into wasm.
        match text.dyn_ref::<js_sys::JsString>() {
            Some(s) if s.length() as usize > MAX_BODY_BYTES => None,
            Some(s) => Some(String::from(s)),
            None => Some(String::new()),
        }
    };
    let received = Received {
        status,
        retry_after: retry_after.as_deref(),
        body: body.as_deref(),
    };
    classify(&received, received_at, secrets)
        .map(|b| (b, received_at))
        .map_err(Failure::Core)
}
