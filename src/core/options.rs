//! Validation of the options of `requestToken`: ids, API key, base URL, timeout.

use super::error::{Error, Result};
use super::text::is_whole;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// The production endpoint's origin.
pub const DEFAULT_BASE_URL: &str = "https://enterprise-portal-noneu.truecaller.com";
/// Default `timeoutMs`.
pub const DEFAULT_TIMEOUT_MS: f64 = 10_000.0;
/// The largest delay a JS timer accepts (2^31 - 1 ms).
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// One option as read from a JS object, before validation.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Field<T> {
    /// `undefined` or `null`.
    #[default]
    Missing,
    /// A value of the expected JS type.
    Value(T),
    /// A value of another JS type.
    WrongType,
}

/// A value of `T` deserializes as `Value`, `null` and `undefined` as `Missing`, and
/// anything else as `WrongType` (never an error, so each option gets its own message).
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct FieldVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for FieldVisitor<T> {
            type Value = Field<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an option value")
            }
            fn visit_none<E: de::Error>(self) -> std::result::Result<Field<T>, E> {
                Ok(Field::Missing)
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Field<T>, E> {
                Ok(Field::Missing)
            }
            fn visit_some<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> std::result::Result<Field<T>, D::Error> {
                Ok(T::deserialize(d).map_or(Field::WrongType, Field::Value))
            }
        }
        d.deserialize_option(FieldVisitor(std::marker::PhantomData))
    }
}

/// A string that must never be printed: the API key.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl Secret {
    /// The secret itself, for the request body and for redaction.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The options of `requestToken` as read from JS.
#[derive(Clone, Debug)]
pub struct RawRequestConfig {
    /// `clientAccountId`.
    pub client_account_id: Field<String>,
    /// `keyId`.
    pub key_id: Field<String>,
    /// `apiKey`.
    pub api_key: Field<Secret>,
    /// `baseUrl`.
    pub base_url: Field<BaseUrl>,
    /// `timeoutMs`.
    pub timeout_ms: Field<f64>,
}

/// Validated options of one token request.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestConfig {
    /// The client account UUID (path parameter).
    pub client_account_id: String,
    /// The key UUID (`key_id`).
    pub key_id: String,
    /// The API key UUID (`api_key`).
    pub api_key: Secret,
    /// The base URL, without trailing slashes.
    pub base_url: String,
    /// The timeout in ms; 0 means none.
    pub timeout_ms: f64,
}

impl RequestConfig {
    /// Validates every option; the first problem found is reported.
    pub fn parse(raw: RawRequestConfig) -> Result<Self> {
        Self::parse_ref(&raw)
    }

    /// [`RequestConfig::parse`] of borrowed options: only the validated strings are copied.
    pub fn parse_ref(raw: &RawRequestConfig) -> Result<Self> {
        let client_account_id = uuid_field("clientAccountId", &raw.client_account_id)?;
        let key_id = uuid_field("keyId", &raw.key_id)?;
        let api_key = match &raw.api_key {
            Field::Value(s) if is_uuid(s.expose()) => s.clone(),
            Field::Missing => return Err(invalid("apiKey", " is required")),
            _ => {
                return Err(invalid(
                    "apiKey",
                    " must be a UUID string (8-4-4-4-12 hex digits)",
                ))
            }
        };
        let base_url = match &raw.base_url {
            Field::Missing => DEFAULT_BASE_URL.to_owned(),
            Field::Value(url) => normalize_base_url(url)?,
            Field::WrongType => return Err(invalid("baseUrl", " must be a string")),
        };
        let timeout_ms = number_field(
            "timeoutMs",
            raw.timeout_ms.clone(),
            DEFAULT_TIMEOUT_MS,
            0.0,
            MAX_TIMER_MS,
        )?;
        Ok(RequestConfig {
            client_account_id,
            key_id,
            api_key,
            base_url,
            timeout_ms,
        })
    }
}

pub(crate) fn invalid(field: &str, what: &str) -> Error {
    let mut m = String::with_capacity(field.len() + what.len());
    m.push_str(field);
    m.push_str(what);
    Error::InvalidOptions(m)
}

fn uuid_field(name: &str, field: &Field<String>) -> Result<String> {
    match field {
        // The value is never echoed: a secret pasted into the wrong field must not leak.
        Field::Value(s) if is_uuid(s) => Ok(s.clone()),
        Field::Missing => Err(invalid(name, " is required")),
        _ => Err(invalid(
            name,
            " must be a UUID string (8-4-4-4-12 hex digits)",
        )),
    }
}

/// Reads an optional number in `[min, max]`, or its default when missing.
pub fn number_field(
    name: &str,
    field: Field<f64>,
    default: f64,
    min: f64,
    max: f64,
) -> Result<f64> {
    match field {
        Field::Missing => Ok(default),
        Field::Value(n) if n.is_finite() && n >= min && n <= max => Ok(n),
        _ => {
            let mut what = String::from(" must be a number from ");
            super::error::push_uint(&mut what, min as u64);
            what.push_str(" to ");
            super::error::push_uint(&mut what, max as u64);
            Err(invalid(name, &what))
        }
    }
}

/// Reads an optional whole number in `[min, max]`, or its default when missing.
pub fn integer_field(
    name: &str,
    field: Field<f64>,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32> {
    let n = number_field(
        name,
        field,
        f64::from(default),
        f64::from(min),
        f64::from(max),
    )?;
    if !is_whole(n) {
        return Err(invalid(name, " must be a whole number"));
    }
    Ok(n as u32)
}

/// `8-4-4-4-12` hexadecimal digits, either case.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A `baseUrl` string and the platform's parse of it (JS `new URL`): URL syntax is the
/// WHATWG parser's, as JSON syntax is `JSON.parse`'s; the rules below are ours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    /// The string as given.
    pub raw: String,
    /// Its parse, or `None` when it is not an absolute URL.
    pub parsed: Option<UrlParts>,
}

/// The parts of a parsed URL that the rules look at.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct UrlParts {
    /// `protocol`, e.g. `"https:"`.
    pub protocol: String,
    /// Whether `username` or `password` is non-empty.
    pub credentials: bool,
    /// `hostname`, lowercased, IPv4 in dotted decimal, IPv6 in brackets.
    pub hostname: String,
    /// `host`: the hostname and a non-default port.
    pub host: String,
    /// `pathname`, at least `"/"`.
    pub pathname: String,
}

/// Checks a base URL (https, or http to a loopback host) and trims trailing slashes.
pub fn normalize_base_url(url: &BaseUrl) -> Result<String> {
    let bad = |what: &str| invalid("baseUrl", what);
    // The parser would quietly fix these up; we refuse them instead.
    if url
        .raw
        .bytes()
        .any(|c| c <= b' ' || c == b'\\' || c >= 0x7f)
    {
        return Err(bad(
            " must not contain spaces, backslashes or non-ASCII characters",
        ));
    }
    if url.raw.bytes().any(|c| c == b'?' || c == b'#') {
        return Err(bad(" must not have a query or fragment"));
    }
    let Some(p) = &url.parsed else {
        return Err(bad(" must be an absolute https:// URL"));
    };
    let https = match p.protocol.as_str() {
        "https:" => true,
        "http:" => false,
        _ => return Err(bad(" must be an absolute https:// URL")),
    };
    if p.credentials {
        return Err(bad(" must not contain credentials"));
    }
    if !https && !is_loopback(&p.hostname) {
        return Err(bad(
            " must use https (plain http is allowed only for localhost, 127.0.0.0/8 and [::1])",
        ));
    }
    let trimmed = p
        .pathname
        .bytes()
        .rposition(|c| c != b'/')
        .map_or(0, |i| i + 1);
    let mut out = String::with_capacity(url.raw.len());
    out.push_str(&p.protocol);
    out.push_str("//");
    out.push_str(&p.host);
    out.push_str(p.pathname.get(..trimmed).unwrap_or_default());
    Ok(out)
}

fn is_loopback(hostname: &str) -> bool {
    if hostname == "localhost" || hostname == "[::1]" {
        return true;
    }
    // 127.0.0.0/8: four decimal octets (the parser has normalized IPv4 forms), the first 127.
    let mut octets = 0;
    for (i, part) in hostname.as_bytes().split(|&c| c == b'.').enumerate() {
        // One to three ASCII digits (bytes: no UTF-8 validation needed).
        let n = ((1..=3).contains(&part.len()) && part.iter().all(u8::is_ascii_digit))
            .then(|| part.iter().fold(0, |n, c| n * 10 + u32::from(c - b'0')));
        match n {
            Some(n) if n <= 255 && (i != 0 || n == 127) => octets += 1,
            _ => return false,
        }
    }
    octets == 4
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f";
    const KEY: &str = "11111111-2222-4333-8444-555555555555";
    const API_KEY: &str = "AAAAAAAA-bbbb-4ccc-8ddd-eeeeeeeeeeee";

    fn raw() -> RawRequestConfig {
        RawRequestConfig {
            client_account_id: Field::Value(ACCOUNT.into()),
            key_id: Field::Value(KEY.into()),
            api_key: Field::Value(Secret(API_KEY.into())),
            base_url: Field::Missing,
            timeout_ms: Field::Missing,
        }
    }

    fn err(r: RawRequestConfig) -> String {
        match RequestConfig::parse(r) {
            Err(Error::InvalidOptions(m)) => m,
            other => panic!("expected invalid_options, got {other:?}"),
        }
    }

    #[test]
    fn defaults_apply() {
        let o = RequestConfig::parse(raw()).unwrap();
        assert_eq!(o.base_url, DEFAULT_BASE_URL);
        assert_eq!(o.timeout_ms, 10_000.0);
        assert_eq!(o.api_key.expose(), API_KEY);
    }

    #[test]
    fn uuids_are_checked_without_echoing_values() {
        for bad in [
            "",
            "not-a-uuid",
            "9f3c2f5e7a4b4c1d8e2f0a1b2c3d4e5f",
            "9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5g",
            "9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f0",
        ] {
            let mut r = raw();
            r.key_id = Field::Value(bad.into());
            let m = err(r);
            assert_eq!(m, "keyId must be a UUID string (8-4-4-4-12 hex digits)");
        }
        let mut r = raw();
        r.client_account_id = Field::Missing;
        assert_eq!(err(r), "clientAccountId is required");
        let mut r = raw();
        r.client_account_id = Field::WrongType;
        assert!(err(r).starts_with("clientAccountId must be"));
        let mut r = raw();
        r.api_key = Field::Value(Secret("secret-but-not-a-uuid".into()));
        let m = err(r);
        assert!(!m.contains("secret"), "{m}");
        assert!(m.starts_with("apiKey must be"));
        let mut r = raw();
        r.api_key = Field::Missing;
        assert_eq!(err(r), "apiKey is required");
    }

    /// A base URL as `new URL(raw)` parses it (hostname and host given; both lowercased).
    fn url(raw: &str, protocol: &str, host: &str, pathname: &str) -> BaseUrl {
        BaseUrl {
            raw: raw.into(),
            parsed: Some(UrlParts {
                protocol: protocol.into(),
                credentials: false,
                hostname: host
                    .rsplit_once(':')
                    .filter(|(h, _)| !h.ends_with(':'))
                    .map_or(host, |(h, _)| h)
                    .into(),
                host: host.into(),
                pathname: pathname.into(),
            }),
        }
    }

    #[test]
    fn base_url_rules() {
        let ok = [
            (
                url("https://example.com", "https:", "example.com", "/"),
                "https://example.com",
            ),
            (
                url("HTTPS://Example.COM//", "https:", "example.com", "//"),
                "https://example.com",
            ),
            (
                url("https://e.com/prefix/", "https:", "e.com", "/prefix/"),
                "https://e.com/prefix",
            ),
            (
                url("https://e.com:8443", "https:", "e.com:8443", "/"),
                "https://e.com:8443",
            ),
            (
                url("http://localhost:8787", "http:", "localhost:8787", "/"),
                "http://localhost:8787",
            ),
            (
                url("http://127.0.0.1:9/", "http:", "127.0.0.1:9", "/"),
                "http://127.0.0.1:9",
            ),
            (
                url("http://127.255.3.4", "http:", "127.255.3.4", "/"),
                "http://127.255.3.4",
            ),
            (
                url("http://[::1]:8080/x", "http:", "[::1]:8080", "/x"),
                "http://[::1]:8080/x",
            ),
        ];
        for (input, want) in ok {
            assert_eq!(normalize_base_url(&input).unwrap(), want, "{}", input.raw);
        }
        let message = |u: &BaseUrl| match normalize_base_url(u) {
            Err(Error::InvalidOptions(m)) => m,
            other => panic!("{}: {other:?}", u.raw),
        };
        for (input, why) in [
            (
                url("http://example.com", "http:", "example.com", "/"),
                "must use https",
            ),
            (
                url("http://128.0.0.1", "http:", "128.0.0.1", "/"),
                "must use https",
            ),
            (
                url(
                    "http://127.0.0.1.evil.com",
                    "http:",
                    "127.0.0.1.evil.com",
                    "/",
                ),
                "must use https",
            ),
            (
                url(
                    "http://localhost.evil.com",
                    "http:",
                    "localhost.evil.com",
                    "/",
                ),
                "must use https",
            ),
            (
                url("http://127.0.0", "http:", "127.0.0", "/"),
                "must use https",
            ),
            (
                url("ftp://example.com", "ftp:", "example.com", "/"),
                "must be an absolute https:// URL",
            ),
            (
                BaseUrl {
                    raw: "example.com".into(),
                    parsed: None,
                },
                "must be an absolute https:// URL",
            ),
            (
                url("https://e.com?x=1", "https:", "e.com", "/"),
                "must not have a query or fragment",
            ),
            (
                url("https://e.com/#f", "https:", "e.com", "/"),
                "must not have a query or fragment",
            ),
            (
                url("https://exa mple.com", "https:", "exa%20mple.com", "/"),
                "must not contain spaces",
            ),
            (
                url("https://e.com\\x", "https:", "e.com", "/x"),
                "must not contain spaces, backslashes",
            ),
            (
                url("https://\u{e9}.com", "https:", "xn--9ca.com", "/"),
                "non-ASCII",
            ),
        ] {
            let m = message(&input);
            assert!(
                m.starts_with("baseUrl ") && m.contains(why),
                "{}: {m}",
                input.raw
            );
        }
        let mut with_credentials = url("https://u:p@e.com", "https:", "e.com", "/");
        with_credentials.parsed.as_mut().unwrap().credentials = true;
        assert_eq!(
            message(&with_credentials),
            "baseUrl must not contain credentials"
        );
        let mut r = raw();
        r.base_url = Field::WrongType;
        assert_eq!(err(r), "baseUrl must be a string");
    }

    #[test]
    fn timeout_rules() {
        for bad in [-1.0, f64::NAN, f64::INFINITY, 3e9] {
            let mut r = raw();
            r.timeout_ms = Field::Value(bad);
            assert_eq!(err(r), "timeoutMs must be a number from 0 to 2147483647");
        }
        let mut r = raw();
        r.timeout_ms = Field::WrongType;
        assert!(err(r).starts_with("timeoutMs must be"));
        let mut r = raw();
        r.timeout_ms = Field::Value(0.0);
        assert_eq!(RequestConfig::parse(r).unwrap().timeout_ms, 0.0);
    }

    #[test]
    fn integers_reject_fractions() {
        assert_eq!(
            integer_field("maxRetries", Field::Value(2.0), 1, 0, 10).unwrap(),
            2
        );
        assert_eq!(
            integer_field("maxRetries", Field::Missing, 1, 0, 10).unwrap(),
            1
        );
        assert!(integer_field("maxRetries", Field::Value(1.5), 1, 0, 10).is_err());
        assert!(integer_field("maxRetries", Field::Value(11.0), 1, 0, 10).is_err());
    }

    #[test]
    fn fields_deserialize_without_errors() {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Options {
            #[serde(default)]
            key_id: Field<String>,
            #[serde(default)]
            timeout_ms: Field<f64>,
            #[serde(default)]
            api_key: Field<Secret>,
        }
        let o: Options =
            serde_json::from_str(r#"{"keyId":5,"timeoutMs":null,"apiKey":"k"}"#).unwrap();
        assert_eq!(o.key_id, Field::WrongType);
        assert_eq!(o.timeout_ms, Field::Missing);
        assert_eq!(o.api_key, Field::Value(Secret("k".into())));
        let o: Options = serde_json::from_str(r#"{"timeoutMs":"100"}"#).unwrap();
        assert_eq!((o.key_id, o.timeout_ms), (Field::Missing, Field::WrongType));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let o = RequestConfig::parse(raw()).unwrap();
        let d = format!("{o:?}");
        assert!(!d.contains(API_KEY), "{d}");
        assert!(d.contains("[redacted]"));
        assert!(!format!("{:?}", raw()).contains(API_KEY));
    }
}
