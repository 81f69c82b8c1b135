//! Classification of the token endpoint's answer: status, `Retry-After` and body to a token or an error.
//!
//! JSON syntax is the platform's (`JSON.parse` in the shell); this module decides
//! what the parsed body means.

use super::error::{Error, Result, Upstream};
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

/// Expiry of a token received at `received_at`: our clock, not the server's `created_at`.
pub fn expires_at(received_at: f64) -> f64 {
    received_at + TOKEN_LIFETIME_MS
}

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

/// One member of a JSON object body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Member {
    /// The key is not there.
    Absent,
    /// The value is not a string (`null` included).
    NotString,
    /// A string value.
    Str(String),
}

/// The body, as the shell read and parsed it. `F` reads one member of an object body
/// (generic rather than `dyn`: the shipped `.wasm` then makes no indirect calls).
pub enum Body<F: Fn(&str) -> Member> {
    /// Over [`MAX_BODY_BYTES`]: not read.
    TooLarge,
    /// Not JSON.
    NotJson,
    /// JSON, but not an object (arrays included).
    NotObject,
    /// A JSON object; the function reads one member.
    Object(F),
}

impl<F: Fn(&str) -> Member> fmt::Debug for Body<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Body::TooLarge => "TooLarge",
            Body::NotJson => "NotJson",
            Body::NotObject => "NotObject",
            Body::Object(_) => "Object",
        })
    }
}

/// What was received, as the shell read it.
#[derive(Debug)]
pub struct Received<'a, F: Fn(&str) -> Member> {
    /// HTTP status; 0 for a browser's opaque redirect.
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<&'a str>,
    /// The body.
    pub body: Body<F>,
}

/// Turns a response into a token or the matching error; `secrets` are redacted from upstream text.
pub fn classify<F: Fn(&str) -> Member>(
    r: &Received<'_, F>,
    now_ms: f64,
    secrets: &[&str],
) -> Result<TokenBody> {
    let status = r.status;
    if (200..300).contains(&status) {
        return parse_token(status, &r.body);
    }
    let upstream = || upstream_error(status, &r.body, secrets);
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

fn parse_token<F: Fn(&str) -> Member>(status: u16, body: &Body<F>) -> Result<TokenBody> {
    let bad = |what| Err(Error::InvalidResponse(status, what));
    let member = match body {
        Body::TooLarge => return bad("the body exceeds 64 KiB"),
        Body::NotJson => return bad("the body is not JSON"),
        Body::NotObject => return bad("the body is not a JSON object"),
        Body::Object(member) => member,
    };
    let token = match member("token") {
        Member::Str(t) if t.is_empty() => return bad("\"token\" is empty"),
        // The token goes into an Authorization header: only visible ASCII can.
        Member::Str(t) if !t.bytes().all(|c| c.is_ascii_graphic()) => {
            return bad("\"token\" has characters an HTTP header cannot carry")
        }
        Member::Str(t) => t,
        Member::NotString => return bad("\"token\" is not a string"),
        Member::Absent => return bad("\"token\" is missing"),
    };
    let created_at = match member("created_at") {
        Member::Str(c) if c.is_empty() => return bad("\"created_at\" is empty"),
        Member::Str(c) => c,
        Member::NotString => return bad("\"created_at\" is not a string"),
        Member::Absent => return bad("\"created_at\" is missing"),
    };
    Ok(TokenBody { token, created_at })
}

fn upstream_error<F: Fn(&str) -> Member>(
    status: u16,
    body: &Body<F>,
    secrets: &[&str],
) -> Upstream {
    let text = |key| match body {
        Body::Object(member) => match member(key) {
            Member::Str(s) => Some(clean(&s, secrets)),
            _ => None,
        },
        _ => None,
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

    /// A body that is not an object (no member reader needed).
    type Plain = Body<fn(&str) -> Member>;

    fn s(v: &str) -> Member {
        Member::Str(v.into())
    }

    /// A 2xx or error answer whose body is a JSON object with these members.
    fn run(status: u16, members: &[(&'static str, Member)]) -> Result<TokenBody> {
        let read = |key: &str| {
            members
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(Member::Absent, |(_, v)| v.clone())
        };
        bare(status, Body::Object(read))
    }

    fn bare(status: u16, body: Body<impl Fn(&str) -> Member>) -> Result<TokenBody> {
        classify(
            &Received {
                status,
                retry_after: None,
                body,
            },
            0.0,
            &[KEY],
        )
    }

    fn error_body() -> [(&'static str, Member); 2] {
        [
            ("slug", s("invalid-input")),
            ("message", s("api_key is required")),
        ]
    }

    #[test]
    fn success() {
        let t = run(
            200,
            &[
                ("token", s("tok.en-1")),
                ("created_at", s("2025-07-10T06:59:05.72Z")),
            ],
        )
        .unwrap();
        assert_eq!(t.token, "tok.en-1");
        assert_eq!(t.created_at, "2025-07-10T06:59:05.72Z");
        assert!(!format!("{t:?}").contains("tok.en-1"));
        assert!(run(
            201,
            &[
                ("token", s("t")),
                ("created_at", s("c")),
                ("extra", Member::NotString)
            ]
        )
        .is_ok());
    }

    #[test]
    fn each_status_maps_to_its_code() {
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
            assert_eq!(
                run(status, &error_body()).unwrap_err().code().as_str(),
                want,
                "{status}"
            );
        }
    }

    #[test]
    fn error_bodies_give_slug_and_message() {
        let e = run(400, &error_body()).unwrap_err();
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.slug(), Some("invalid-input"));
        assert!(
            e.message()
                .ends_with("(HTTP 400 invalid-input): api_key is required"),
            "{}",
            e.message()
        );
        for body in [Plain::NotJson, Plain::NotObject, Plain::TooLarge] {
            let e = bare(500, body).unwrap_err();
            assert_eq!(e.code(), ErrorCode::ServerError);
            assert_eq!(e.slug(), None);
        }
        let e = run(401, &[("slug", Member::NotString), ("message", s("no"))]).unwrap_err();
        assert_eq!(e.slug(), None);
        assert!(e.message().ends_with(": no"), "{}", e.message());
    }

    #[test]
    fn upstream_text_is_redacted() {
        let msg = format!("key {} is wrong", KEY.to_uppercase());
        let e = run(401, &[("slug", s("x")), ("message", s(&msg))]).unwrap_err();
        assert!(
            !e.message().to_ascii_lowercase().contains(KEY),
            "{}",
            e.message()
        );
        assert!(e.message().contains("key [redacted] is wrong"));
        let long = format!("{}\u{7}", "x".repeat(1000));
        let e = run(500, &[("message", s(&long))]).unwrap_err();
        assert!(e.message().len() < 500);
        assert!(!e.message().contains('\u{7}'));
    }

    #[test]
    fn retry_after_is_read_for_429() {
        let at = |retry_after, now| {
            classify(
                &Received {
                    status: 429,
                    retry_after: Some(retry_after),
                    body: Plain::NotJson,
                },
                now,
                &[],
            )
            .unwrap_err()
            .retry_after_ms()
        };
        assert_eq!(at("7", 0.0), Some(7000.0));
        assert_eq!(
            at("Thu, 01 Jan 1970 00:01:00 GMT", 15_000.0),
            Some(45_000.0)
        );
        assert_eq!(at("later", 0.0), None);
    }

    #[test]
    fn malformed_bodies_are_invalid_response() {
        let cases: [(&[(&'static str, Member)], &str); 8] = [
            (&[("created_at", s("c"))], "\"token\" is missing"),
            (
                &[("token", s("")), ("created_at", s("c"))],
                "\"token\" is empty",
            ),
            (
                &[("token", Member::NotString), ("created_at", s("c"))],
                "\"token\" is not a string",
            ),
            (
                &[("token", s("a b")), ("created_at", s("c"))],
                "\"token\" has characters an HTTP header cannot carry",
            ),
            (
                &[("token", s("t\u{e9}")), ("created_at", s("c"))],
                "\"token\" has characters an HTTP header cannot carry",
            ),
            (&[("token", s("t"))], "\"created_at\" is missing"),
            (
                &[("token", s("t")), ("created_at", Member::NotString)],
                "\"created_at\" is not a string",
            ),
            (
                &[("token", s("t")), ("created_at", s(""))],
                "\"created_at\" is empty",
            ),
        ];
        for (members, why) in cases {
            assert_eq!(
                run(200, members),
                Err(Error::InvalidResponse(200, why)),
                "{why}"
            );
        }
        for (body, why) in [
            (Plain::NotJson, "the body is not JSON"),
            (Plain::NotObject, "the body is not a JSON object"),
            (Plain::TooLarge, "the body exceeds 64 KiB"),
        ] {
            assert_eq!(bare(200, body), Err(Error::InvalidResponse(200, why)));
        }
        assert_eq!(
            bare(400, Plain::TooLarge).unwrap_err().code(),
            ErrorCode::BadRequest
        );
    }
}
