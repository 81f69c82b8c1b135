//! The HTTP request of "Generate Access Token": URL, headers and exact JSON body.

use super::options::RequestConfig;
use std::string::String;

/// Headers sent with every token request, in order.
pub const HEADERS: [(&str, &str); 3] = [
    ("content-type", "application/json"),
    ("accept", "application/json"),
    ("x-public-access", "allow"),
];

/// `{base}/clients/{clientAccountId}/token`, the id percent-encoded.
pub fn token_url(o: &RequestConfig) -> String {
    let mut url = String::with_capacity(o.base_url.len() + o.client_account_id.len() + 16);
    url.push_str(&o.base_url);
    url.push_str("/clients/");
    percent_encode_into(&mut url, &o.client_account_id);
    url.push_str("/token");
    url
}

/// `{"key_id":"…","api_key":"…"}`; both values are validated UUIDs, so no escaping is needed.
pub fn token_body(o: &RequestConfig) -> String {
    let mut body = String::with_capacity(96);
    body.push_str("{\"key_id\":\"");
    body.push_str(&o.key_id);
    body.push_str("\",\"api_key\":\"");
    body.push_str(o.api_key.expose());
    body.push_str("\"}");
    body
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::options::{BaseUrl, Field, RawRequestConfig, Secret, UrlParts};

    fn opts((protocol, host, pathname): (&str, &str, &str)) -> RequestConfig {
        let base = BaseUrl {
            raw: format!("{protocol}//{host}{pathname}"),
            parsed: Some(UrlParts {
                protocol: protocol.into(),
                credentials: false,
                hostname: host.split(':').next().unwrap().into(),
                host: host.into(),
                pathname: pathname.into(),
            }),
        };
        RequestConfig::parse(RawRequestConfig {
            client_account_id: Field::Value("9F3C2F5E-7a4b-4c1d-8e2f-0a1b2c3d4e5f".into()),
            key_id: Field::Value("11111111-2222-4333-8444-555555555555".into()),
            api_key: Field::Value(Secret::from(
                "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee".to_string(),
            )),
            base_url: Field::Value(base),
            timeout_ms: Field::Missing,
        })
        .unwrap()
    }

    #[test]
    fn url_joins_base_path_and_account() {
        assert_eq!(
            token_url(&opts(("https:", "example.com", "/"))),
            "https://example.com/clients/9F3C2F5E-7a4b-4c1d-8e2f-0a1b2c3d4e5f/token"
        );
        assert_eq!(
            token_url(&opts(("http:", "127.0.0.1:8787", "/relay/"))),
            "http://127.0.0.1:8787/relay/clients/9F3C2F5E-7a4b-4c1d-8e2f-0a1b2c3d4e5f/token"
        );
    }

    #[test]
    fn body_is_exact_json() {
        assert_eq!(
            token_body(&opts(("https:", "example.com", "/"))),
            r#"{"key_id":"11111111-2222-4333-8444-555555555555","api_key":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"}"#
        );
    }

    #[test]
    fn percent_encoding() {
        let mut s = String::new();
        percent_encode_into(&mut s, "a/b c?é-_.~");
        assert_eq!(s, "a%2Fb%20c%3F%C3%A9-_.~");
    }

    #[test]
    fn public_access_header_is_sent() {
        assert!(HEADERS.contains(&("x-public-access", "allow")));
    }
}
