//! The state and decisions behind the JS `TokenClient` of `js/api.js`: when to
//! serve, refresh or wait, the quota, retries and store entries. Every method is
//! synchronous; the awaiting happens in JS, so the `.wasm` carries no executor.

use super::http::{settle, ApiKey, Prepared};
use super::options::{function, number, request_options, Transport};
use super::sys;
use crate::core::cache::{mint_deadline_ms, Action, CacheClock};
use crate::core::client_options::{ClientOptions, RawClientOptions};
use crate::core::error::Error;
use crate::core::options::invalid;
use crate::core::quota::Quota;
use crate::core::retry::retry_delay;
use crate::core::stored::{is_valid_entry, store_key, STORE_READ_TIMEOUT_MS};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

/// One `TokenClient`'s validated options, cache clock, quota and last failure.
#[wasm_bindgen(js_name = __Engine, skip_typescript)]
pub struct Engine {
    request: Prepared,
    transport: Transport,
    options: ClientOptions,
    now: JsValue,
    store: JsValue,
    clock: CacheClock,
    quota: Quota,
    /// The last failed exchange, which `retry` decides about.
    failure: Option<Error>,
}

impl core::fmt::Debug for Engine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // `request` prints no key; `transport` and the JS values are left out.
        f.debug_struct("Engine")
            .field("request", &self.request)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

#[wasm_bindgen(js_class = __Engine)]
impl Engine {
    /// Validates every option; bad ones throw a `TruecallerError` with code `invalid_options`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Engine, JsValue> {
        let (request, transport) = request_options(&options)?;
        let options_ = ClientOptions::parse(RawClientOptions {
            refresh_window_ms: number(&options, "refreshWindowMs"),
            max_retries: number(&options, "maxRetries"),
            quota_limit: number(&options, "quotaLimit"),
            quota_window_ms: number(&options, "quotaWindowMs"),
        })?;
        let now = function(&options, "now")?.map_or(JsValue::UNDEFINED, Into::into);
        let store = super::options::get(&options, "store").unwrap_or(JsValue::UNDEFINED);
        if !store.is_undefined() && !store.is_null() && !sys::is_store(&store) {
            return Err(invalid(
                "store",
                " must have get(key) and set(key, value, ttlMs) methods",
            )
            .into());
        }
        Ok(Engine {
            clock: CacheClock::new(options_.refresh_window_ms),
            quota: Quota::new(options_.quota_limit, options_.quota_window_ms),
            request: Prepared::new(request),
            transport,
            options: options_,
            now,
            store,
            failure: None,
        })
    }

    /// `[url, body, timeoutMs, signal, fetch, now, store, storeKey, deadlineMs, storeReadTimeoutMs]`.
    pub fn parts(&self) -> Array {
        let o = &self.request.options;
        let has_store = !self.store.is_undefined() && !self.store.is_null();
        let parts = Array::new();
        for v in [
            self.request.url.clone(),
            self.request.body.clone(),
            o.timeout_ms.into(),
            self.transport
                .signal
                .clone()
                .map_or(JsValue::UNDEFINED, Into::into),
            self.transport
                .fetch
                .clone()
                .map_or(JsValue::UNDEFINED, Into::into),
            self.now.clone(),
            if has_store {
                self.store.clone()
            } else {
                JsValue::UNDEFINED
            },
            store_key(&o.client_account_id, &o.key_id).into(),
            mint_deadline_ms(o.timeout_ms, self.options.max_retries, has_store).into(),
            STORE_READ_TIMEOUT_MS.into(),
        ] {
            parts.push(&v);
        }
        parts
    }

    /// 0: wait for a mint; 1: serve the cached token; 2: serve it and refresh in the background.
    pub fn decide(&self, now: f64, in_flight: bool) -> u8 {
        match self.clock.decide(now, in_flight) {
            Action::Wait => 0,
            Action::Serve => 1,
            Action::ServeAndRefresh => 2,
        }
    }

    /// Takes a quota slot for a request about to be sent, or throws `quota_exhausted`.
    pub fn acquire(&mut self, now: f64) -> Result<(), JsValue> {
        self.quota
            .acquire(now)
            .map_err(|wait| Error::QuotaExhausted(wait).into())
    }

    /// The `AccessToken` of one exchange's outcome, or the `TruecallerError` to throw.
    pub fn finish(
        &mut self,
        outcome: JsValue,
        failed: bool,
        received_at: f64,
    ) -> Result<JsValue, JsValue> {
        let key = ApiKey::Rust(self.request.options.api_key.expose());
        match settle(
            outcome,
            failed,
            key,
            self.request.options.timeout_ms,
            received_at,
        ) {
            Ok(access) => {
                self.failure = None;
                Ok(access)
            }
            Err(e) => {
                let js = super::error::to_js(&e);
                self.failure = Some(e);
                Err(js)
            }
        }
    }

    /// The wait in ms before retry number `retry` (0-based) after the last failure, or -1.
    pub fn retry(&self, retry: u32, random: f64) -> f64 {
        self.failure
            .as_ref()
            .and_then(|e| retry_delay(e, retry, self.options.max_retries, random))
            .unwrap_or(-1.0)
    }

    /// Caches a token's expiry; false when a newer token is already cached (a late mint).
    pub fn adopt(&mut self, expires_at: f64, random: f64) -> bool {
        if self
            .clock
            .expires_at()
            .is_some_and(|ours| ours > expires_at)
        {
            return false;
        }
        self.clock.adopt(expires_at, random);
        true
    }

    /// Whether a stored token that expires at `expires_at` is newer than ours and still usable.
    pub fn accepts(&self, now: f64, expires_at: f64) -> bool {
        self.clock.expires_at().is_none_or(|ours| expires_at > ours)
            && self.clock.usable(now, expires_at)
    }

    /// Records a failed mint (a failed background refresh holds the next one off for 30 s).
    pub fn failed(&mut self, now: f64, background: bool) {
        self.clock.failed(now, background);
    }

    /// Forgets the cached token's expiry.
    pub fn invalidate(&mut self) {
        self.clock.invalidate();
    }

    /// `{ limit, windowMs, used, remaining, resetAt }`.
    pub fn quota(&mut self, now: f64) -> Object {
        let q = self.quota.snapshot(now);
        sys::quota(
            q.limit,
            q.window_ms,
            q.used,
            q.remaining,
            q.reset_at.map_or(JsValue::NULL, JsValue::from),
        )
    }
}

/// A store entry (`JSON.parse` of what the store returned) as a new `AccessToken`, or
/// `undefined` when it is not a well-formed entry.
#[wasm_bindgen(js_name = __stored, skip_typescript)]
pub fn stored(entry: JsValue) -> JsValue {
    let field = |k: &str| Reflect::get(&entry, &k.into()).unwrap_or(JsValue::UNDEFINED);
    let (token, created_at, expires) = (
        field("token"),
        field("createdAt"),
        field("expiresAt").as_f64(),
    );
    if !is_valid_entry(
        token.as_string().as_deref(),
        created_at.as_string().as_deref(),
        expires,
    ) {
        return JsValue::UNDEFINED;
    }
    sys::access_token(&token, &created_at, expires.unwrap_or_default()).into()
}
