//! Classification of the token endpoint's answer: status, `Retry-After` and body text to a token or an error.

use super::error::{Error, Result, Upstream};
use super::json::{parse_object, NotObject};
use super::retry_after::parse_retry_after;
use super::text::replace_ignore_ascii_case;
use alloc::borrow::ToOwned;
use alloc::string::String;
use core::fmt;

/// Bodies above this many bytes are not read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// How long a token is valid after it is received.
pub const TOKEN_LIFETIME_MS: f64 = 60.0 * 60.0 * 1000.0;
const MAX_UPSTREAM_TEXT: usize = 300;

/// The useful part of a 2xx body.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenBody {
    /// The bearer token.
    pub token: String,
    /// The server's `created_at`, verbatim.
    pub created_at: String,
}

impl fmt::Debug for TokenBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBody")
            .field("token", &"[redacted]")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// What was received, as the shell read it.
#[derive(Debug)]
pub struct Received<'a> {
    /// HTTP status; 0 for a browser's opaque redirect.
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<&'a str>,
    /// The body text, or `None` when it was over [`MAX_BODY_BYTES`].
    pub body: Option<&'a str>,
}

/// Turns a response into a token or the matching error; `secrets` are redacted from upstream text.
pub fn classify(r: &Received<'_>, now_ms: f64, secrets: &[&str]) -> Result<TokenBody> {
    let status = r.status;
    if (200..300).contains(&status) {
        return parse_token(status, r.body);
    }
    let upstream = || upstream_error(status, r.body, secrets);
    Err(match status {
        400 => Error::BadRequest(upstream()),
        401 | 403 => Error::Unauthorized(upstream()),
        429 => Error::RateLimited(
            upstream(),
            r.retry_after.and_then(|v| parse_retry_after(v, now_ms)),
        ),
        500..=599 => Error::ServerError(upstream()),
        _ => Error::UnexpectedStatus(upstream()),
    })
}

fn parse_token(status: u16, body: Option<&str>) -> Result<TokenBody> {
    let bad = |what| Err(Error::InvalidResponse(status, what));
    let Some(body) = body else {
        return bad("the body exceeds 64 KiB");
    };
    if body.len() > MAX_BODY_BYTES {
        return bad("the body exceeds 64 KiB");
    }
    let members = match parse_object(body) {
        Ok(m) => m,
        Err(NotObject::Syntax) => return bad("the body is not JSON"),
        Err(NotObject::NotAnObject) => return bad("the body is not a JSON object"),
    };
    let token = match members.string("token") {
        Some("") => return bad("\"token\" is empty"),
        // The token goes into an Authorization header: only visible ASCII can.
        Some(t) if !t.bytes().all(|c| c.is_ascii_graphic()) => {
            return bad("\"token\" has characters an HTTP header cannot carry")
        }
        Some(t) => t,
        None if members.has("token") => return bad("\"token\" is not a string"),
        None => return bad("\"token\" is missing"),
    };
    let created_at = match members.string("created_at") {
        Some(c) if !c.is_empty() => c,
        Some(_) => return bad("\"created_at\" is empty"),
        None if members.has("created_at") => return bad("\"created_at\" is not a string"),
        None => return bad("\"created_at\" is missing"),
    };
    Ok(TokenBody {
        token: token.to_owned(),
        created_at: created_at.to_owned(),
    })
}

fn upstream_error(status: u16, body: Option<&str>, secrets: &[&str]) -> Upstream {
    let members = body
        .filter(|b| b.len() <= MAX_BODY_BYTES)
        .and_then(|b| parse_object(b).ok());
    let text = |key| {
        members
            .as_ref()
            .and_then(|m| m.string(key))
            .map(|s| clean(s, secrets))
    };
    Upstream {
        status,
        slug: text("slug"),
        message: text("message"),
    }
}

/// Redacts secrets, drops control characters and caps the length of upstream text.
pub fn clean(s: &str, secrets: &[&str]) -> String {
    let mut out = s.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = replace_ignore_ascii_case(&out, secret, "[redacted]");
    }
    let mut capped = String::with_capacity(out.len().min(MAX_UPSTREAM_TEXT * 4));
    for (n, c) in out.chars().filter(|c| !c.is_control()).enumerate() {
        if n == MAX_UPSTREAM_TEXT {
            capped.push('…');
            break;
        }
        capped.push(c);
    }
    capped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorCode;

    const KEY: &str = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

    fn run(status: u16, body: &str) -> Result<TokenBody> {
        classify(
            &Received {
                status,
                retry_after: None,
                body: Some(body),
            },
            0.0,
            &[KEY],
        )
    }

    fn code(status: u16, body: &str) -> &'static str {
        run(status, body).unwrap_err().code().as_str()
    }

    #[test]
    fn success() {
        let t = run(
            200,
            r#"{"token":"tok.en-1","created_at":"2025-07-10T06:59:05.72Z"}"#,
        )
        .unwrap();
        assert_eq!(t.token, "tok.en-1");
        assert_eq!(t.created_at, "2025-07-10T06:59:05.72Z");
        assert!(!format!("{t:?}").contains("tok.en-1"));
        assert!(run(201, r#"{"token":"t","created_at":"c","extra":{}}"#).is_ok());
    }

    #[test]
    fn each_status_maps_to_its_code() {
        let body = r#"{"slug":"invalid-input","message":"api_key is required"}"#;
        for (status, want) in [
            (400, "bad_request"),
            (401, "unauthorized"),
            (403, "unauthorized"),
            (429, "rate_limited"),
            (500, "server_error"),
            (503, "server_error"),
            (599, "server_error"),
            (0, "unexpected_status"),
            (204, "invalid_response"),
            (302, "unexpected_status"),
            (307, "unexpected_status"),
            (404, "unexpected_status"),
            (418, "unexpected_status"),
            (600, "unexpected_status"),
        ] {
            assert_eq!(code(status, body), want, "{status}");
        }
    }

    #[test]
    fn error_bodies_give_slug_and_message() {
        let e = run(
            400,
            r#"{"slug":"invalid-input","message":"api_key is required"}"#,
        )
        .unwrap_err();
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.slug(), Some("invalid-input"));
        assert!(
            e.message()
                .ends_with("(HTTP 400 invalid-input): api_key is required"),
            "{}",
            e.message()
        );
        let e = run(500, "<html><body>Bad gateway</body></html>").unwrap_err();
        assert_eq!(e.code(), ErrorCode::ServerError);
        assert_eq!(e.slug(), None);
    }

    #[test]
    fn upstream_text_is_redacted() {
        let msg = format!(
            r#"{{"slug":"x","message":"key {} is wrong"}}"#,
            KEY.to_uppercase()
        );
        let e = run(401, &msg).unwrap_err();
        assert!(
            !e.message().to_ascii_lowercase().contains(KEY),
            "{}",
            e.message()
        );
        assert!(e.message().contains("key [redacted] is wrong"));
        let long = format!(r#"{{"message":"{}\u0007"}}"#, "x".repeat(1000));
        let e = run(500, &long).unwrap_err();
        assert!(e.message().len() < 500);
        assert!(!e.message().contains('\u{7}'));
    }

    #[test]
    fn retry_after_is_read_for_429() {
        let r = Received {
            status: 429,
            retry_after: Some("7"),
            body: Some(""),
        };
        assert_eq!(
            classify(&r, 0.0, &[]).unwrap_err().retry_after_ms(),
            Some(7000.0)
        );
        let r = Received {
            status: 429,
            retry_after: Some("Thu, 01 Jan 1970 00:01:00 GMT"),
            body: None,
        };
        assert_eq!(
            classify(&r, 15_000.0, &[]).unwrap_err().retry_after_ms(),
            Some(45_000.0)
        );
        let r = Received {
            status: 429,
            retry_after: Some("later"),
            body: None,
        };
        assert_eq!(classify(&r, 0.0, &[]).unwrap_err().retry_after_ms(), None);
    }

    #[test]
    fn malformed_bodies_are_invalid_response() {
        let cases = [
            ("", "the body is not JSON"),
            ("<html>", "the body is not JSON"),
            ("[]", "the body is not a JSON object"),
            (
                r#"[{"token":"t","created_at":"c"}]"#,
                "the body is not a JSON object",
            ),
            (r#"{"created_at":"c"}"#, "\"token\" is missing"),
            (r#"{"token":"","created_at":"c"}"#, "\"token\" is empty"),
            (
                r#"{"token":42,"created_at":"c"}"#,
                "\"token\" is not a string",
            ),
            (
                r#"{"token":null,"created_at":"c"}"#,
                "\"token\" is not a string",
            ),
            (
                r#"{"token":"a b","created_at":"c"}"#,
                "\"token\" has characters an HTTP header cannot carry",
            ),
            (r#"{"token":"t"}"#, "\"created_at\" is missing"),
            (
                r#"{"token":"t","created_at":5}"#,
                "\"created_at\" is not a string",
            ),
        ];
        for (body, why) in cases {
            assert_eq!(
                run(200, body),
                Err(Error::InvalidResponse(200, why)),
                "{body}"
            );
        }
    }

    #[test]
    fn oversize_bodies() {
        let big = format!(
            r#"{{"token":"t","created_at":"c","pad":"{}"}}"#,
            "x".repeat(MAX_BODY_BYTES)
        );
        assert_eq!(
            run(200, &big),
            Err(Error::InvalidResponse(200, "the body exceeds 64 KiB"))
        );
        let r = Received {
            status: 200,
            retry_after: None,
            body: None,
        };
        assert_eq!(
            classify(&r, 0.0, &[]),
            Err(Error::InvalidResponse(200, "the body exceeds 64 KiB"))
        );
        let r = Received {
            status: 400,
            retry_after: None,
            body: None,
        };
        assert_eq!(
            classify(&r, 0.0, &[]).unwrap_err().code(),
            ErrorCode::BadRequest
        );
    }
}
