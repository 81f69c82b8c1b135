//! The one error type of the crate and its stable codes.

use super::text::ceil_u64;
use std::fmt;

/// `Result` with this crate's [`Error`] as the default error type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// The stable error codes exposed to JavaScript as `TruecallerError.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// Options were missing or malformed; nothing was sent.
    InvalidOptions,
    /// HTTP 400.
    BadRequest,
    /// HTTP 401 or 403.
    Unauthorized,
    /// HTTP 429.
    RateLimited,
    /// Refused locally: the quota window is full; nothing was sent.
    QuotaExhausted,
    /// HTTP 5xx.
    ServerError,
    /// Any other status, redirects included.
    UnexpectedStatus,
    /// A 2xx whose body is not a usable token.
    InvalidResponse,
    /// `fetch` rejected.
    Network,
    /// `timeoutMs` elapsed.
    Timeout,
    /// The caller's signal aborted.
    Aborted,
}

impl ErrorCode {
    /// The code as JavaScript sees it, e.g. `"rate_limited"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidOptions => "invalid_options",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::QuotaExhausted => "quota_exhausted",
            ErrorCode::ServerError => "server_error",
            ErrorCode::UnexpectedStatus => "unexpected_status",
            ErrorCode::InvalidResponse => "invalid_response",
            ErrorCode::Network => "network",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Aborted => "aborted",
        }
    }

    /// Whether a request that failed with this code may be retried.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::Network
                | ErrorCode::Timeout
                | ErrorCode::ServerError
                | ErrorCode::RateLimited
        )
    }
}

/// What an error response of the upstream said.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Upstream {
    /// HTTP status; 0 when the runtime hid it (an opaque redirect in browsers).
    pub status: u16,
    /// The `slug` of the JSON error body, when present.
    pub slug: Option<String>,
    /// The `message` of the JSON error body, when present (secrets redacted).
    pub message: Option<String>,
}

/// Every way a token request can fail.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Options were missing or malformed.
    InvalidOptions(String),
    /// HTTP 400.
    BadRequest(Upstream),
    /// HTTP 401 or 403.
    Unauthorized(Upstream),
    /// HTTP 429, with the wait from `Retry-After` when it parsed.
    RateLimited(Upstream, Option<f64>),
    /// The quota window (the client's own, or the fleet's through its store) is full; the
    /// wait is until a slot frees.
    QuotaExhausted(f64),
    /// HTTP 5xx.
    ServerError(Upstream),
    /// Any other status, redirects included.
    UnexpectedStatus(Upstream),
    /// A 2xx whose body is not a usable token: the status and what was wrong.
    InvalidResponse(u16, &'static str),
    /// `fetch` rejected, with the runtime's reason (secrets redacted).
    Network(String),
    /// The timeout elapsed, in milliseconds.
    Timeout(f64),
    /// The caller's signal aborted, with its reason (secrets redacted).
    Aborted(String),
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidOptions(_) => ErrorCode::InvalidOptions,
            Error::BadRequest(_) => ErrorCode::BadRequest,
            Error::Unauthorized(_) => ErrorCode::Unauthorized,
            Error::RateLimited(..) => ErrorCode::RateLimited,
            Error::QuotaExhausted(_) => ErrorCode::QuotaExhausted,
            Error::ServerError(_) => ErrorCode::ServerError,
            Error::UnexpectedStatus(_) => ErrorCode::UnexpectedStatus,
            Error::InvalidResponse(..) => ErrorCode::InvalidResponse,
            Error::Network(_) => ErrorCode::Network,
            Error::Timeout(_) => ErrorCode::Timeout,
            Error::Aborted(_) => ErrorCode::Aborted,
        }
    }

    fn upstream(&self) -> Option<&Upstream> {
        match self {
            Error::BadRequest(u)
            | Error::Unauthorized(u)
            | Error::RateLimited(u, _)
            | Error::ServerError(u)
            | Error::UnexpectedStatus(u) => Some(u),
            _ => None,
        }
    }

    /// The HTTP status, when a response was received and its status is known.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::InvalidResponse(status, _) => Some(*status),
            _ => self.upstream().map(|u| u.status).filter(|s| *s != 0),
        }
    }

    /// The upstream error slug, when the body had one.
    pub fn slug(&self) -> Option<&str> {
        self.upstream().and_then(|u| u.slug.as_deref())
    }

    /// How long to wait before trying again, for `rate_limited` and `quota_exhausted`.
    pub fn retry_after_ms(&self) -> Option<f64> {
        match self {
            Error::RateLimited(_, wait) => *wait,
            Error::QuotaExhausted(wait) => Some(*wait),
            _ => None,
        }
    }

    /// A plain-words description; never contains the API key or a token.
    pub fn message(&self) -> String {
        let mut m = String::new();
        match self {
            Error::InvalidOptions(why) => m.push_str(why),
            Error::BadRequest(u) => upstream_message(&mut m, "Truecaller rejected the request as invalid", u),
            Error::Unauthorized(u) => upstream_message(
                &mut m,
                "Truecaller did not accept these credentials (check the client account ID, key ID and API key)",
                u,
            ),
            Error::RateLimited(u, wait) => {
                upstream_message(&mut m, "Truecaller's rate limit was hit (10 tokens per 30 minutes)", u);
                if let Some(wait) = wait {
                    m.push_str("; retry in ");
                    push_seconds(&mut m, *wait);
                }
            }
            Error::QuotaExhausted(wait) => {
                m.push_str("the quota of token requests is used up; a slot frees in ");
                push_seconds(&mut m, *wait);
            }
            Error::ServerError(u) => upstream_message(&mut m, "Truecaller had a server error", u),
            Error::UnexpectedStatus(u) if u.status == 0 => {
                m.push_str("the server answered with a redirect, which is never followed")
            }
            Error::UnexpectedStatus(u) => upstream_message(&mut m, "the server answered with an unexpected status", u),
            Error::InvalidResponse(status, what) => {
                m.push_str("the token response (HTTP ");
                push_uint(&mut m, u64::from(*status));
                m.push_str(") is unusable: ");
                m.push_str(what);
            }
            Error::Network(why) => {
                m.push_str("the token request could not be sent: ");
                m.push_str(why);
            }
            Error::Timeout(ms) => {
                m.push_str("no answer from the token endpoint within ");
                push_uint(&mut m, *ms as u64);
                m.push_str(" ms");
            }
            Error::Aborted(why) => {
                m.push_str("the token request was aborted: ");
                m.push_str(why);
            }
        }
        m
    }
}

fn upstream_message(m: &mut String, what: &str, u: &Upstream) {
    m.push_str(what);
    if u.status != 0 {
        m.push_str(" (HTTP ");
        push_uint(m, u64::from(u.status));
        if let Some(slug) = &u.slug {
            m.push(' ');
            m.push_str(slug);
        }
        m.push(')');
    }
    if let Some(msg) = &u.message {
        m.push_str(": ");
        m.push_str(msg);
    }
}

/// Appends `n` in decimal.
pub(crate) fn push_uint(m: &mut String, n: u64) {
    if n >= 10 {
        push_uint(m, n / 10);
    }
    m.push(char::from(b'0' + (n % 10) as u8));
}

fn push_seconds(m: &mut String, ms: f64) {
    push_uint(m, ceil_u64(ms / 1000.0));
    m.push_str(" s");
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Messages are redacted when built, so printing them is safe.
        f.debug_struct("Error")
            .field("code", &self.code().as_str())
            .field("status", &self.status())
            .field("message", &self.message())
            .finish()
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_strings() {
        assert_eq!(
            Error::QuotaExhausted(1.0).code().as_str(),
            "quota_exhausted"
        );
        assert_eq!(Error::Timeout(5.0).code().as_str(), "timeout");
        assert_eq!(
            Error::InvalidResponse(200, "x").code().as_str(),
            "invalid_response"
        );
    }

    #[test]
    fn retryable_codes_match_the_spec() {
        let retry: Vec<_> = [
            ErrorCode::InvalidOptions,
            ErrorCode::BadRequest,
            ErrorCode::Unauthorized,
            ErrorCode::RateLimited,
            ErrorCode::QuotaExhausted,
            ErrorCode::ServerError,
            ErrorCode::UnexpectedStatus,
            ErrorCode::InvalidResponse,
            ErrorCode::Network,
            ErrorCode::Timeout,
            ErrorCode::Aborted,
        ]
        .into_iter()
        .filter(|c| c.is_retryable())
        .map(|c| c.as_str())
        .collect();
        assert_eq!(
            retry,
            ["rate_limited", "server_error", "network", "timeout"]
        );
    }

    #[test]
    fn messages_carry_status_slug_and_wait() {
        let e = Error::RateLimited(
            Upstream {
                status: 429,
                slug: Some("too-many".into()),
                message: Some("slow down".into()),
            },
            Some(1500.0),
        );
        assert_eq!(
            e.message(),
            "Truecaller's rate limit was hit (10 tokens per 30 minutes) (HTTP 429 too-many): slow down; retry in 2 s"
        );
        assert_eq!(e.status(), Some(429));
        assert_eq!(e.slug(), Some("too-many"));
        assert_eq!(e.retry_after_ms(), Some(1500.0));
        assert_eq!(
            Error::Timeout(250.0).message(),
            "no answer from the token endpoint within 250 ms"
        );
    }

    #[test]
    fn opaque_redirect_has_no_status() {
        let e = Error::UnexpectedStatus(Upstream::default());
        assert_eq!(e.status(), None);
        assert!(e.message().contains("redirect"));
    }

    #[test]
    fn push_uint_handles_zero_and_large() {
        let mut s = String::new();
        push_uint(&mut s, 0);
        s.push(',');
        push_uint(&mut s, 18_446_744_073_709_551_615);
        assert_eq!(s, "0,18446744073709551615");
    }
}
