//! Classification of the token endpoint's answer: status, `Retry-After` and body to a token or an error.
//!
//! JSON syntax is the platform's (`JSON.parse` in the shell, read into [`WireBody`] by
//! serde); this module decides what the parsed body means.

use super::access_token::{expires_at, AccessToken};
use super::error::{Error, Result, Upstream};
use super::redact::{redact, REDACTED};
use super::retry_after::parse_retry_after;
pub use super::wire::{Member, WireBody};

/// Bodies above this many bytes are not read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
const MAX_UPSTREAM_TEXT: usize = 300;

/// The body, as the shell read and parsed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// Over [`MAX_BODY_BYTES`]: not read to the end.
    TooLarge,
    /// Not JSON.
    NotJson,
    /// JSON, but not an object (arrays included).
    NotObject,
    /// A JSON object.
    Object(WireBody),
}

/// What was received, as the shell read it.
#[derive(Clone, Debug)]
pub struct Received {
    /// HTTP status; 0 for a browser's opaque redirect.
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The body.
    pub body: Body,
}

/// Turns a response received at `now_ms` into a token or the matching error; every
/// spelling of `api_key` is redacted from upstream text.
pub fn classify(r: Received, now_ms: f64, api_key: &str) -> Result<AccessToken> {
    let status = r.status;
    if (200..300).contains(&status) {
        return parse_token(status, r.body, now_ms);
    }
    let upstream = Upstream {
        status,
        slug: None,
        message: None,
    };
    let upstream = match r.body {
        Body::Object(b) => {
            let (slug, message) = (text(b.slug, api_key), text(b.message, api_key));
            // The error's message shows them side by side: a key split between the two is
            // a key too, and then neither is shown.
            let joined = [
                slug.as_deref().unwrap_or(""),
                message.as_deref().unwrap_or(""),
            ]
            .join(" ");
            let split = redact(&joined, api_key) != joined;
            let shown = |t: Option<String>| t.map(|t| if split { REDACTED.to_owned() } else { t });
            Upstream {
                slug: shown(slug),
                message: shown(message),
                ..upstream
            }
        }
        _ => upstream,
    };
    Err(match status {
        400 => Error::BadRequest(upstream),
        401 | 403 => Error::Unauthorized(upstream),
        429 => Error::RateLimited(
            upstream,
            r.retry_after
                .as_deref()
                .and_then(|v| parse_retry_after(v, now_ms)),
        ),
        500..=599 => Error::ServerError(upstream),
        _ => Error::UnexpectedStatus(upstream),
    })
}

fn text(m: Member, api_key: &str) -> Option<String> {
    match m {
        Member::Str(s) => Some(clean(&s, api_key)),
        _ => None,
    }
}

fn parse_token(status: u16, body: Body, received_at: f64) -> Result<AccessToken> {
    let bad = |what| Err(Error::InvalidResponse(status, what));
    let body = match body {
        Body::TooLarge => return bad("the body exceeds 64 KiB"),
        Body::NotJson => return bad("the body is not JSON"),
        Body::NotObject => return bad("the body is not a JSON object"),
        Body::Object(body) => body,
    };
    let token = match body.token {
        Member::Str(t) if t.is_empty() => return bad("\"token\" is empty"),
        // The token goes into an Authorization header: only visible ASCII can.
        Member::Str(t) if !t.bytes().all(|c| c.is_ascii_graphic()) => {
            return bad("\"token\" has characters an HTTP header cannot carry")
        }
        Member::Str(t) => t,
        Member::NotString => return bad("\"token\" is not a string"),
        Member::Absent => return bad("\"token\" is missing"),
    };
    let created_at = match body.created_at {
        Member::Str(c) if c.is_empty() => return bad("\"created_at\" is empty"),
        Member::Str(c) => c,
        Member::NotString => return bad("\"created_at\" is not a string"),
        Member::Absent => return bad("\"created_at\" is missing"),
    };
    Ok(AccessToken {
        token,
        created_at,
        expires_at: expires_at(received_at),
    })
}

/// Makes text from elsewhere safe to show: the API key redacted in every spelling, control
/// characters dropped, the length capped.
pub fn clean(s: &str, api_key: &str) -> String {
    // Redaction sees more than is kept, so a key cut by the first cap cannot survive the second.
    // Control characters go first: between the digits of a key they would hide it.
    let head: String = s
        .chars()
        .take(MAX_UPSTREAM_TEXT * 4)
        .filter(|c| !c.is_control())
        .collect();
    let redacted = redact(&head, api_key);
    let mut capped = String::with_capacity(redacted.len().min(MAX_UPSTREAM_TEXT * 4));
    for (n, c) in redacted.chars().filter(|c| !c.is_control()).enumerate() {
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

    fn s(v: &str) -> Member {
        Member::Str(v.into())
    }

    fn body(members: &[(&str, Member)]) -> Body {
        let get = |k: &str| {
            members
                .iter()
                .find(|(key, _)| *key == k)
                .map_or(Member::Absent, |(_, v)| v.clone())
        };
        Body::Object(WireBody {
            token: get("token"),
            created_at: get("created_at"),
            slug: get("slug"),
            message: get("message"),
        })
    }

    fn run(status: u16, members: &[(&str, Member)]) -> Result<AccessToken> {
        bare(status, body(members))
    }

    fn bare(status: u16, body: Body) -> Result<AccessToken> {
        classify(
            Received {
                status,
                retry_after: None,
                body,
            },
            0.0,
            KEY,
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
        assert_eq!(t.expires_at, 3_600_000.0);
        assert!(!format!("{t:?}").contains("tok.en-1"));
        assert!(run(
            201,
            &[
                ("token", s("t")),
                ("created_at", s("c")),
                ("slug", Member::NotString)
            ]
        )
        .is_ok());
    }

    #[test]
    fn the_body_is_parsed_by_serde_from_json() {
        let parsed: WireBody = serde_json::from_str(
            r#"{"token":"t","created_at":"2025-07-10T06:59:05.72Z","extra":{"x":[1]}}"#,
        )
        .unwrap();
        let t = bare(200, Body::Object(parsed)).unwrap();
        assert_eq!(
            (t.token.as_str(), t.created_at.as_str()),
            ("t", "2025-07-10T06:59:05.72Z")
        );
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
        for body in [Body::NotJson, Body::NotObject, Body::TooLarge] {
            let e = bare(500, body).unwrap_err();
            assert_eq!(e.code(), ErrorCode::ServerError);
            assert_eq!(e.slug(), None);
        }
        let e = run(401, &[("slug", Member::NotString), ("message", s("no"))]).unwrap_err();
        assert_eq!(e.slug(), None);
        assert!(e.message().ends_with(": no"), "{}", e.message());
    }

    #[test]
    fn upstream_text_is_redacted_in_every_spelling() {
        for spelling in [
            KEY.to_uppercase(),
            KEY.replace('-', ""),
            KEY.replace('-', "_"),
        ] {
            let msg = format!("key {spelling} is wrong");
            let e = run(401, &[("slug", s(&spelling)), ("message", s(&msg))]).unwrap_err();
            assert_eq!(e.slug(), Some("[redacted]"));
            assert!(
                e.message().contains("key [redacted] is wrong"),
                "{}",
                e.message()
            );
        }
        let long = format!("{}\u{7}", "x".repeat(1000));
        let e = run(500, &[("message", s(&long))]).unwrap_err();
        assert!(e.message().len() < 500);
        assert!(!e.message().contains('\u{7}'));
        // A key split between slug and message is a key too.
        let (a, b) = KEY.split_at(18);
        let e = run(401, &[("slug", s(a)), ("message", s(b))]).unwrap_err();
        assert_eq!(
            (e.slug(), e.message().contains(b)),
            (Some("[redacted]"), false)
        );
        // Control characters between the digits do not hide it.
        let hidden = KEY.replace('-', "\u{0}\u{1}\u{2}\u{3}\u{4}-");
        assert_eq!(clean(&hidden, KEY), "[redacted]");
        // A key that straddles the first cap is still removed whole.
        let straddling = format!("{}{}", "x".repeat(1190), KEY);
        assert!(!clean(&straddling, KEY).contains("aaaa"));
    }

    #[test]
    fn retry_after_is_read_for_429() {
        let at = |retry_after: &str, now| {
            classify(
                Received {
                    status: 429,
                    retry_after: Some(retry_after.into()),
                    body: Body::NotJson,
                },
                now,
                KEY,
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
        let cases: [(&[(&str, Member)], &str); 8] = [
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
            (Body::NotJson, "the body is not JSON"),
            (Body::NotObject, "the body is not a JSON object"),
            (Body::TooLarge, "the body exceeds 64 KiB"),
        ] {
            assert_eq!(bare(200, body), Err(Error::InvalidResponse(200, why)));
        }
        assert_eq!(
            bare(400, Body::TooLarge).unwrap_err().code(),
            ErrorCode::BadRequest
        );
    }
}
