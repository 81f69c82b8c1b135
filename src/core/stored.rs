//! The shared-store entry: its key, and the checks a value read back must pass.

use super::access_token::AccessToken;
use super::request::percent_encode_into;
use super::wire::{Member, Number, StoredEntry};

/// A store read waits at most this long; a hung store must not hang `getToken()`.
pub const STORE_READ_TIMEOUT_MS: f64 = 2_000.0;

/// `truecaller-token:v1:<clientAccountId>:<keyId>`, the UUIDs in lower case: clients of one
/// account configured in either case share one entry, one lease and one quota window.
pub fn store_key(client_account_id: &str, key_id: &str) -> String {
    let mut key = String::from("truecaller-token:v1:");
    percent_encode_into(&mut key, &client_account_id.to_ascii_lowercase());
    key.push(':');
    percent_encode_into(&mut key, &key_id.to_ascii_lowercase());
    key
}

/// The `AccessToken` of a stored entry, when its fields make a token worth using.
pub fn entry_token(entry: StoredEntry) -> Option<AccessToken> {
    match entry {
        StoredEntry {
            token: Member::Str(token),
            created_at: Member::Str(created_at),
            expires_at: Number::Value(expires_at),
            ..
        } if !token.is_empty()
            && token.bytes().all(|c| c.is_ascii_graphic())
            && expires_at.is_finite() =>
        {
            Some(AccessToken {
                token,
                created_at,
                expires_at,
            })
        }
        _ => None,
    }
}

/// The TTL to store a token with: the time to its expiry, in whole ms, at least 0.
pub fn ttl_ms(expires_at: f64, now: f64) -> f64 {
    (expires_at - now).max(0.0).floor()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_format() {
        assert_eq!(
            store_key("9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f", "11111111-2222-4333-8444-555555555555"),
            "truecaller-token:v1:9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f:11111111-2222-4333-8444-555555555555"
        );
    }

    #[test]
    fn one_key_for_an_account_in_either_case() {
        assert_eq!(
            store_key(
                "9F3C2F5E-7A4B-4C1D-8E2F-0A1B2C3D4E5F",
                "ABCDEF11-2222-4333-8444-555555555555"
            ),
            store_key(
                "9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f",
                "abcdef11-2222-4333-8444-555555555555"
            ),
        );
    }

    fn entry(json: &str) -> Option<AccessToken> {
        entry_token(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn entry_checks() {
        let ok = entry(r#"{"token":"tok","createdAt":"c","expiresAt":1.5}"#).unwrap();
        assert_eq!((ok.token.as_str(), ok.expires_at), ("tok", 1.5));
        for bad in [
            r#"{"createdAt":"c","expiresAt":1}"#,
            r#"{"token":"","createdAt":"c","expiresAt":1}"#,
            r#"{"token":"a\nb","createdAt":"c","expiresAt":1}"#,
            r#"{"token":"t","expiresAt":1}"#,
            r#"{"token":"t","createdAt":"c"}"#,
            r#"{"token":"t","createdAt":"c","expiresAt":"soon"}"#,
            r#"{"token":7,"createdAt":"c","expiresAt":1}"#,
        ] {
            assert_eq!(entry(bad), None, "{bad}");
        }
    }

    #[test]
    fn ttl() {
        assert_eq!(ttl_ms(10_500.7, 500.0), 10_000.0);
        assert_eq!(ttl_ms(5.0, 10.0), 0.0);
    }
}
