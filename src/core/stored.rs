//! The shared-store entry: its key and the checks a value read back must pass.

use super::request::percent_encode_into;
use alloc::string::String;

/// A store read waits at most this long; a hung store must not hang `getToken()`.
pub const STORE_READ_TIMEOUT_MS: f64 = 2_000.0;

/// `truecaller-token:v1:<clientAccountId>:<keyId>`.
pub fn store_key(client_account_id: &str, key_id: &str) -> String {
    let mut key = String::from("truecaller-token:v1:");
    percent_encode_into(&mut key, client_account_id);
    key.push(':');
    percent_encode_into(&mut key, key_id);
    key
}

/// Whether the fields of a stored `AccessToken` make a token worth using.
pub fn is_valid_entry(
    token: Option<&str>,
    created_at: Option<&str>,
    expires_at: Option<f64>,
) -> bool {
    token.is_some_and(|t| !t.is_empty() && t.bytes().all(|c| c.is_ascii_graphic()))
        && created_at.is_some()
        && expires_at.is_some_and(f64::is_finite)
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
    fn entry_checks() {
        assert!(is_valid_entry(Some("tok"), Some("c"), Some(1.0)));
        assert!(!is_valid_entry(None, Some("c"), Some(1.0)));
        assert!(!is_valid_entry(Some(""), Some("c"), Some(1.0)));
        assert!(!is_valid_entry(Some("a\nb"), Some("c"), Some(1.0)));
        assert!(!is_valid_entry(Some("t"), None, Some(1.0)));
        assert!(!is_valid_entry(Some("t"), Some("c"), None));
        assert!(!is_valid_entry(Some("t"), Some("c"), Some(f64::NAN)));
    }
}
