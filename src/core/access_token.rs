//! The token the client hands out, and what the rest of the API is built around.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How long a token is valid after it is received.
pub const TOKEN_LIFETIME_MS: f64 = 60.0 * 60.0 * 1000.0;

/// Expiry of a token received at `received_at`: our clock, not the server's `created_at`.
pub fn expires_at(received_at: f64) -> f64 {
    received_at + TOKEN_LIFETIME_MS
}

/// An access token: JS sees it as `{ token, createdAt, expiresAt }`, and stores hold its JSON.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    /// The bearer token: `Authorization: Bearer <token>`. A secret.
    pub token: String,
    /// The server's `created_at`, verbatim (the server's clock, which may disagree with ours).
    pub created_at: String,
    /// Epoch ms when it stops being valid: the local receive time + 60 minutes.
    pub expires_at: f64,
}

impl AccessToken {
    /// `Bearer <token>`.
    pub fn authorization(&self) -> String {
        let mut header = String::with_capacity(7 + self.token.len());
        header.push_str("Bearer ");
        header.push_str(&self.token);
        header
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"[redacted]")
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_and_debug() {
        let t = AccessToken {
            token: "tc_secret".into(),
            created_at: "2025-07-10T06:59:05.72Z".into(),
            expires_at: expires_at(1000.0),
        };
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"token":"tc_secret","createdAt":"2025-07-10T06:59:05.72Z","expiresAt":3601000.0}"#
        );
        assert_eq!(t.authorization(), "Bearer tc_secret");
        assert!(!format!("{t:?}").contains("tc_secret"));
    }
}
