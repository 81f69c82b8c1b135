//! The crate through the real wasm build, in Node and in headless Chromium, against the
//! local token server that `make test` starts (tests/run-wasm-tests.mjs): the Rust API
//! (`request_token`, `TokenClient`) and the JS exports it backs (`requestToken`).

#![cfg(all(target_arch = "wasm32", feature = "js-api"))]

use js_sys::{Function, Object, Promise, Reflect, JSON};
use std::rc::Rc;
use truecaller_token::exports::request_token;
use truecaller_token::{
    ClientOptions, ErrorCode, RequestOptions, StoreError, StoreFuture, TokenClient, TokenStore,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use truecaller_token::sys::set_timeout;

fn global_fetch(input: &JsValue, init: &JsValue) -> Promise {
    js_sys::Promise::resolve(&truecaller_token::sys::global_fetch_with_init(input, init).unwrap())
}

const SERVER: &str = match option_env!("TC_TOKEN_SERVER") {
    Some(s) => s,
    None => "http://127.0.0.1:18788",
};
const SECOND: &str = match option_env!("TC_SECOND_SERVER") {
    Some(s) => s,
    None => "http://127.0.0.1:18789",
};
const CLOSED: &str = match option_env!("TC_CLOSED_PORT_URL") {
    Some(s) => s,
    None => "http://127.0.0.1:18790",
};
const ACCOUNT: &str = "9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f";
const KEY_ID: &str = "11111111-2222-4333-8444-555555555555";
const API_KEY: &str = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
    Reflect::set(o, &k.into(), &v.into()).unwrap();
}

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &k.into()).unwrap()
}

fn options(base: &str) -> Object {
    let o = Object::new();
    set(&o, "clientAccountId", ACCOUNT);
    set(&o, "keyId", KEY_ID);
    set(&o, "apiKey", API_KEY);
    set(&o, "baseUrl", base);
    o
}

fn unique(prefix: &str) -> String {
    let mut s = String::from(prefix);
    s.push_str(&(js_sys::Math::random() * 1e12).floor().to_string());
    s
}

async fn call(o: &Object) -> Result<JsValue, JsValue> {
    JsFuture::from(request_token(o.clone().into())).await
}

async fn fails(o: &Object) -> JsValue {
    match call(o).await {
        Ok(v) => panic!("expected a rejection, got {v:?}"),
        Err(e) => {
            assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
            let class: Function = truecaller_token::exports::truecaller_error().unchecked_into();
            assert!(e.dyn_ref::<Object>().unwrap().is_instance_of::<Object>());
            assert!(Reflect::get(&class, &"prototype".into()).is_ok());
            assert!(
                js_sys::Reflect::get_prototype_of(&e).unwrap()
                    == Reflect::get(&class, &"prototype".into())
                        .unwrap()
                        .unchecked_into::<Object>(),
                "not a TruecallerError"
            );
            assert_eq!(
                get(&e, "name").as_string().as_deref(),
                Some("TruecallerError")
            );
            let rendered = [
                get(&e, "message").as_string().unwrap(),
                get(&e, "stack").as_string().unwrap_or_default(),
                JSON::stringify(&e).unwrap().as_string().unwrap(),
                e.unchecked_ref::<js_sys::Object>()
                    .to_string()
                    .as_string()
                    .unwrap(),
            ];
            for r in rendered {
                assert!(!r.contains(API_KEY), "the API key leaked: {r}");
            }
            e
        }
    }
}

fn code(e: &JsValue) -> String {
    get(e, "code").as_string().unwrap()
}

async fn stats(origin: &str, id: &str) -> JsValue {
    let url = format!("{origin}/__stats?id={id}");
    let resp: web_sys::Response = JsFuture::from(global_fetch(&url.into(), &JsValue::UNDEFINED))
        .await
        .unwrap()
        .unchecked_into();
    let text = JsFuture::from(resp.text().unwrap()).await.unwrap();
    JSON::parse(&text.as_string().unwrap()).unwrap()
}

async fn count(origin: &str, id: &str) -> f64 {
    get(&stats(origin, id).await, "count").as_f64().unwrap()
}

#[wasm_bindgen_test]
async fn success_returns_token_and_local_expiry() {
    let id = unique("ok");
    let before = js_sys::Date::now();
    let t = call(&options(&format!("{SERVER}/t/{id}/"))).await.unwrap();
    let after = js_sys::Date::now();
    let token = get(&t, "token").as_string().unwrap();
    assert!(token.starts_with("tc_"), "{token}");
    assert!(get(&t, "createdAt").as_string().unwrap().ends_with('Z'));
    let expires = get(&t, "expiresAt").as_f64().unwrap();
    assert!(expires >= before + 3_600_000.0 && expires <= after + 3_600_000.0);
    let seen = get(&stats(SERVER, &id).await, "last");
    assert_eq!(
        get(&seen, "publicAccess").as_string().as_deref(),
        Some("allow")
    );
    assert_eq!(
        get(&seen, "contentType").as_string().as_deref(),
        Some("application/json")
    );
    assert_eq!(
        JSON::stringify(&get(&seen, "bodyKeys"))
            .unwrap()
            .as_string()
            .as_deref(),
        Some(r#"["key_id","api_key"]"#)
    );
    assert_eq!(
        get(&seen, "path").as_string().unwrap(),
        format!("/t/{id}/clients/{ACCOUNT}/token")
    );
}

#[wasm_bindgen_test]
async fn created_at_from_another_clock_is_kept_verbatim() {
    let t = call(&options(&format!("{SERVER}/s/old"))).await.unwrap();
    assert_eq!(
        get(&t, "createdAt").as_string().as_deref(),
        Some("2025-07-10T06:59:05.72Z")
    );
    assert!(get(&t, "expiresAt").as_f64().unwrap() > js_sys::Date::now() + 3_500_000.0);
}

#[wasm_bindgen_test]
async fn bad_request_has_status_and_slug() {
    let e = fails(&options(&format!("{SERVER}/s/400"))).await;
    assert_eq!(code(&e), "bad_request");
    assert_eq!(get(&e, "status").as_f64(), Some(400.0));
    assert_eq!(
        get(&e, "slug").as_string().as_deref(),
        Some("invalid-input")
    );
    assert!(get(&e, "message")
        .as_string()
        .unwrap()
        .contains("api_key is required"));
}

#[wasm_bindgen_test]
async fn wrong_credentials_are_unauthorized() {
    let o = options(&format!("{SERVER}/t/{}", unique("wrong")));
    set(&o, "apiKey", "bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    let e = fails(&o).await;
    assert_eq!(code(&e), "unauthorized");
    assert_eq!(get(&e, "status").as_f64(), Some(401.0));
    assert!(!get(&e, "message")
        .as_string()
        .unwrap()
        .contains("bbbbbbbb-bbbb"));
    let e = fails(&options(&format!("{SERVER}/s/403"))).await;
    assert_eq!(code(&e), "unauthorized");
    assert_eq!(get(&e, "status").as_f64(), Some(403.0));
}

#[wasm_bindgen_test]
async fn rate_limited_reads_retry_after() {
    let e = fails(&options(&format!("{SERVER}/s/429"))).await;
    assert_eq!(code(&e), "rate_limited");
    assert_eq!(get(&e, "status").as_f64(), Some(429.0));
    assert_eq!(get(&e, "retryAfterMs").as_f64(), Some(7000.0));
}

#[wasm_bindgen_test]
async fn server_error_with_html_body() {
    let e = fails(&options(&format!("{SERVER}/s/500"))).await;
    assert_eq!(code(&e), "server_error");
    assert_eq!(get(&e, "status").as_f64(), Some(500.0));
    assert!(get(&e, "slug").is_undefined());
}

#[wasm_bindgen_test]
async fn other_statuses_are_unexpected() {
    let e = fails(&options(&format!("{SERVER}/s/404"))).await;
    assert_eq!(code(&e), "unexpected_status");
    assert_eq!(get(&e, "status").as_f64(), Some(404.0));
}

#[wasm_bindgen_test]
async fn malformed_success_bodies_are_invalid_response() {
    for (scenario, why) in [
        ("notjson", "the body is not JSON"),
        ("array", "the body is not a JSON object"),
        ("notoken", "\"token\" is missing"),
        ("big", "the body exceeds 64 KiB"),
        ("bigutf8", "the body exceeds 64 KiB"),
    ] {
        let e = fails(&options(&format!("{SERVER}/s/{scenario}"))).await;
        assert_eq!(code(&e), "invalid_response", "{scenario}");
        assert_eq!(get(&e, "status").as_f64(), Some(200.0));
        let message = get(&e, "message").as_string().unwrap_or_default();
        assert!(message.ends_with(why), "{scenario}: {message}");
    }
}

#[wasm_bindgen_test]
async fn hung_server_times_out() {
    let o = options(&format!("{SERVER}/s/hang"));
    set(&o, "timeoutMs", 300);
    let e = fails(&o).await;
    assert_eq!(code(&e), "timeout");
    assert!(get(&e, "status").is_undefined());
}

#[wasm_bindgen_test]
async fn aborted_signal_sends_nothing() {
    let id = unique("abort");
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let o = options(&format!("{SERVER}/t/{id}"));
    set(&o, "signal", controller.signal());
    assert_eq!(code(&fails(&o).await), "aborted");
    assert_eq!(count(SERVER, &id).await, 0.0);
}

#[wasm_bindgen_test]
async fn abort_during_the_request() {
    let controller = web_sys::AbortController::new().unwrap();
    let o = options(&format!("{SERVER}/s/hang"));
    set(&o, "signal", controller.signal());
    let pending = request_token(o.into());
    let c = controller.clone();
    let abort = Closure::once_into_js(move || c.abort());
    set_timeout(abort.unchecked_ref(), 100.0);
    let e = JsFuture::from(pending).await.unwrap_err();
    assert_eq!(code(&e), "aborted");
}

#[wasm_bindgen_test]
async fn connection_refused_is_network() {
    let e = fails(&options(CLOSED)).await;
    assert_eq!(code(&e), "network");
    assert!(get(&e, "status").is_undefined());
}

#[wasm_bindgen_test]
async fn redirects_are_not_followed() {
    let before = count(SECOND, "").await;
    let e = fails(&options(&format!("{SERVER}/s/redirect"))).await;
    assert_eq!(code(&e), "unexpected_status");
    // Node exposes the 307; a browser only says "opaqueredirect" and hides the status.
    let status = get(&e, "status");
    assert!(
        status.is_undefined() || status.as_f64() == Some(307.0),
        "{status:?}"
    );
    assert_eq!(
        count(SECOND, "").await,
        before,
        "the redirect target received a request"
    );
}

#[wasm_bindgen_test]
async fn injected_fetch_gets_the_built_request() {
    let seen = js_sys::Array::new();
    let seen2 = seen.clone();
    let fake =
        Closure::<dyn FnMut(web_sys::Request) -> Promise>::new(move |r: web_sys::Request| {
            seen2.push(&r.url().into());
            seen2.push(&JsValue::from(r.method()));
            seen2.push(&(r.redirect() == web_sys::RequestRedirect::Manual).into());
            seen2.push(&r.headers().get("x-public-access").unwrap().into());
            global_fetch(&r, &JsValue::UNDEFINED)
        });
    let o = options(&format!("{SERVER}/t/{}", unique("inj")));
    set(&o, "fetch", fake.as_ref().clone());
    call(&o).await.unwrap();
    assert_eq!(seen.length(), 4);
    assert!(seen
        .get(0)
        .as_string()
        .unwrap()
        .ends_with(&format!("/clients/{ACCOUNT}/token")));
    assert_eq!(seen.get(1).as_string().as_deref(), Some("POST"));
    assert_eq!(seen.get(2).as_bool(), Some(true), "redirect: manual");
    assert_eq!(seen.get(3).as_string().as_deref(), Some("allow"));

    let throwing =
        Closure::<dyn FnMut() -> Result<JsValue, JsValue>>::new(|| Err(JsValue::from_str("boom")));
    set(&o, "fetch", throwing.as_ref().clone());
    let e = fails(&o).await;
    assert_eq!(code(&e), "network");
    assert!(get(&e, "message").as_string().unwrap().contains("boom"));

    // A fetch that echoes the body (the key) back in its error: redacted.
    let leaky = Closure::<dyn FnMut(web_sys::Request) -> Promise>::new(|r: web_sys::Request| {
        wasm_bindgen_futures::future_to_promise(async move {
            let body = JsFuture::from(r.text().unwrap()).await?;
            Err(js_sys::Error::new(&body.as_string().unwrap()).into())
        })
    });
    set(&o, "fetch", leaky.as_ref().clone());
    let e = fails(&o).await;
    assert!(get(&e, "message")
        .as_string()
        .unwrap()
        .contains("[redacted]"));

    // Look-alikes that are not responses: a number, null, an object without a status.
    for not_response in [JsValue::from(42), JsValue::NULL, Object::new().into()] {
        let answer = Closure::<dyn FnMut() -> JsValue>::new(move || not_response.clone());
        set(&o, "fetch", answer.as_ref().clone());
        assert_eq!(code(&fails(&o).await), "network");
    }
}

/// The URL the request would go to, read by an injected fetch that sends nothing.
async fn url_for(base: &str) -> Result<String, String> {
    let seen = js_sys::Array::new();
    let seen2 = seen.clone();
    let fake =
        Closure::<dyn FnMut(web_sys::Request) -> Promise>::new(move |r: web_sys::Request| {
            seen2.push(&r.url().into());
            Promise::reject(&"not sent".into())
        });
    let o = options(base);
    set(&o, "fetch", fake.as_ref().clone());
    let e = call(&o).await.unwrap_err();
    match seen.get(0).as_string() {
        Some(url) => Ok(url),
        None => {
            assert_eq!(code(&e), "invalid_options", "{base}");
            Err(get(&e, "message").as_string().unwrap())
        }
    }
}

#[wasm_bindgen_test]
async fn base_urls_are_parsed_by_the_runtime_and_checked() {
    let path = format!("/clients/{ACCOUNT}/token");
    for (base, want) in [
        ("https://example.com", "https://example.com"),
        ("HTTPS://Example.COM//", "https://example.com"),
        ("https://example.com/prefix/", "https://example.com/prefix"),
        ("https://example.com:443/", "https://example.com"),
        ("https://example.com:", "https://example.com"),
        ("https://example.com:8443", "https://example.com:8443"),
        ("http://LOCALHOST:8787", "http://localhost:8787"),
        ("http://127.0.0.1:9/", "http://127.0.0.1:9"),
        ("http://127.1/", "http://127.0.0.1"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("http://[0:0:0:0:0:0:0:1]/", "http://[::1]"),
    ] {
        assert_eq!(url_for(base).await, Ok(format!("{want}{path}")), "{base}");
    }
    for (base, why) in [
        ("http://example.com", "must use https"),
        ("http://128.0.0.1", "must use https"),
        ("http://127.0.0.1.evil.com", "must use https"),
        ("http://localhost.evil.com", "must use https"),
        ("http://[::2]", "must use https"),
        ("http://127.0.0.256", "must be an absolute https:// URL"),
        ("ftp://example.com", "must be an absolute https:// URL"),
        ("example.com", "must be an absolute https:// URL"),
        ("//example.com", "must be an absolute https:// URL"),
        ("https://", "must be an absolute https:// URL"),
        ("https://:443", "must be an absolute https:// URL"),
        ("https://[::1", "must be an absolute https:// URL"),
        (
            "https://example.com:99999",
            "must be an absolute https:// URL",
        ),
        (
            "https://user:pw@example.com",
            "must not contain credentials",
        ),
        ("https://user@example.com", "must not contain credentials"),
        (
            "https://example.com?x=1",
            "must not have a query or fragment",
        ),
        (
            "https://example.com/#frag",
            "must not have a query or fragment",
        ),
        ("https://exa mple.com", "must not contain spaces"),
        (" https://example.com", "must not contain spaces"),
        (
            "https://example.com\\x",
            "must not contain spaces, backslashes",
        ),
        (
            "https://\u{e9}.com",
            "must not contain spaces, backslashes or non-ASCII",
        ),
    ] {
        let m = url_for(base).await.unwrap_err();
        assert!(m.starts_with("baseUrl ") && m.contains(why), "{base}: {m}");
        // ("https://" is in the message itself.)
        assert!(
            base == "https://" || !m.contains(base),
            "the value is not echoed: {m}"
        );
    }
}

#[wasm_bindgen_test]
async fn invalid_options_send_nothing() {
    let id = unique("invalid");
    let base = format!("{SERVER}/t/{id}");
    let cases: Vec<(&str, JsValue, &str)> = vec![
        (
            "clientAccountId",
            JsValue::UNDEFINED,
            "clientAccountId is required",
        ),
        (
            "clientAccountId",
            "nope".into(),
            "clientAccountId must be a UUID",
        ),
        ("keyId", 42.into(), "keyId must be a UUID"),
        ("apiKey", JsValue::NULL, "apiKey is required"),
        (
            "apiKey",
            "not-a-uuid-secret".into(),
            "apiKey must be a UUID",
        ),
        (
            "baseUrl",
            "http://example.com".into(),
            "baseUrl must use https",
        ),
        ("baseUrl", 5.into(), "baseUrl must be a string"),
        ("timeoutMs", (-1).into(), "timeoutMs must be a number"),
        ("timeoutMs", f64::NAN.into(), "timeoutMs must be a number"),
        ("timeoutMs", "100".into(), "timeoutMs must be a number"),
        ("fetch", "fetch".into(), "fetch must be a function"),
        (
            "signal",
            Object::new().into(),
            "signal must be an AbortSignal",
        ),
    ];
    for (key, value, message) in cases {
        let o = options(&base);
        set(&o, key, value);
        let e = fails(&o).await;
        assert_eq!(code(&e), "invalid_options", "{key}");
        let m = get(&e, "message").as_string().unwrap();
        assert!(m.starts_with(message), "{key}: {m}");
        assert!(!m.contains("not-a-uuid-secret"));
    }
    for not_object in [JsValue::UNDEFINED, JsValue::NULL, "x".into(), 1.into()] {
        let e = JsFuture::from(request_token(not_object)).await.unwrap_err();
        assert_eq!(code(&e), "invalid_options");
    }
    assert_eq!(count(SERVER, &id).await, 0.0);
}

#[wasm_bindgen_test]
fn debug_output_never_shows_the_api_key() {
    let request = RequestOptions::new(ACCOUNT, KEY_ID, API_KEY).base_url(SERVER);
    let client = TokenClient::new(ClientOptions::new(request.clone())).unwrap();
    let js = truecaller_token::exports::JsOptions::read(&options(SERVER).into()).unwrap();
    let raw = truecaller_token::exports::RawOptions::read(&options(SERVER).into()).unwrap();
    let rendered = format!("{request:?} {client:?} {js:?} {raw:?}");
    assert!(!rendered.contains(API_KEY), "{rendered}");
    assert!(
        rendered.contains(ACCOUNT),
        "the ids are not secret: {rendered}"
    );
}

// ---- The Rust API -------------------------------------------------------------------

fn rust_options(base: &str) -> RequestOptions {
    RequestOptions::new(ACCOUNT, KEY_ID, API_KEY).base_url(base)
}

#[wasm_bindgen_test]
async fn rust_request_token_gives_a_token_and_typed_errors() {
    let id = unique("rust");
    let before = js_sys::Date::now();
    let t = truecaller_token::request_token(&rust_options(&format!("{SERVER}/t/{id}")))
        .await
        .unwrap();
    assert!(t.token.starts_with("tc_"));
    assert!(t.expires_at >= before + 3_600_000.0);
    assert_eq!(count(SERVER, &id).await, 1.0);

    let e = truecaller_token::request_token(&rust_options(&format!("{SERVER}/s/429")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::RateLimited);
    assert_eq!(e.status(), Some(429));
    assert_eq!(e.retry_after_ms(), Some(7000.0));
    let e = truecaller_token::request_token(&rust_options("http://example.com"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidOptions);
    assert_eq!(
        e.message(),
        "baseUrl must use https (plain http is allowed only for localhost, 127.0.0.0/8 and [::1])"
    );
}

#[wasm_bindgen_test]
async fn rust_token_client_caches_and_shares_one_request() {
    let id = unique("rustclient");
    let client = TokenClient::new(ClientOptions::new(rust_options(&format!(
        "{SERVER}/t/{id}"
    ))))
    .unwrap();
    let (a, b) = futures_join(client.token(), client.access_token()).await;
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b.token, "concurrent callers share one token");
    assert_eq!(client.token().await.unwrap(), a, "the cached token");
    assert_eq!(
        client.authorization_header().await.unwrap(),
        format!("Bearer {a}")
    );
    assert_eq!(count(SERVER, &id).await, 1.0);
    let q = client.quota();
    assert_eq!((q.limit, q.used, q.remaining), (10, 1, 9));
    client.invalidate();
    assert_ne!(client.token().await.unwrap(), a);
    assert_eq!(count(SERVER, &id).await, 2.0);

    let failing =
        TokenClient::new(ClientOptions::new(rust_options(&format!("{SERVER}/s/401")))).unwrap();
    let e = failing.token().await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unauthorized);
    assert!(!format!("{e:?} {e}").contains(API_KEY));
    let bad = TokenClient::new(ClientOptions::new(rust_options(SERVER)).max_retries(11));
    assert_eq!(bad.unwrap_err().code(), ErrorCode::InvalidOptions);
}

/// A store written in Rust: a shared map.
#[derive(Debug, Default)]
struct MapStore(std::cell::RefCell<std::collections::HashMap<String, String>>);

impl TokenStore for MapStore {
    fn get(&self, key: &str) -> StoreFuture<Option<String>> {
        let v = self.0.borrow().get(key).cloned();
        Box::pin(async move { Ok(v) })
    }
    fn set(&self, key: &str, value: &str, _ttl_ms: f64) -> StoreFuture<()> {
        self.0.borrow_mut().insert(key.into(), value.into());
        Box::pin(async { Ok(()) })
    }
}

#[derive(Debug)]
struct BrokenStore;

impl TokenStore for BrokenStore {
    fn get(&self, _key: &str) -> StoreFuture<Option<String>> {
        Box::pin(async { Err(StoreError("down".into())) })
    }
    fn set(&self, _key: &str, _value: &str, _ttl_ms: f64) -> StoreFuture<()> {
        Box::pin(async { Err(StoreError("down".into())) })
    }
}

#[wasm_bindgen_test]
async fn rust_stores_share_a_token_and_failing_ones_fall_back() {
    let id = unique("ruststore");
    let store = Rc::new(MapStore::default());
    let make = |store: Rc<dyn TokenStore>| {
        TokenClient::new(ClientOptions::new(rust_options(&format!("{SERVER}/t/{id}"))).store(store))
            .unwrap()
    };
    let a = make(store.clone()).token().await.unwrap();
    let b = make(store.clone()).token().await.unwrap();
    assert_eq!(a, b);
    assert_eq!(count(SERVER, &id).await, 1.0);
    let stored = store.0.borrow().values().next().cloned().unwrap();
    assert!(stored.contains(&a) && !stored.contains(API_KEY));
    let c = make(Rc::new(BrokenStore)).token().await.unwrap();
    assert!(c.starts_with("tc_"));
}

/// Both futures to completion (no executor crate needed).
async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let mut a = Box::pin(a);
    let mut b = Box::pin(b);
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let std::task::Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}
