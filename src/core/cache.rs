//! The token cache's decisions: serve, serve and refresh in the background, or wait.

use super::freshness::{freshness, may_refresh_in_background, Freshness, MUST_WAIT_MS};
use super::retry::MAX_DELAY_MS;
use super::stored::STORE_READ_TIMEOUT_MS;

/// How long (real time) a mint may run before callers stop waiting for it and start another:
/// every attempt's timeout, the longest wait between attempts, every store call it may make
/// (read, claim, read again, write, and a reservation per attempt), and 1 s.
/// A mint can outlive this only if its fetch ignores the abort signal, or if the runtime
/// dropped it (a Workers request context that ended); without a timeout it is unbounded.
pub fn mint_deadline_ms(timeout_ms: f64, max_retries: u32, has_store: bool) -> f64 {
    if timeout_ms <= 0.0 {
        return f64::INFINITY;
    }
    let attempts = f64::from(max_retries) + 1.0;
    let store = if has_store {
        (4.0 + attempts) * STORE_READ_TIMEOUT_MS
    } else {
        0.0
    };
    attempts * timeout_ms + f64::from(max_retries) * MAX_DELAY_MS + store + 1_000.0
}

/// What a `getToken()` call does with the cache as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Return the cached token; no network.
    Serve,
    /// Return the cached token and start one background refresh.
    ServeAndRefresh,
    /// Wait for a mint: join the one in flight, or start it.
    Wait,
}

/// The timing state of the cached token; the token itself lives in the shell.
#[derive(Clone, Debug)]
pub struct CacheClock {
    refresh_window_ms: f64,
    expires_at: Option<f64>,
    /// Where in the refresh window this client refreshes: `[0.5, 1]` of it, drawn per token,
    /// so isolates sharing one token through a store do not all refresh at the same moment.
    spread: f64,
    background_failed_at: Option<f64>,
}

impl CacheClock {
    /// An empty cache.
    pub fn new(refresh_window_ms: f64) -> Self {
        CacheClock {
            refresh_window_ms,
            expires_at: None,
            spread: 1.0,
            background_failed_at: None,
        }
    }

    /// The expiry of the cached token, if any.
    pub fn expires_at(&self) -> Option<f64> {
        self.expires_at
    }

    /// Decides what a caller at `now` does, given whether a mint is in flight.
    pub fn decide(&self, now: f64, in_flight: bool) -> Action {
        let Some(expires_at) = self.expires_at else {
            return Action::Wait;
        };
        match freshness(now, expires_at, self.refresh_window_ms * self.spread) {
            Freshness::Fresh => Action::Serve,
            Freshness::Refresh
                if in_flight || !may_refresh_in_background(now, self.background_failed_at) =>
            {
                Action::Serve
            }
            Freshness::Refresh => Action::ServeAndRefresh,
            Freshness::MustWait => Action::Wait,
        }
    }

    /// Before this instant, [`CacheClock::decide`] serves the cached token and does nothing
    /// else (whatever is in flight): callers on the hot path can compare one number.
    pub fn fresh_until(&self) -> f64 {
        self.expires_at.map_or(f64::NEG_INFINITY, |e| {
            e - MUST_WAIT_MS.max(self.refresh_window_ms * self.spread)
        })
    }

    /// Whether a token expiring at `expires_at` may be served at `now` (stored tokens).
    pub fn usable(&self, now: f64, expires_at: f64) -> bool {
        expires_at.is_finite() && freshness(now, expires_at, 0.0) != Freshness::MustWait
    }

    /// A new token is cached; `random` is uniform in `[0, 1)`.
    pub fn adopt(&mut self, expires_at: f64, random: f64) {
        self.expires_at = Some(expires_at);
        self.spread = 1.0 - random.clamp(0.0, 1.0) / 2.0;
        self.background_failed_at = None;
    }

    /// A mint failed at `now`; a background one delays the next background try.
    pub fn failed(&mut self, now: f64, background: bool) {
        if background {
            self.background_failed_at = Some(now);
        }
    }

    /// Forgets the cached token.
    pub fn invalidate(&mut self) {
        self.expires_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::freshness::BACKGROUND_RETRY_MS;

    const HOUR: f64 = 3_600_000.0;

    #[test]
    fn mint_deadline() {
        assert_eq!(
            mint_deadline_ms(10_000.0, 1, true),
            2.0 * 10_000.0 + 10_000.0 + 6.0 * 2_000.0 + 1_000.0
        );
        assert_eq!(mint_deadline_ms(50.0, 0, false), 50.0 + 1_000.0);
        assert_eq!(mint_deadline_ms(0.0, 3, false), f64::INFINITY);
    }

    #[test]
    fn empty_cache_waits() {
        assert_eq!(CacheClock::new(120_000.0).decide(0.0, false), Action::Wait);
        assert_eq!(CacheClock::new(120_000.0).decide(0.0, true), Action::Wait);
    }

    #[test]
    fn fresh_refresh_and_must_wait() {
        let mut c = CacheClock::new(120_000.0);
        c.adopt(HOUR, 0.0);
        assert_eq!(c.decide(0.0, false), Action::Serve);
        assert_eq!(c.decide(HOUR - 120_001.0, false), Action::Serve);
        assert_eq!(c.decide(HOUR - 120_000.0, false), Action::ServeAndRefresh);
        assert_eq!(
            c.decide(HOUR - 60_000.0, true),
            Action::Serve,
            "one refresh at a time"
        );
        assert_eq!(c.decide(HOUR - MUST_WAIT_MS, false), Action::Wait);
        assert_eq!(c.decide(HOUR + 1.0, true), Action::Wait);
    }

    #[test]
    fn spread_moves_the_refresh_point_within_the_first_half_of_the_window() {
        let mut c = CacheClock::new(120_000.0);
        c.adopt(HOUR, 0.999_999);
        assert_eq!(c.decide(HOUR - 100_000.0, false), Action::Serve);
        assert_eq!(c.decide(HOUR - 60_000.0, false), Action::ServeAndRefresh);
    }

    #[test]
    fn fresh_until_is_where_serving_stops_being_free() {
        let mut c = CacheClock::new(120_000.0);
        assert_eq!(c.fresh_until(), f64::NEG_INFINITY);
        c.adopt(HOUR, 0.0);
        assert_eq!(c.fresh_until(), HOUR - 120_000.0);
        assert_eq!(c.decide(HOUR - 120_000.0 - 1.0, true), Action::Serve);
        assert_eq!(c.decide(HOUR - 120_000.0, false), Action::ServeAndRefresh);
        let mut short = CacheClock::new(1_000.0);
        short.adopt(HOUR, 0.0);
        assert_eq!(short.fresh_until(), HOUR - MUST_WAIT_MS);
        c.invalidate();
        assert_eq!(c.fresh_until(), f64::NEG_INFINITY);
    }

    #[test]
    fn failed_background_refresh_waits_30_s() {
        let mut c = CacheClock::new(120_000.0);
        c.adopt(HOUR, 0.0);
        let t = HOUR - 110_000.0;
        c.failed(t, true);
        assert_eq!(c.decide(t + 1.0, false), Action::Serve);
        assert_eq!(
            c.decide(t + BACKGROUND_RETRY_MS - 1.0, false),
            Action::Serve
        );
        assert_eq!(
            c.decide(t + BACKGROUND_RETRY_MS, false),
            Action::ServeAndRefresh
        );
        c.adopt(2.0 * HOUR, 0.0);
        assert_eq!(
            c.decide(2.0 * HOUR - 100_000.0, false),
            Action::ServeAndRefresh,
            "a new token clears the back-off"
        );
    }

    #[test]
    fn foreground_failures_do_not_back_off() {
        let mut c = CacheClock::new(120_000.0);
        c.failed(0.0, false);
        assert_eq!(c.decide(1.0, false), Action::Wait);
    }

    #[test]
    fn invalidate_and_usable() {
        let mut c = CacheClock::new(120_000.0);
        c.adopt(HOUR, 0.0);
        c.invalidate();
        assert_eq!(c.decide(0.0, false), Action::Wait);
        assert!(c.usable(0.0, HOUR));
        assert!(!c.usable(HOUR - MUST_WAIT_MS, HOUR));
        assert!(!c.usable(0.0, f64::NAN));
    }
}
