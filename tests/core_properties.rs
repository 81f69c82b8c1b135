//! Property-based tests of the pure core over generated inputs (proptest, on the host).
//! A failure prints the minimal input; `PROPTEST_CASES=10000 cargo test --test core_properties`
//! searches longer (`make fuzz` does).

#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use truecaller_token::core::cache::{Action, CacheClock};
use truecaller_token::core::clock::Monotonic;
use truecaller_token::core::error::{Error, ErrorCode, Upstream};
use truecaller_token::core::freshness::MUST_WAIT_MS;
use truecaller_token::core::lease;
use truecaller_token::core::options::{
    BaseUrl, Field, RawRequestConfig, RequestConfig, Secret, UrlParts,
};
use truecaller_token::core::quota::Quota;
use truecaller_token::core::redact::redact;
use truecaller_token::core::response::{classify, clean, Body, Member, Received, WireBody};
use truecaller_token::core::retry::{retry_delay, MAX_DELAY_MS};
use truecaller_token::core::retry_after::parse_retry_after;

const KEY: &str = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

fn uuid() -> impl Strategy<Value = String> {
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(-0.0),
        -1e12..1e12f64
    ]
}

fn field<T: std::fmt::Debug + Clone + 'static>(
    value: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Field<T>> {
    prop_oneof![
        Just(Field::Missing),
        Just(Field::WrongType),
        value.prop_map(Field::Value)
    ]
}

fn member() -> impl Strategy<Value = Member> {
    prop_oneof![
        Just(Member::Absent),
        Just(Member::NotString),
        any::<String>().prop_map(Member::Str),
        "[ -~]{0,40}".prop_map(Member::Str),
    ]
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        Just(Body::TooLarge),
        Just(Body::NotJson),
        Just(Body::NotObject),
        (member(), member(), member(), member()).prop_map(|(token, created_at, slug, message)| {
            Body::Object(WireBody {
                token,
                created_at,
                slug,
                message,
            })
        }),
    ]
}

/// A spelling of the key: its 32 hex digits in any case, with up to 3 separators between any two.
fn spelling(key: &str) -> impl Strategy<Value = String> {
    let digits: Vec<char> = key.chars().filter(char::is_ascii_hexdigit).collect();
    (
        proptest::collection::vec(any::<bool>(), 32),
        proptest::collection::vec(
            prop_oneof![
                3 => Just(String::new()),
                1 => prop::sample::select(vec!["-", "_", " ", ":", ".", "%2D", "\\u002d", "--", " - "])
                    .prop_map(str::to_owned),
            ],
            31,
        ),
    )
        .prop_map(move |(upper, gaps)| {
            let mut s = String::new();
            for (i, c) in digits.iter().enumerate() {
                s.push(if upper[i] { c.to_ascii_uppercase() } else { *c });
                if let Some(g) = gaps.get(i) {
                    s.push_str(g);
                }
            }
            s
        })
}

fn squeezed(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(512)
    ))]

    /// Option rules never panic, accept only https (or http to loopback) and never echo the key.
    #[test]
    fn options_never_panic_nor_echo_the_key(
        account in field(prop_oneof![uuid(), any::<String>()]),
        key_id in field(prop_oneof![uuid(), any::<String>()]),
        api_key in field(prop_oneof![uuid(), any::<String>()]),
        raw in "[ -~]{0,30}",
        protocol in prop::sample::select(vec!["https:", "http:", "ftp:", "", "HTTPS:"]),
        hostname in prop_oneof![Just("localhost".to_string()), Just("127.0.0.1".to_string()), Just("[::1]".to_string()), "[a-z0-9.\\-\\[\\]:]{0,20}"],
        pathname in "/[ -~]{0,10}",
        credentials in any::<bool>(),
        parsed in any::<bool>(),
        timeout in field(any_f64()),
    ) {
        let secret = match &api_key { Field::Value(k) => k.clone(), _ => String::new() };
        let url = BaseUrl {
            raw: raw.clone(),
            parsed: parsed.then(|| UrlParts {
                protocol: protocol.into(),
                credentials,
                hostname: hostname.clone(),
                host: hostname.clone(),
                pathname,
            }),
        };
        let result = RequestConfig::parse(RawRequestConfig {
            client_account_id: account,
            key_id,
            api_key: match api_key { Field::Value(k) => Field::Value(Secret::from(k)), Field::Missing => Field::Missing, Field::WrongType => Field::WrongType },
            base_url: Field::Value(url),
            timeout_ms: timeout,
        });
        match result {
            Ok(config) => {
                prop_assert!(config.base_url.starts_with("https://") || config.base_url.starts_with("http://"));
                if config.base_url.starts_with("http://") {
                    prop_assert!(["localhost", "127.0.0.1", "[::1]"].contains(&hostname.as_str()));
                }
                prop_assert!(config.timeout_ms >= 0.0 && config.timeout_ms.is_finite());
                let debug = format!("{:?}", config);
                prop_assert!(!debug.contains(&secret) || secret.len() < 4);
            }
            Err(e) => {
                prop_assert_eq!(e.code(), ErrorCode::InvalidOptions);
                if secret.len() >= 4 {
                    prop_assert!(!e.message().contains(&secret));
                }
            }
        }
    }

    /// Any answer is a token or an error with the code its status calls for; a token comes only
    /// from a 2xx, and a 4xx other than 429 is never retried.
    #[test]
    fn classification_is_total(status in any::<u16>(), retry_after in proptest::option::of(any::<String>()), body in body(), now in any_f64(), retry in 0u32..12, max in 0u32..11, random in 0.0..1.0f64) {
        let result = classify(Received { status, retry_after, body }, now, KEY);
        match &result {
            Ok(t) => {
                prop_assert!((200..300).contains(&status));
                prop_assert!(!t.token.is_empty() && t.token.bytes().all(|c| c.is_ascii_graphic()));
            }
            Err(e) => {
                let want = match status {
                    200..=299 => ErrorCode::InvalidResponse,
                    400 => ErrorCode::BadRequest,
                    401 | 403 => ErrorCode::Unauthorized,
                    429 => ErrorCode::RateLimited,
                    500..=599 => ErrorCode::ServerError,
                    _ => ErrorCode::UnexpectedStatus,
                };
                prop_assert_eq!(e.code(), want);
                let delay = retry_delay(e, retry, max, random);
                if (400..500).contains(&status) && status != 429 {
                    prop_assert_eq!(delay, None);
                }
                if let Some(d) = delay {
                    prop_assert!((0.0..=MAX_DELAY_MS).contains(&d), "{d}");
                    prop_assert!(retry < max);
                }
                if let Some(wait) = e.retry_after_ms() {
                    prop_assert!(wait >= 0.0 && wait.is_finite());
                }
                prop_assert!(!squeezed(&e.message()).contains(&squeezed(KEY)));
            }
        }
    }

    /// Retry-After never panics and never asks for a negative or infinite wait.
    #[test]
    fn retry_after_is_total(value in any::<String>(), now in any_f64(), seconds in 0u64..10_000_000_000) {
        if let Some(w) = parse_retry_after(&value, now) {
            prop_assert!(w >= 0.0 && w.is_finite());
        }
        prop_assert_eq!(parse_retry_after(&seconds.to_string(), now), Some(seconds as f64 * 1000.0));
    }

    /// Every spelling of the key is redacted, wherever it is in the text.
    #[test]
    fn every_spelling_is_redacted(key in uuid(), before in "[g-z ]{0,50}", after in "[g-z ]{0,50}", spelled in uuid().prop_flat_map(|k| spelling(&k).prop_map(move |s| (k.clone(), s)))) {
        let (spelled_key, s) = spelled;
        let text = format!("{before}{s}{after}");
        prop_assert!(!squeezed(&redact(&text, &spelled_key)).contains(&squeezed(&spelled_key)));
        prop_assert!(!squeezed(&clean(&text, &spelled_key)).contains(&squeezed(&spelled_key)));
        // Text without the key is left as it is (by redact), and capped (by clean).
        prop_assert_eq!(redact(&format!("{before}{after}"), &key), format!("{before}{after}"));
        prop_assert!(clean(&text, &key).chars().count() <= 301);
    }

    /// The local window never lets more than `limit` requests into any window of the client's
    /// time, even when the clock it reads steps back.
    #[test]
    fn the_quota_window_holds(limit in 1u32..12, window in 1.0..5_000.0f64, steps in proptest::collection::vec(-200.0..400.0f64, 1..200)) {
        let mut q = Quota::new(limit, window);
        let mut clock = Monotonic::default();
        let mut raw = 1_000_000.0;
        let mut sent: Vec<f64> = Vec::new();
        for step in steps {
            raw += step;
            let now = clock.read(raw);
            if q.acquire(now).is_ok() {
                sent.push(now);
            }
            for &t in &sent {
                let inside = sent.iter().filter(|&&s| s >= t && s < t + window).count();
                prop_assert!(inside <= limit as usize, "{inside} requests in the window from {t}");
            }
            let snap = q.snapshot(now);
            prop_assert!(snap.used <= limit && snap.used + snap.remaining == limit);
        }
    }

    /// A stored (fleet) window never counts more than `limit` in any window either.
    #[test]
    fn the_fleet_window_holds(limit in 1u32..12, window in 1.0..5_000.0f64, steps in proptest::collection::vec(0.0..400.0f64, 1..150)) {
        let mut stored: Vec<f64> = Vec::new();
        let mut now = 0.0;
        let mut counted = Vec::new();
        for step in steps {
            now += step;
            let (wait, next) = lease::reserve(&stored, limit, window, now);
            if wait == 0.0 {
                counted.push(now);
            } else {
                prop_assert!(wait > 0.0 && wait <= window);
            }
            stored = next;
            prop_assert!(stored.len() <= limit as usize);
        }
        for &t in &counted {
            prop_assert!(counted.iter().filter(|&&s| s >= t && s < t + window).count() <= limit as usize);
        }
    }

    /// A cached token is never served at or after expiry (nor within the must-wait margin).
    #[test]
    fn never_serves_an_expired_token(refresh in 0.0..1_800_000.0f64, expires in 0.0..1e7f64, random in 0.0..1.0f64, now in -1e7..2e7f64, in_flight in any::<bool>(), failed_at in proptest::option::of(0.0..2e7f64)) {
        let mut c = CacheClock::new(refresh);
        c.adopt(expires, random);
        if let Some(t) = failed_at {
            c.failed(t, true);
        }
        match c.decide(now, in_flight) {
            Action::Serve | Action::ServeAndRefresh => prop_assert!(now < expires - MUST_WAIT_MS),
            Action::Wait => {}
        }
        if now < c.fresh_until() {
            prop_assert_eq!(c.decide(now, in_flight), Action::Serve);
        }
        if c.decide(now, true) == Action::ServeAndRefresh {
            prop_assert!(false, "a second refresh while one is in flight");
        }
    }
}

#[test]
fn retryable_codes_are_exactly_the_transient_ones() {
    let up = |status| Upstream {
        status,
        ..Upstream::default()
    };
    for (e, retried) in [
        (Error::Network("x".into()), true),
        (Error::Timeout(1.0), true),
        (Error::ServerError(up(503)), true),
        (Error::RateLimited(up(429), None), true),
        (Error::BadRequest(up(400)), false),
        (Error::Unauthorized(up(401)), false),
        (Error::InvalidResponse(200, "x"), false),
    ] {
        assert_eq!(retry_delay(&e, 0, 1, 0.5).is_some(), retried, "{e:?}");
    }
}
