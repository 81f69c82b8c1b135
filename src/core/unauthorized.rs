//! What a 401 from an API a token was used for (`TokenClient.fetch`) does to that token.

/// The answer to a 401 on a request sent with a given token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After401 {
    /// The token was already replaced (or forgotten) by another caller: send again with the
    /// current one.
    Resend,
    /// Mint a new token (the one used stays until it is in hand), send again with it.
    Renew,
    /// A mint is under way: wait for its token (at no cost), send again with it.
    Join,
    /// Hand the 401 back and keep the token: it was itself minted after a 401 (the API
    /// refuses the request, not the token), or no request slot is free (a new token could not
    /// be had, and the one we have may still serve other calls).
    Keep,
}

/// Decides for a 401 on a request sent with `used`, given the cached token, the token minted
/// after the last 401 (if any), the free slots in the quota window and whether a mint is
/// under way. A token costs at most one re-mint for 401s, so an API that refuses every
/// request cannot drain the quota.
pub fn after_401(
    used: &str,
    cached: Option<&str>,
    minted_after_401: Option<&str>,
    free_slots: u32,
    mint_pending: bool,
) -> After401 {
    if cached != Some(used) {
        After401::Resend
    } else if mint_pending {
        After401::Join
    } else if minted_after_401 == Some(used) || free_slots == 0 {
        After401::Keep
    } else {
        After401::Renew
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_token_is_renewed_once_then_kept() {
        assert_eq!(after_401("a", Some("a"), None, 3, false), After401::Renew);
        // "b" was minted because "a" got a 401; a 401 on "b" is the API's answer, not the token's.
        assert_eq!(
            after_401("b", Some("b"), Some("b"), 3, false),
            After401::Keep
        );
        // A later token (a regular refresh) may be renewed again.
        assert_eq!(
            after_401("c", Some("c"), Some("b"), 3, false),
            After401::Renew
        );
    }

    #[test]
    fn a_token_already_replaced_is_not_renewed_again() {
        assert_eq!(after_401("a", Some("b"), None, 3, false), After401::Resend);
        assert_eq!(after_401("a", None, None, 3, false), After401::Resend);
        // Even the token minted after a 401: a newer one is cached, send again with it.
        assert_eq!(
            after_401("b", Some("c"), Some("b"), 3, false),
            After401::Resend
        );
        assert_eq!(
            after_401("b", Some("c"), Some("b"), 0, false),
            After401::Resend
        );
    }

    #[test]
    fn a_mint_under_way_is_joined_whatever_the_slots() {
        // Another caller's 401 started a renewal that took the last slot: join it.
        assert_eq!(after_401("a", Some("a"), None, 0, true), After401::Join);
        assert_eq!(
            after_401("b", Some("b"), Some("b"), 0, true),
            After401::Join
        );
        assert_eq!(after_401("a", Some("z"), None, 0, true), After401::Resend);
    }

    #[test]
    fn with_no_free_slot_the_token_is_kept() {
        assert_eq!(after_401("a", Some("a"), None, 0, false), After401::Keep);
        assert_eq!(
            after_401("a", Some("a"), Some("z"), 0, false),
            After401::Keep
        );
    }
}
