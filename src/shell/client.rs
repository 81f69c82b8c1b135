//! `TokenClient`: the cached, self-refreshing, quota-aware token source. The decisions are
//! the core's (`cache`, `quota`, `retry`, `stored`); this file performs the I/O they ask for.

use super::clock::Clock;
use super::exchange::exchange;
use super::fleet::{Failed, Fleet};
use super::flight::Flight;
use super::js_error::describe;
use super::options::{ClientOptions, Prepared};
use super::timer::{aborted, race, timeout, unless_aborted, Either, Sleep};
use crate::core::access_token::AccessToken;
use crate::core::cache::{mint_deadline_ms, Action, CacheClock};
use crate::core::client_options::ClientConfig;
use crate::core::error::{Error, Result};
use crate::core::lease::{
    after_claim, after_empty_poll, lease_ttl_ms, poll_delay_ms, Step, StoreHealth, POLL_MIN_MS,
    POLL_SPREAD_MS,
};
use crate::core::quota::{wait_from, Quota, QuotaSnapshot};
use crate::core::retry::retry_delay;
#[cfg(feature = "js-api")]
use crate::core::unauthorized::{after_401, After401};
use js_sys::{Date, Function, Math};
use std::cell::{Cell, RefCell};
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
    fleet: Option<Rc<Fleet>>,
    wait_until: Option<Function>,
    /// How long callers keep waiting for one mint (real time).
    deadline_ms: f64,
    /// How long a lease this client holds lasts: its own mint deadline.
    lease_ttl_ms: f64,
    /// The cached token's generation and `CacheClock::fresh_until`, kept beside `state` for
    /// the hot path (one comparison, no borrow).
    fresh: Cell<(u64, f64)>,
    state: RefCell<State>,
}

struct State {
    cached: Option<AccessToken>,
    /// Changes whenever `cached` does.
    generation: u64,
    cache: CacheClock,
    quota: Quota,
    /// The mint in flight.
    flight: Option<Rc<Flight>>,
    /// After `invalidate()`, a stored copy of this token is not adopted again.
    rejected: Option<String>,
    /// After `invalidate()`: the next mint skips the store's copy.
    skip_store: bool,
    /// The token a 401 asked to replace, while its renewal is under way: the next token
    /// adopted replaces it whatever their expiry instants (clocks differ across a fleet), and
    /// is `minted_after_401`.
    renewing: Option<String>,
    /// The token adopted after the last 401; a 401 on it does not renew it again.
    minted_after_401: Option<String>,
}

impl State {
    /// Whether the cached token is the one a 401 asked to replace.
    fn renewing_ours(&self) -> bool {
        self.renewing.is_some()
            && self.renewing.as_deref() == self.cached.as_ref().map(|t| t.token.as_str())
    }
}

impl fmt::Debug for TokenClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither the key (Prepared hides it) nor the token.
        f.debug_struct("TokenClient")
            .field("request", &self.inner.request)
            .field("config", &self.inner.config)
            .field("fleet", &self.inner.fleet)
            .finish_non_exhaustive()
    }
}

impl TokenClient {
    /// Validates every option; a bad one is `invalid_options`.
    pub fn new(options: ClientOptions) -> Result<Self> {
        let request = options.request.prepare()?;
        let config = options.config()?;
        let fleet = options.store.map(|store| {
            let c = &request.config;
            Rc::new(Fleet::new(store, &c.client_account_id, &c.key_id))
        });
        let mint_ms = mint_deadline_ms(
            request.config.timeout_ms,
            config.max_retries,
            fleet.is_some(),
        );
        let lease_ttl_ms = lease_ttl_ms(mint_ms);
        // With a lease, a client may wait out another's before it mints itself.
        let deadline_ms = match fleet {
            Some(_) => mint_ms + lease_ttl_ms + POLL_MIN_MS + POLL_SPREAD_MS,
            None => mint_ms,
        };
        Ok(TokenClient {
            inner: Rc::new(Inner {
                request,
                clock: Clock::new(options.now),
                fleet,
                wait_until: options.wait_until,
                deadline_ms,
                lease_ttl_ms,
                fresh: Cell::new((0, f64::NEG_INFINITY)),
                state: RefCell::new(State {
                    cached: None,
                    generation: 0,
                    cache: CacheClock::new(config.refresh_window_ms),
                    quota: Quota::new(config.quota_limit, config.quota_window_ms),
                    flight: None,
                    rejected: None,
                    renewing: None,
                    minted_after_401: None,
                    skip_store: false,
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
        self.wait_for(self.mint()).await
    }

    /// `Bearer <token>`, for an `Authorization` header.
    pub async fn authorization_header(&self) -> Result<String> {
        Ok(self.access_token().await?.authorization())
    }

    /// Forgets the cached token and deletes its stored copy; the next call mints a new one
    /// (it does not take a token from the store).
    pub fn invalidate(&self) {
        let (token, first) = {
            let mut st = self.inner.state.borrow_mut();
            let token = self.inner.forget(&mut st);
            // Once: a store whose delete calls invalidate() again must not recurse.
            (token, !std::mem::replace(&mut st.skip_store, true))
        };
        if token.is_some() || first {
            self.inner.delete_stored(token);
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
        let (generation, fresh_until) = self.inner.fresh.get();
        if now < fresh_until {
            return Some(generation);
        }
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

    /// Waits for `flight`, at most until its deadline; a flight that never lands (a runtime
    /// dropped its task: a Workers request that ended without `waitUntil`) is given up on,
    /// and a new one started, once.
    pub(crate) async fn wait_for(&self, flight: Rc<Flight>) -> Result<AccessToken> {
        let mut flight = flight;
        for _ in 0..2 {
            let left = self.inner.deadline_ms - (Date::now() - flight.started);
            match race(flight.clone().wait(), timeout(left.max(1.0))).await {
                Either::Left(result) => return result,
                Either::Right(()) => flight = self.inner.mint(false),
            }
        }
        Err(Error::Timeout(self.inner.deadline_ms))
    }

    /// The injected `fetch`, if any (`TokenClient.fetch` uses it for the API call too).
    #[cfg(feature = "js-api")]
    pub(crate) fn fetch_function(&self) -> Option<Function> {
        self.inner.request.fetch.clone()
    }

    /// A 401 from the API `token` was used for: whether, and with which token, to send again.
    /// A token is renewed at most once for 401s, only while a request slot is free, and it is
    /// kept (cached and stored) until the new one is in hand: a mint that fails leaves it.
    #[cfg(feature = "js-api")]
    pub(crate) fn after_401(&self, token: &str) -> Resend {
        let now = self.inner.clock.now();
        {
            let mut st = self.inner.state.borrow_mut();
            let free = st.quota.snapshot(now).remaining;
            let cached = st.cached.as_ref().map(|t| t.token.as_str());
            let pending = st.flight.is_some();
            match after_401(token, cached, st.minted_after_401.as_deref(), free, pending) {
                After401::Keep => return Resend::No,
                After401::Resend => return Resend::WithCurrent,
                After401::Join => {}
                After401::Renew => st.renewing = Some(token.to_owned()),
            }
        }
        Resend::After(self.inner.mint(false))
    }
}

/// What `TokenClient.fetch` does after a 401.
#[cfg(feature = "js-api")]
#[derive(Debug)]
pub(crate) enum Resend {
    /// Hand the 401 back.
    No,
    /// Send again with the cached token (another caller replaced the one used).
    WithCurrent,
    /// Send again with the token this mint brings, if it brings one.
    After(Rc<Flight>),
}

impl Inner {
    /// Forgets the cached token (if any: its string comes back) and refuses its stored copy.
    fn forget(&self, st: &mut State) -> Option<String> {
        let token = st.cached.take().map(|t| t.token);
        if let Some(token) = &token {
            st.generation += 1;
            st.rejected = Some(token.clone());
        }
        st.cache.invalidate();
        self.fresh.set((st.generation, f64::NEG_INFINITY));
        token
    }

    /// Deletes the stored token: only if it is still `token` (another client may have
    /// stored a newer one since), or whatever it is.
    fn delete_stored(&self, token: Option<String>) {
        if let Some(fleet) = self.fleet.clone() {
            self.spawn(true, async move { fleet.delete_if(token.as_deref()).await });
        }
    }

    fn mint(self: &Rc<Self>, background: bool) -> Rc<Flight> {
        let started = Date::now();
        let flight = {
            let mut st = self.state.borrow_mut();
            if let Some(f) = st
                .flight
                .as_ref()
                .filter(|f| started - f.started < self.deadline_ms)
            {
                return f.clone();
            }
            st.flight.insert(Rc::new(Flight::new(started))).clone()
        };
        let (this, landing) = (self.clone(), flight.clone());
        self.spawn(background, async move {
            let result = this.run().await;
            let now = this.clock.now();
            {
                let mut st = this.state.borrow_mut();
                if st.flight.as_ref().is_some_and(|f| Rc::ptr_eq(f, &landing)) {
                    st.flight = None;
                }
                st.renewing = None;
                if result.is_err() {
                    st.cache.failed(now, background);
                }
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

    /// A usable stored token newer than ours; else, in a fleet with a lease, the token its
    /// holder mints (or this client mints, holding the lease); else one from the endpoint.
    async fn run(self: &Rc<Self>) -> Result<AccessToken> {
        let skip_store = std::mem::take(&mut self.state.borrow_mut().skip_store);
        let mut holding = None;
        if let Some(fleet) = self.fleet.as_ref().filter(|_| !skip_store) {
            match self.take_from_fleet(fleet).await {
                FromFleet::Done(result) => return result,
                FromFleet::Mint(lease) => holding = lease,
            }
        }
        let minted = self.mint_from_endpoint().await;
        if let Some(fleet) = &self.fleet {
            // The token is written first, then the lease released: a client that claims the
            // lapsed lease finds the token instead of minting again.
            let write = match &minted {
                Ok((access, true)) => {
                    let after_401 = self.state.borrow().minted_after_401.as_deref()
                        == Some(access.token.as_str());
                    fleet.write(access, after_401, self.clock.now())
                }
                _ => None,
            };
            if write.is_some() || holding.is_some() {
                let release = holding.map(|owner| fleet.release(owner));
                self.spawn(true, async move {
                    if let Some(write) = write {
                        let _ = write.await;
                    }
                    if let Some(release) = release {
                        release.await;
                    }
                });
            }
        }
        minted.map(|(access, _)| access)
    }

    /// A token from the fleet's store (adopted), now or once the lease's holder wrote it; the
    /// caller's abort while waiting for it; else the go-ahead to mint, with the lease this
    /// client holds, if it does.
    async fn take_from_fleet(&self, fleet: &Rc<Fleet>) -> FromFleet {
        let mut health = StoreHealth::default();
        if let Some(found) = self.adoptable(fleet.read().await, &mut health) {
            return FromFleet::Done(Ok(found));
        }
        // An aborted client takes no lease: it would not mint, and its release may never run.
        if let Some(e) = self.abort_error() {
            return FromFleet::Done(Err(e));
        }
        let owner = random_id();
        let started = Date::now();
        let mut step = Step::Mint { holding: false };
        if health.usable() {
            step = self.claim(fleet, &owner, &mut health).await;
        }
        while step == Step::Poll {
            if let Err(e) = self.pause(poll_delay_ms(Math::random())).await {
                return FromFleet::Done(Err(e));
            }
            if let Some(found) = self.adoptable(fleet.read().await, &mut health) {
                return FromFleet::Done(Ok(found));
            }
            step = match after_empty_poll(
                Date::now() - started,
                self.lease_ttl_ms,
                !health.usable(),
            ) {
                Step::Poll => self.claim(fleet, &owner, &mut health).await,
                mint => mint,
            };
        }
        if step != (Step::Mint { holding: true }) {
            return FromFleet::Mint(None);
        }
        // The last holder may have written its token and released the lease between our look
        // at the store and our claim: look once more before minting.
        if let Some(found) = self.adoptable(fleet.read().await, &mut health) {
            self.spawn(true, fleet.release(owner));
            return FromFleet::Done(Ok(found));
        }
        FromFleet::Mint(Some(owner))
    }

    /// The `aborted` error, when the caller's signal has aborted.
    fn abort_error(&self) -> Option<Error> {
        let reason = self.request.signal.as_ref().and_then(aborted)?;
        Some(self.aborted_by(&reason))
    }

    fn aborted_by(&self, reason: &JsValue) -> Error {
        Error::Aborted(describe(reason, self.request.config.api_key.expose()))
    }

    /// Waits `ms` (a backoff, a poll), unless the caller's signal aborts first.
    async fn pause(&self, ms: f64) -> Result<()> {
        unless_aborted(self.request.signal.as_ref(), Sleep::new(ms))
            .await
            .map_err(|reason| self.aborted_by(&reason))
    }

    /// Adopts a token read from the store when it may replace ours (with its mark, when it
    /// was minted after a 401).
    fn adoptable(
        &self,
        read: std::result::Result<Option<(AccessToken, bool)>, Failed>,
        health: &mut StoreHealth,
    ) -> Option<AccessToken> {
        health.record(&read);
        let (found, after_401) = read
            .ok()
            .flatten()
            .filter(|(found, _)| self.accepts(found))?;
        Some(self.adopt(found, after_401).0)
    }

    /// Claims the lease. A store without leases answers like a failed one (this client
    /// mints); a claim that failed is released later in the background, since a store may
    /// still carry it out after we stopped waiting.
    async fn claim(&self, fleet: &Rc<Fleet>, owner: &str, health: &mut StoreHealth) -> Step {
        let Some(claim) = fleet.claim(owner, self.lease_ttl_ms).await else {
            return Step::Mint { holding: false };
        };
        health.record(&claim);
        if claim.is_err() {
            self.spawn(true, fleet.release(owner.to_owned()));
        }
        after_claim(claim.map_err(drop))
    }

    /// Whether a stored token may replace ours: not the one invalidated, newer, usable now.
    fn accepts(&self, found: &AccessToken) -> bool {
        let now = self.clock.now();
        let st = self.state.borrow();
        st.rejected.as_deref() != Some(found.token.as_str())
            && st
                .cached
                .as_ref()
                .is_none_or(|ours| ours.token != found.token)
            && (st.renewing_ours()
                || st
                    .cache
                    .expires_at()
                    .is_none_or(|ours| found.expires_at > ours))
            && st.cache.usable(now, found.expires_at)
    }

    /// A token from the endpoint, with retries, within the local and the fleet's quota windows
    /// (every request asks the fleet's, even after another store call failed, SPEC 4.10; a
    /// reservation that fails itself leaves the store out for the rest of the mint); and
    /// whether it was adopted.
    async fn mint_from_endpoint(&self) -> Result<(AccessToken, bool)> {
        let mut shared = true;
        let mut last = None;
        let mut retry = 0;
        loop {
            // Nothing is counted for a request an aborted signal will not let out.
            if let Some(e) = self.abort_error() {
                return Err(e);
            }
            let now = self.clock.now();
            let slot = self.state.borrow_mut().quota.acquire(now);
            if let Err(wait) = slot {
                return Err(last.unwrap_or(Error::QuotaExhausted(wait)));
            }
            let mut stamp = now;
            if let Some(fleet) = self.fleet.as_ref().filter(|_| shared) {
                let (limit, window) = (self.config.quota_limit, self.config.quota_window_ms);
                match fleet.reserve(limit, window, now).await {
                    Ok(Some(wait)) => {
                        self.state.borrow_mut().quota.refund(now);
                        let wait = wait_from(wait, now, self.clock.now());
                        return Err(last.unwrap_or(Error::QuotaExhausted(wait)));
                    }
                    Ok(None) => {}
                    Err(_) => shared = false,
                }
                // The request goes out now, not when the slot was taken.
                stamp = self.clock.now();
                self.state.borrow_mut().quota.restamp(now, stamp);
            }
            // The signal may have aborted while the fleet was asked: then nothing goes out
            // (the fleet's slot stays taken; a store cannot give one back).
            if let Some(e) = self.abort_error() {
                self.state.borrow_mut().quota.refund(stamp);
                return Err(e);
            }
            match exchange(&self.request, &|| self.clock.now()).await {
                Ok(access) => return Ok(self.adopt(access, false)),
                Err(e) => {
                    let Some(wait) =
                        retry_delay(&e, retry, self.config.max_retries, Math::random())
                    else {
                        return Err(e);
                    };
                    last = Some(e);
                    retry += 1;
                    self.pause(wait).await?;
                }
            }
        }
    }

    /// Caches a token (marked as minted after a 401 when it was: by this client's renewal, or
    /// by another's, as its store entry says); a late mint that lost to a newer token is not
    /// adopted.
    fn adopt(&self, access: AccessToken, after_401: bool) -> (AccessToken, bool) {
        let random = Math::random();
        let mut st = self.state.borrow_mut();
        if !st.renewing_ours()
            && st
                .cache
                .expires_at()
                .is_some_and(|ours| ours > access.expires_at)
        {
            return (access, false);
        }
        st.cache.adopt(access.expires_at, random);
        if st.renewing.take().is_some() || after_401 {
            st.minted_after_401 = Some(access.token.clone());
        }
        st.cached = Some(access.clone());
        st.generation += 1;
        self.fresh.set((st.generation, st.cache.fresh_until()));
        (access, true)
    }
}

/// What a mint gets from the fleet's store.
enum FromFleet {
    /// A token it adopted, or the caller's abort while it waited for one.
    Done(Result<AccessToken>),
    /// Mint from the endpoint, holding the lease of this owner id, if any.
    Mint(Option<String>),
}

/// A random id for a lease's owner.
fn random_id() -> String {
    let mut id = String::with_capacity(16);
    for _ in 0..16 {
        let digit = (Math::random() * 16.0) as u32;
        id.push(char::from_digit(digit.min(15), 16).unwrap_or('0'));
    }
    id
}
