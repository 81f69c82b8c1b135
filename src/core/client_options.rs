//! Validation of the options `TokenClient` adds to those of `requestToken`.

use super::error::Result;
use super::freshness::DEFAULT_REFRESH_WINDOW_MS;
use super::options::{integer_field, number_field, Field};
use super::quota::{DEFAULT_LIMIT, DEFAULT_WINDOW_MS};
use super::retry::DEFAULT_MAX_RETRIES;

/// The `TokenClient` options as read from JS.
#[derive(Clone, Debug)]
pub struct RawClientConfig {
    /// `refreshWindowMs`.
    pub refresh_window_ms: Field<f64>,
    /// `maxRetries`.
    pub max_retries: Field<f64>,
    /// `quotaLimit`.
    pub quota_limit: Field<f64>,
    /// `quotaWindowMs`.
    pub quota_window_ms: Field<f64>,
}

/// Validated `TokenClient` settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClientConfig {
    /// Background refresh starts this long before expiry (at most half an hour).
    pub refresh_window_ms: f64,
    /// Retries after the first attempt (0 to 10).
    pub max_retries: u32,
    /// Requests allowed per window (1 to 10000).
    pub quota_limit: u32,
    /// The quota window (1 ms to 24 h).
    pub quota_window_ms: f64,
}

impl ClientConfig {
    /// Validates, applying the defaults of SPEC section 3.
    pub fn parse(raw: RawClientConfig) -> Result<Self> {
        Ok(ClientConfig {
            refresh_window_ms: number_field(
                "refreshWindowMs",
                raw.refresh_window_ms,
                DEFAULT_REFRESH_WINDOW_MS,
                0.0,
                1_800_000.0,
            )?,
            max_retries: integer_field("maxRetries", raw.max_retries, DEFAULT_MAX_RETRIES, 0, 10)?,
            quota_limit: integer_field("quotaLimit", raw.quota_limit, DEFAULT_LIMIT, 1, 10_000)?,
            quota_window_ms: number_field(
                "quotaWindowMs",
                raw.quota_window_ms,
                DEFAULT_WINDOW_MS,
                1.0,
                86_400_000.0,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::Error;

    fn raw() -> RawClientConfig {
        RawClientConfig {
            refresh_window_ms: Field::Missing,
            max_retries: Field::Missing,
            quota_limit: Field::Missing,
            quota_window_ms: Field::Missing,
        }
    }

    #[test]
    fn defaults() {
        assert_eq!(
            ClientConfig::parse(raw()).unwrap(),
            ClientConfig {
                refresh_window_ms: 120_000.0,
                max_retries: 1,
                quota_limit: 10,
                quota_window_ms: 1_800_000.0
            }
        );
    }

    #[test]
    fn bad_numbers() {
        type Setter = fn(&mut RawClientConfig, Field<f64>);
        let cases: [(Setter, f64, &str); 8] = [
            (|r, v| r.refresh_window_ms = v, -1.0, "refreshWindowMs"),
            (
                |r, v| r.refresh_window_ms = v,
                3_600_000.0,
                "refreshWindowMs",
            ),
            (|r, v| r.max_retries = v, 1.5, "maxRetries"),
            (|r, v| r.max_retries = v, 11.0, "maxRetries"),
            (|r, v| r.quota_limit = v, 0.0, "quotaLimit"),
            (|r, v| r.quota_limit = v, f64::NAN, "quotaLimit"),
            (|r, v| r.quota_window_ms = v, 0.0, "quotaWindowMs"),
            (|r, v| r.quota_window_ms = v, f64::INFINITY, "quotaWindowMs"),
        ];
        for (set, value, name) in cases {
            let mut r = raw();
            set(&mut r, Field::Value(value));
            match ClientConfig::parse(r) {
                Err(Error::InvalidOptions(m)) => assert!(m.starts_with(name), "{m}"),
                other => panic!("{name} {value}: {other:?}"),
            }
        }
        let mut r = raw();
        r.max_retries = Field::WrongType;
        assert!(ClientConfig::parse(r).is_err());
    }
}
