//! Which failures are retried, and how long to wait before each retry.

use super::error::Error;

/// Default `maxRetries`.
pub const DEFAULT_MAX_RETRIES: u32 = 1;
/// First backoff step in ms; doubled for each further retry.
pub const BASE_DELAY_MS: f64 = 500.0;
/// No wait is longer than this; a `Retry-After` beyond it is not waited for.
pub const MAX_DELAY_MS: f64 = 10_000.0;

/// The wait before retry number `retry` (0-based) after `error`, or `None` when it must not be retried.
/// `random` is uniform in `[0, 1)`.
pub fn retry_delay(error: &Error, retry: u32, max_retries: u32, random: f64) -> Option<f64> {
    if retry >= max_retries || !error.code().is_retryable() {
        return None;
    }
    let exp = BASE_DELAY_MS * f64::from(1u32 << retry.min(16));
    // Equal jitter: half fixed, half random, so retries from many isolates spread out.
    let backoff = (exp / 2.0 + exp / 2.0 * random).min(MAX_DELAY_MS);
    match error.retry_after_ms() {
        Some(wait) if wait > MAX_DELAY_MS => None,
        Some(wait) => Some(wait.max(backoff)),
        None => Some(backoff),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::Upstream;

    fn up(status: u16) -> Upstream {
        Upstream {
            status,
            ..Upstream::default()
        }
    }

    #[test]
    fn only_transient_failures_retry() {
        assert!(retry_delay(&Error::ServerError(up(503)), 0, 1, 0.0).is_some());
        assert!(retry_delay(&Error::Network("x".into()), 0, 1, 0.0).is_some());
        assert!(retry_delay(&Error::Timeout(1.0), 0, 1, 0.0).is_some());
        assert!(retry_delay(&Error::RateLimited(up(429), None), 0, 1, 0.0).is_some());
        for e in [
            Error::BadRequest(up(400)),
            Error::Unauthorized(up(401)),
            Error::InvalidResponse(200, "x"),
            Error::UnexpectedStatus(up(404)),
            Error::Aborted("x".into()),
            Error::QuotaExhausted(1.0),
            Error::InvalidOptions("x".into()),
        ] {
            assert_eq!(retry_delay(&e, 0, 5, 0.5), None, "{e:?}");
        }
    }

    #[test]
    fn at_most_max_retries() {
        let e = Error::ServerError(up(500));
        assert!(retry_delay(&e, 1, 2, 0.0).is_some());
        assert_eq!(retry_delay(&e, 2, 2, 0.0), None);
        assert_eq!(retry_delay(&e, 0, 0, 0.0), None);
    }

    #[test]
    fn exponential_with_jitter_and_cap() {
        let e = Error::Network("x".into());
        assert_eq!(retry_delay(&e, 0, 20, 0.0), Some(250.0));
        assert_eq!(retry_delay(&e, 0, 20, 0.999_999), Some(499.99975));
        assert_eq!(retry_delay(&e, 1, 20, 0.0), Some(500.0));
        assert_eq!(retry_delay(&e, 3, 20, 1.0), Some(4000.0));
        assert_eq!(retry_delay(&e, 10, 20, 1.0), Some(MAX_DELAY_MS));
        assert_eq!(retry_delay(&e, 19, 20, 0.0), Some(MAX_DELAY_MS));
    }

    #[test]
    fn retry_after_is_honoured() {
        let e = Error::RateLimited(up(429), Some(3000.0));
        assert_eq!(retry_delay(&e, 0, 1, 0.0), Some(3000.0));
        let short = Error::RateLimited(up(429), Some(0.0));
        assert_eq!(retry_delay(&short, 0, 1, 0.0), Some(250.0));
        let long = Error::RateLimited(up(429), Some(60_000.0));
        assert_eq!(retry_delay(&long, 0, 1, 0.0), None);
    }
}
