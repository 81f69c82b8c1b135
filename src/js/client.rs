//! `TokenClient`: the cached, single-flight, quota-aware token source. Decisions
//! come from the core (`cache`, `quota`, `retry`); this file wires them to
//! promises, timers and the optional shared store.

use super::error::to_js;
use super::http::{send, Prepared};
use super::options::{function, number, request_options, Transport};
use super::request_token::expires_at;
use super::store::Store;
use super::sys;
use crate::core::cache::{mint_deadline_ms, Action, CacheClock};
use crate::core::client_options::{ClientOptions, RawClientOptions};
use crate::core::error::{Error, Result};
use crate::core::quota::Quota;
use crate::core::retry::retry_delay;
use alloc::rc::Rc;
use core::cell::RefCell;
use core::fmt;
use js_sys::{Function, JsString, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

/// A cached, self-refreshing, quota-aware source of access tokens.
#[wasm_bindgen]
pub struct TokenClient {
    inner: Rc<Inner>,
}

struct Inner {
    request: Prepared,
    transport: Transport,
    options: ClientOptions,
    now: Option<Function>,
    store: Option<Store>,
    state: RefCell<State>,
}

/// The current token as JS values, with ready promises so the cached path allocates nothing in Rust.
struct Cached {
    token: JsValue,
    token_promise: Promise,
    access_promise: Promise,
    header_promise: Promise,
}

struct State {
    clock: CacheClock,
    cached: Option<Cached>,
    /// The mint in flight, shared by every waiting caller.
    in_flight: Option<Flight>,
    /// Numbers the mints, so a late one does not clear a newer one's slot.
    flights: u32,
    quota: Quota,
    /// After `invalidate()`, a stored copy of this token is not adopted again.
    rejected: Option<JsValue>,
}

/// A mint: its promise never rejects (it resolves with an `AccessToken` or a
/// `TruecallerError`); `started` is real time (`Date.now()`).
struct Flight {
    promise: Promise,
    started: f64,
    id: u32,
}

#[derive(Clone, Copy)]
enum Want {
    Token,
    Access,
    Header,
}

impl fmt::Debug for TokenClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenClient")
            .field(
                "client_account_id",
                &self.inner.request.options.client_account_id,
            )
            .field("key_id", &self.inner.request.options.key_id)
            .field("base_url", &self.inner.request.options.base_url)
            .finish_non_exhaustive()
    }
}

#[wasm_bindgen]
impl TokenClient {
    /// Validates the options; bad ones throw a `TruecallerError` with code `invalid_options`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "TokenClientOptions")] options: JsValue,
    ) -> Result<TokenClient, JsValue> {
        Ok(TokenClient {
            inner: Rc::new(Inner::new(&options)?),
        })
    }

    /// The current token, minting one when needed.
    #[wasm_bindgen(js_name = getToken, unchecked_return_type = "Promise<string>")]
    pub fn get_token(&self) -> Promise {
        get(&self.inner, Want::Token)
    }

    /// The current token with its `createdAt` and `expiresAt`.
    #[wasm_bindgen(js_name = getAccessToken, unchecked_return_type = "Promise<AccessToken>")]
    pub fn get_access_token(&self) -> Promise {
        get(&self.inner, Want::Access)
    }

    /// `"Bearer <token>"`.
    #[wasm_bindgen(js_name = authorizationHeader, unchecked_return_type = "Promise<string>")]
    pub fn authorization_header(&self) -> Promise {
        get(&self.inner, Want::Header)
    }

    /// `fetch` with `Authorization: Bearer <token>`; a 401 re-mints and retries once when the body can be replayed.
    #[wasm_bindgen(unchecked_return_type = "Promise<Response>")]
    pub fn fetch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestInfo | URL")] input: JsValue,
        init: Option<sys::RequestInitLike>,
    ) -> Promise {
        let inner = self.inner.clone();
        let init: JsValue = init.map_or(JsValue::UNDEFINED, Into::into);
        future_to_promise(async move {
            let replay = sys::can_replay(&input, &init);
            let (token, response) = authorized_fetch(&inner, &input, &init).await?;
            let status = Reflect::get(&response, &"status".into())
                .ok()
                .and_then(|s| s.as_f64());
            if status != Some(401.0) || !replay {
                return Ok(response);
            }
            inner.invalidate_if_current(&token);
            Ok(authorized_fetch(&inner, &input, &init).await?.1)
        })
    }

    /// Forgets the cached token (and its stored copy); the next call mints a new one.
    pub fn invalidate(&self) {
        let token = self
            .inner
            .state
            .borrow()
            .cached
            .as_ref()
            .map(|c| c.token.clone());
        match token {
            Some(token) => self.inner.invalidate_if_current(&token),
            None => self.inner.state.borrow_mut().clock.invalidate(),
        }
    }

    /// The local quota window: `limit`, `windowMs`, `used`, `remaining`, `resetAt`.
    #[wasm_bindgen(unchecked_return_type = "Quota")]
    pub fn quota(&self) -> Object {
        let now = self.inner.now();
        let q = self.inner.state.borrow_mut().quota.snapshot(now);
        let obj = Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = Reflect::set(&obj, &k.into(), &v);
        };
        set("limit", q.limit.into());
        set("windowMs", q.window_ms.into());
        set("used", q.used.into());
        set("remaining", q.remaining.into());
        set("resetAt", q.reset_at.map_or(JsValue::NULL, JsValue::from));
        obj
    }
}

fn get(inner: &Rc<Inner>, want: Want) -> Promise {
    let now = inner.now();
    let refresh = {
        let state = inner.state.borrow();
        match (
            &state.cached,
            state.clock.decide(now, state.in_flight.is_some()),
        ) {
            (Some(cached), Action::Serve) => return cached.pick(want).clone(),
            (Some(cached), Action::ServeAndRefresh) => Some(cached.pick(want).clone()),
            _ => None,
        }
    };
    if let Some(ready) = refresh {
        // The mint promise never rejects, so leaving it unobserved is safe.
        let _ = start_mint(inner, true);
        return ready;
    }
    let flight = start_mint(inner, false);
    future_to_promise(async move {
        let outcome = JsFuture::from(flight).await?;
        if outcome.is_instance_of::<js_sys::Error>() {
            return Err(outcome);
        }
        let token = Reflect::get(&outcome, &"token".into())?;
        Ok(match want {
            Want::Token => token,
            Want::Access => outcome,
            Want::Header => bearer(&token).into(),
        })
    })
}

fn bearer(token: &JsValue) -> JsString {
    JsString::from("Bearer ").concat(token)
}

/// Joins the mint in flight, or starts one; a mint past its deadline is given up on.
fn start_mint(inner: &Rc<Inner>, background: bool) -> Promise {
    // Real time, not the injected clock: the deadline is about timers that really run.
    let now = js_sys::Date::now();
    let deadline = mint_deadline_ms(
        inner.request.options.timeout_ms,
        inner.options.max_retries,
        inner.store.is_some(),
    );
    let id = {
        let mut state = inner.state.borrow_mut();
        if let Some(flight) = state
            .in_flight
            .as_ref()
            .filter(|f| now - f.started < deadline)
        {
            return flight.promise.clone();
        }
        state.flights = state.flights.wrapping_add(1);
        state.flights
    };
    let task = inner.clone();
    let promise = future_to_promise(async move {
        let outcome = task.mint().await;
        // The clock may be user code: read it before borrowing the state.
        let now = task.now();
        let mut state = task.state.borrow_mut();
        if state.in_flight.as_ref().is_some_and(|f| f.id == id) {
            state.in_flight = None;
        }
        match outcome {
            Ok(access) => Ok(access.into()),
            Err(e) => {
                state.clock.failed(now, background);
                Ok(to_js(&e))
            }
        }
    });
    inner.state.borrow_mut().in_flight = Some(Flight {
        promise: promise.clone(),
        started: now,
        id,
    });
    promise
}

async fn authorized_fetch(
    inner: &Rc<Inner>,
    input: &JsValue,
    init: &JsValue,
) -> Result<(JsValue, JsValue), JsValue> {
    let access = JsFuture::from(get(inner, Want::Access)).await?;
    let token = Reflect::get(&access, &"token".into())?;
    let args = sys::with_authorization(input, init, &bearer(&token))?;
    let promise = match &inner.transport.fetch {
        Some(f) => Promise::resolve(&f.call2(&JsValue::UNDEFINED, &args.get(0), &args.get(1))?),
        None => sys::global_fetch_any(&args.get(0), &args.get(1))?,
    };
    Ok((token, JsFuture::from(promise).await?))
}

impl Cached {
    fn pick(&self, want: Want) -> &Promise {
        match want {
            Want::Token => &self.token_promise,
            Want::Access => &self.access_promise,
            Want::Header => &self.header_promise,
        }
    }
}

impl Inner {
    fn new(options: &JsValue) -> Result<Inner> {
        let (request, transport) = request_options(options)?;
        let client = ClientOptions::parse(RawClientOptions {
            refresh_window_ms: number(options, "refreshWindowMs"),
            max_retries: number(options, "maxRetries"),
            quota_limit: number(options, "quotaLimit"),
            quota_window_ms: number(options, "quotaWindowMs"),
        })?;
        let now = function(options, "now")?;
        let store = Store::from_options(options, &request)?;
        Ok(Inner {
            state: RefCell::new(State {
                clock: CacheClock::new(client.refresh_window_ms),
                cached: None,
                in_flight: None,
                flights: 0,
                quota: Quota::new(client.quota_limit, client.quota_window_ms),
                rejected: None,
            }),
            request: Prepared::new(request),
            transport,
            options: client,
            now,
            store,
        })
    }

    /// The injected clock, or `Date.now()`; a clock that throws or returns a non-number falls back too.
    fn now(&self) -> f64 {
        self.now
            .as_ref()
            .and_then(|f| f.call0(&JsValue::UNDEFINED).ok())
            .and_then(|v| v.as_f64())
            .filter(|t| t.is_finite())
            .unwrap_or_else(js_sys::Date::now)
    }

    /// Caches a token and returns its frozen `AccessToken` object.
    /// The flag is false when a newer token was already cached (a late mint): the caller then leaves the store alone.
    fn adopt(&self, token: JsValue, created_at: &JsValue, expires_at: f64) -> (Object, bool) {
        let access = sys::access_token(&token, created_at, expires_at);
        Object::freeze(&access);
        let mut state = self.state.borrow_mut();
        // A mint that was given up on may land after a newer one: keep the newer token.
        if state
            .clock
            .expires_at()
            .is_some_and(|ours| ours > expires_at)
        {
            return (access, false);
        }
        state.clock.adopt(expires_at, js_sys::Math::random());
        state.cached = Some(Cached {
            token_promise: Promise::resolve(&token),
            access_promise: Promise::resolve(&JsValue::from(access.clone())),
            header_promise: Promise::resolve(&JsValue::from(bearer(&token))),
            token,
        });
        (access, true)
    }

    fn invalidate_if_current(&self, token: &JsValue) {
        {
            let mut state = self.state.borrow_mut();
            if !state.cached.as_ref().is_some_and(|c| &c.token == token) {
                return;
            }
            state.cached = None;
            state.rejected = Some(token.clone());
            state.clock.invalidate();
        }
        // The store is user code, which may call back into this client: no borrow held.
        if let Some(store) = &self.store {
            store.delete();
        }
    }

    /// A stored token newer than ours, else one from the endpoint (with retries, within the quota).
    async fn mint(&self) -> Result<Object> {
        if let Some(store) = &self.store {
            if let Some(found) = store.read().await {
                let now = self.now();
                let state = self.state.borrow();
                let newer = state
                    .clock
                    .expires_at()
                    .is_none_or(|ours| found.expires_at > ours);
                let rejected = state.rejected.as_ref() == Some(&found.token);
                if newer && !rejected && state.clock.usable(now, found.expires_at) {
                    drop(state);
                    return Ok(self
                        .adopt(found.token, &found.created_at, found.expires_at)
                        .0);
                }
            }
        }
        let mut retry = 0;
        let mut last: Option<Error> = None;
        loop {
            let now = self.now();
            if let Err(wait) = self.state.borrow_mut().quota.acquire(now) {
                return Err(last.unwrap_or(Error::QuotaExhausted(wait)));
            }
            match send(&self.request, &self.transport, &|| self.now()).await {
                Ok(got) => {
                    let expires = expires_at(got.received_at);
                    let (access, adopted) = self.adopt(got.token, &got.created_at, expires);
                    if let Some(store) = self.store.as_ref().filter(|_| adopted) {
                        store.write(&access, expires - self.now());
                    }
                    return Ok(access);
                }
                Err(e) => {
                    match retry_delay(&e, retry, self.options.max_retries, js_sys::Math::random()) {
                        Some(delay) => {
                            sleep(delay).await;
                            retry += 1;
                            last = Some(e);
                        }
                        None => return Err(e),
                    }
                }
            }
        }
    }
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: f64) {
    let promise = Promise::new(&mut |resolve, _reject| {
        sys::set_timeout(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}
