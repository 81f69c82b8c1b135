//! When a cached token is served, refreshed in the background, or waited for.

/// Default `refreshWindowMs` (2 minutes).
pub const DEFAULT_REFRESH_WINDOW_MS: f64 = 120_000.0;
/// Within this much of expiry (or after it) callers wait for a new token.
pub const MUST_WAIT_MS: f64 = 30_000.0;
/// A failed background refresh is not tried again sooner than this.
pub const BACKGROUND_RETRY_MS: f64 = 30_000.0;

/// What to do with a cached token at a given moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Serve it; no network.
    Fresh,
    /// Serve it and refresh in the background.
    Refresh,
    /// Too close to expiry: wait for a new one.
    MustWait,
}

/// Classifies a token expiring at `expires_at` at time `now`.
pub fn freshness(now: f64, expires_at: f64, refresh_window_ms: f64) -> Freshness {
    if now >= expires_at - MUST_WAIT_MS {
        Freshness::MustWait
    } else if now >= expires_at - refresh_window_ms {
        Freshness::Refresh
    } else {
        Freshness::Fresh
    }
}

/// Whether a background refresh may start, given when the last one failed.
pub fn may_refresh_in_background(now: f64, last_failure: Option<f64>) -> bool {
    last_failure.is_none_or(|t| now >= t + BACKGROUND_RETRY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions() {
        let exp = 3_600_000.0;
        assert_eq!(freshness(0.0, exp, 120_000.0), Freshness::Fresh);
        assert_eq!(freshness(exp - 120_001.0, exp, 120_000.0), Freshness::Fresh);
        assert_eq!(
            freshness(exp - 120_000.0, exp, 120_000.0),
            Freshness::Refresh
        );
        assert_eq!(
            freshness(exp - 30_001.0, exp, 120_000.0),
            Freshness::Refresh
        );
        assert_eq!(
            freshness(exp - 30_000.0, exp, 120_000.0),
            Freshness::MustWait
        );
        assert_eq!(freshness(exp + 1.0, exp, 120_000.0), Freshness::MustWait);
        // A window shorter than the must-wait margin never refreshes in the background.
        assert_eq!(
            freshness(exp - 20_000.0, exp, 10_000.0),
            Freshness::MustWait
        );
        assert_eq!(freshness(exp - 40_000.0, exp, 10_000.0), Freshness::Fresh);
    }

    #[test]
    fn background_failures_back_off() {
        assert!(may_refresh_in_background(0.0, None));
        assert!(!may_refresh_in_background(29_999.0, Some(0.0)));
        assert!(may_refresh_in_background(30_000.0, Some(0.0)));
    }
}
