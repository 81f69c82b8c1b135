//! `TokenClient`: the cached, self-refreshing, quota-aware token source. The decisions are
//! the core's (`cache`, `quota`, `retry`, `stored`); this file performs the I/O they ask for.

use super::clock::Clock;
use super::exchange::exchange;
use super::flight::Flight;
use super::options::{ClientOptions, Prepared};
use super::store::TokenStore;
use super::timer::{race, Either, Sleep};
use crate::core::access_token::AccessToken;
use crate::core::cache::{mint_deadline_ms, Action, CacheClock};
use crate::core::client_options::ClientConfig;
use crate::core::error::{Error, Result};
use crate::core::quota::{Quota, QuotaSnapshot};
use crate::core::retry::retry_delay;
use crate::core::stored::{entry_token, store_key, ttl_ms, STORE_READ_TIMEOUT_MS};
use crate::core::wire::StoredEntry;
use js_sys::{Date, Function, Math, JSON};
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// A cached, self-refreshing, quota-aware source of access tokens. Cloning it gives
/// another handle to the same cache.
///
/// Concurrent callers share one request; a fresh token is served from memory; inside the
/// refresh window the cached token is served while one background refresh runs; within
/// 30 s of expiry callers wait for a new one. Every request counts against a sliding
/// quota window (10 per 30 minutes by default, as upstream), and only `network`,
/// `timeout`, `server_error` and `rate_limited` failures are retried.
#[derive(Clone)]
pub struct TokenClient {
    inner: Rc<Inner>,
}

struct Inner {
    request: Prepared,
    config: ClientConfig,
    clock: Clock,
    store: Option<Rc<dyn TokenStore>>,
    store_key: String,
    wait_until: Option<Function>,
    /// How long callers keep waiting for one mint (real time).
    deadline_ms: f64,
    state: RefCell<State>,
}

struct State {
    cached: Option<AccessToken>,
    /// Changes whenever `cached` does.
    generation: u64,
    cache: CacheClock,
    quota: Quota,
    flight: Option<InFlight>,
    flights: u64,
    /// After `invalidate()`, a stored copy of this token is not adopted again.
    rejected: Option<String>,
}

struct InFlight {
    flight: Rc<Flight>,
    started: f64,
    id: u64,
}

impl fmt::Debug for TokenClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither the key (Prepared hides it) nor the token.
        f.debug_struct("TokenClient")
            .field("request", &self.inner.request)
            .field("config", &self.inner.config)
            .field("store", &self.inner.store.is_some())
            .finish_non_exhaustive()
    }
}

impl TokenClient {
    /// Validates every option; a bad one is `invalid_options`.
    pub fn new(options: ClientOptions) -> Result<Self> {
        let request = options.request.prepare()?;
        let config = options.config()?;
        let deadline_ms = mint_deadline_ms(
            request.config.timeout_ms,
            config.max_retries,
            options.store.is_some(),
        );
        Ok(TokenClient {
            inner: Rc::new(Inner {
                store_key: store_key(&request.config.client_account_id, &request.config.key_id),
                request,
                clock: Clock::new(options.now),
                store: options.store,
                wait_until: options.wait_until,
                deadline_ms,
                state: RefCell::new(State {
                    cached: None,
                    generation: 0,
                    cache: CacheClock::new(config.refresh_window_ms),
                    quota: Quota::new(config.quota_limit, config.quota_window_ms),
                    flight: None,
                    flights: 0,
                    rejected: None,
                }),
                config,
            }),
        })
    }

    /// The current token, minting one when needed.
    pub async fn token(&self) -> Result<String> {
        Ok(self.access_token().await?.token)
    }

    /// The current token with its `created_at` and `expires_at`.
    pub async fn access_token(&self) -> Result<AccessToken> {
        if self.serve().is_some() {
            if let Some(cached) = self.cached() {
                return Ok(cached);
            }
        }
        self.mint().wait().await
    }

    /// `Bearer <token>`, for an `Authorization` header.
    pub async fn authorization_header(&self) -> Result<String> {
        Ok(self.access_token().await?.authorization())
    }

    /// Forgets the cached token (and deletes its stored copy); the next call mints anew.
    pub fn invalidate(&self) {
        let cached = self
            .inner
            .state
            .borrow()
            .cached
            .as_ref()
            .map(|t| t.token.clone());
        match cached {
            Some(token) => self.invalidate_token(&token),
            None => self.inner.state.borrow_mut().cache.invalidate(),
        }
    }

    /// The local quota window now.
    pub fn quota(&self) -> QuotaSnapshot {
        let now = self.inner.clock.now();
        self.inner.state.borrow_mut().quota.snapshot(now)
    }

    /// Decides at once: the generation of a cached token that may be served now (starting a
    /// background refresh when it is time), or `None` when callers must wait for a mint.
    pub(crate) fn serve(&self) -> Option<u64> {
        let now = self.inner.clock.now();
        let (action, generation) = {
            let st = self.inner.state.borrow();
            st.cached.as_ref()?;
            (st.cache.decide(now, st.flight.is_some()), st.generation)
        };
        match action {
            Action::Serve => Some(generation),
            Action::ServeAndRefresh => {
                self.inner.mint(true);
                Some(generation)
            }
            Action::Wait => None,
        }
    }

    /// The cached token, if any (whether or not it may still be served).
    pub(crate) fn cached(&self) -> Option<AccessToken> {
        self.inner.state.borrow().cached.clone()
    }

    /// Joins the mint in flight, or starts one.
    pub(crate) fn mint(&self) -> Rc<Flight> {
        self.inner.mint(false)
    }

    /// The injected `fetch`, if any (`TokenClient.fetch` uses it for the API call too).
    #[cfg(feature = "js-api")]
    pub(crate) fn fetch_function(&self) -> Option<Function> {
        self.inner.request.fetch.clone()
    }

    /// Forgets `token` if it is still the cached one (a 401 from the API it was used for).
    pub(crate) fn invalidate_token(&self, token: &str) {
        {
            let mut st = self.inner.state.borrow_mut();
            if st.cached.as_ref().is_none_or(|t| t.token != token) {
                return;
            }
            st.cached = None;
            st.generation += 1;
            st.rejected = Some(token.to_owned());
            st.cache.invalidate();
        }
        if let Some(delete) = self
            .inner
            .store
            .as_ref()
            .and_then(|s| s.delete(&self.inner.store_key))
        {
            self.inner.spawn(true, async move {
                let _ = delete.await;
            });
        }
    }
}

impl Inner {
    fn mint(self: &Rc<Self>, background: bool) -> Rc<Flight> {
        let started = Date::now();
        let id = {
            let mut st = self.state.borrow_mut();
            if let Some(f) = st
                .flight
                .as_ref()
                .filter(|f| started - f.started < self.deadline_ms)
            {
                return f.flight.clone();
            }
            st.flights += 1;
            st.flights
        };
        let flight = Rc::new(Flight::default());
        self.state.borrow_mut().flight = Some(InFlight {
            flight: flight.clone(),
            started,
            id,
        });
        let (this, landing) = (self.clone(), flight.clone());
        self.spawn(background, async move {
            let result = this.run().await;
            {
                let mut st = this.state.borrow_mut();
                if st.flight.as_ref().is_some_and(|f| f.id == id) {
                    st.flight = None;
                }
            }
            if result.is_err() {
                let now = this.clock.now();
                this.state.borrow_mut().cache.failed(now, background);
            }
            landing.land(result);
        });
        flight
    }

    /// Runs `work` on its own; background work goes to `waitUntil` when there is one.
    fn spawn(&self, background: bool, work: impl Future<Output = ()> + 'static) {
        match self.wait_until.as_ref().filter(|_| background) {
            Some(wait_until) => {
                let promise = crate::shell::task::promise(async move {
                    work.await;
                    Ok(JsValue::UNDEFINED)
                });
                let _ = wait_until.call1(&JsValue::UNDEFINED, &promise);
            }
            None => crate::shell::task::spawn(work),
        }
    }

    /// A usable stored token newer than ours, else one from the endpoint (with retries,
    /// within the quota).
    async fn run(self: &Rc<Self>) -> Result<AccessToken> {
        if let Some(found) = self.read_store().await {
            let now = self.clock.now();
            let accepted = {
                let st = self.state.borrow();
                st.rejected.as_deref() != Some(found.token.as_str())
                    && st
                        .cache
                        .expires_at()
                        .is_none_or(|ours| found.expires_at > ours)
                    && st.cache.usable(now, found.expires_at)
            };
            if accepted {
                return Ok(self.adopt(found).0);
            }
        }
        let mut last = None;
        let mut retry = 0;
        loop {
            let now = self.clock.now();
            let slot = self.state.borrow_mut().quota.acquire(now);
            if let Err(wait) = slot {
                return Err(last.unwrap_or(Error::QuotaExhausted(wait)));
            }
            match exchange(&self.request, &|| self.clock.now()).await {
                Ok(access) => {
                    let (access, adopted) = self.adopt(access);
                    if adopted {
                        self.write_store(&access);
                    }
                    return Ok(access);
                }
                Err(e) => {
                    let Some(wait) =
                        retry_delay(&e, retry, self.config.max_retries, Math::random())
                    else {
                        return Err(e);
                    };
                    last = Some(e);
                    retry += 1;
                    Sleep::new(wait).await;
                }
            }
        }
    }

    /// Caches a token; a late mint that lost to a newer token is not adopted.
    fn adopt(&self, access: AccessToken) -> (AccessToken, bool) {
        let random = Math::random();
        let mut st = self.state.borrow_mut();
        if st
            .cache
            .expires_at()
            .is_some_and(|ours| ours > access.expires_at)
        {
            return (access, false);
        }
        st.cache.adopt(access.expires_at, random);
        st.cached = Some(access.clone());
        st.generation += 1;
        (access, true)
    }

    /// The stored entry, if the store answers in time with a well-formed one.
    async fn read_store(&self) -> Option<AccessToken> {
        let store = self.store.as_ref()?;
        let read = race(
            store.get(&self.store_key),
            Sleep::new(STORE_READ_TIMEOUT_MS),
        )
        .await;
        let Either::Left(Ok(Some(text))) = read else {
            return None;
        };
        let value = JSON::parse(&text).ok()?;
        entry_token(serde_wasm_bindgen::from_value::<StoredEntry>(value).ok()?)
    }

    fn write_store(&self, access: &AccessToken) {
        let Some(store) = self.store.clone() else {
            return;
        };
        let Some(json) = serde_wasm_bindgen::to_value(access)
            .ok()
            .and_then(|v| JSON::stringify(&v).ok())
            .and_then(|s| s.as_string())
        else {
            return;
        };
        let ttl = ttl_ms(access.expires_at, self.clock.now());
        let written = store.set(&self.store_key, &json, ttl);
        self.spawn(true, async move {
            let _ = written.await;
        });
    }
}
