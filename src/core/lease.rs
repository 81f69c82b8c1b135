//! Fleet coordination through a store: the lease that lets one client of many mint, the
//! polling of the others, and the stored forms of a lease and of the fleet's quota window
//! (for stores that keep them as values, such as the file store and the broker).

use super::quota::Quota;
use serde::{Deserialize, Serialize};

/// The lease is `<store key>:lease`.
pub const LEASE_SUFFIX: &str = ":lease";
/// The fleet's quota window is `<store key>:quota`.
pub const QUOTA_SUFFIX: &str = ":quota";
/// Waiting clients look at the store again after 100 ms plus up to this much (jitter).
pub const POLL_MIN_MS: f64 = 100.0;
/// The jitter of a poll.
pub const POLL_SPREAD_MS: f64 = 150.0;
/// A lease never lasts longer than this, even for a client without a timeout.
pub const MAX_LEASE_MS: f64 = 120_000.0;

/// The lease's TTL: the holder's mint deadline (it gives up by then), at most [`MAX_LEASE_MS`].
pub fn lease_ttl_ms(mint_deadline_ms: f64) -> f64 {
    mint_deadline_ms.clamp(1.0, MAX_LEASE_MS).ceil()
}

/// How long a waiting client sleeps before it looks again; `random` is uniform in `[0, 1)`.
pub fn poll_delay_ms(random: f64) -> f64 {
    POLL_MIN_MS + POLL_SPREAD_MS * random.clamp(0.0, 1.0)
}

/// What a client that needs a token, and found none in the store, does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Mint; `holding` when this client holds the lease (and releases it afterwards).
    Mint {
        /// Whether this client holds the lease.
        holding: bool,
    },
    /// Someone else holds the lease: sleep, then look in the store (and claim again).
    Poll,
}

/// After a claim: the holder mints, the others poll; a store that failed (threw, rejected,
/// timed out) is left out, as if there were none.
pub fn after_claim(claim: Result<bool, ()>) -> Step {
    match claim {
        Ok(true) => Step::Mint { holding: true },
        Ok(false) => Step::Poll,
        Err(()) => Step::Mint { holding: false },
    }
}

/// After a poll that found no usable token: keep waiting while the lease can still be live
/// (its TTL since we began, and a poll's slack); after that, or when the store failed, mint
/// without it (a claim that never succeeds and never lapses must not hang callers).
pub fn after_empty_poll(waited_ms: f64, lease_ttl_ms: f64, store_failed: bool) -> Step {
    if store_failed || waited_ms >= lease_ttl_ms + POLL_MIN_MS + POLL_SPREAD_MS {
        Step::Mint { holding: false }
    } else {
        Step::Poll
    }
}

/// A lease as a store keeps it when it has no native set-if-absent with expiry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredLease {
    /// The holder's random id.
    pub owner: String,
    /// Epoch ms when it lapses.
    pub expires_at: f64,
}

/// A claim on a stored lease: the lease to store now if `owner` may take it (it is absent,
/// lapsed or unreadable), or `None` when someone else holds it.
pub fn claim(
    existing: Option<&StoredLease>,
    owner: &str,
    ttl_ms: f64,
    now: f64,
) -> Option<StoredLease> {
    let held = existing
        .is_some_and(|l| l.owner != owner && l.expires_at.is_finite() && l.expires_at > now);
    (!held).then(|| StoredLease {
        owner: owner.to_owned(),
        expires_at: now + ttl_ms.max(0.0),
    })
}

/// Whether a release by `owner` removes `existing` (only its own lease).
pub fn releases(existing: Option<&StoredLease>, owner: &str) -> bool {
    existing.is_some_and(|l| l.owner == owner)
}

/// A reservation in a stored window of request times: the window to store back and `0`
/// when the request is counted, or the ms until a slot frees (and the window unchanged but
/// pruned) when it is full.
pub fn reserve(entries: &[f64], limit: u32, window_ms: f64, now: f64) -> (f64, Vec<f64>) {
    let mut window = Quota::with_entries(limit, window_ms, entries.iter().copied());
    let wait = window.acquire(now).err().unwrap_or(0.0);
    (wait, window.entries().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_and_poll_delay() {
        assert_eq!(lease_ttl_ms(31_000.0), 31_000.0);
        assert_eq!(lease_ttl_ms(f64::INFINITY), MAX_LEASE_MS);
        assert_eq!(lease_ttl_ms(0.2), 1.0);
        assert_eq!(poll_delay_ms(0.0), 100.0);
        assert_eq!(poll_delay_ms(0.999_999), 100.0 + 150.0 * 0.999_999);
        assert_eq!(poll_delay_ms(7.0), 250.0);
    }

    #[test]
    fn the_holder_mints_the_others_poll_a_failed_store_is_left_out() {
        assert_eq!(after_claim(Ok(true)), Step::Mint { holding: true });
        assert_eq!(after_claim(Ok(false)), Step::Poll);
        assert_eq!(after_claim(Err(())), Step::Mint { holding: false });
        assert_eq!(after_empty_poll(100.0, 1000.0, false), Step::Poll);
        assert_eq!(
            after_empty_poll(100.0, 1000.0, true),
            Step::Mint { holding: false }
        );
        assert_eq!(after_empty_poll(1249.0, 1000.0, false), Step::Poll);
        assert_eq!(
            after_empty_poll(1250.0, 1000.0, false),
            Step::Mint { holding: false }
        );
    }

    #[test]
    fn stored_leases() {
        let a = claim(None, "a", 1000.0, 5.0).unwrap();
        assert_eq!(
            a,
            StoredLease {
                owner: "a".into(),
                expires_at: 1005.0
            }
        );
        assert_eq!(claim(Some(&a), "b", 1000.0, 1004.0), None, "held");
        assert!(claim(Some(&a), "b", 1000.0, 1005.0).is_some(), "lapsed");
        assert!(
            claim(Some(&a), "a", 1000.0, 6.0).is_some(),
            "the owner may renew"
        );
        let broken = StoredLease {
            owner: "c".into(),
            expires_at: f64::NAN,
        };
        assert!(claim(Some(&broken), "b", 1000.0, 0.0).is_some());
        assert!(releases(Some(&a), "a"));
        assert!(!releases(Some(&a), "b"));
        assert!(!releases(None, "a"));
        let json: StoredLease = serde_json::from_str(r#"{"owner":"x","expiresAt":12}"#).unwrap();
        assert_eq!(json.expires_at, 12.0);
    }

    #[test]
    fn stored_windows() {
        let (wait, w) = reserve(&[], 2, 1000.0, 10.0);
        assert_eq!((wait, w.clone()), (0.0, vec![10.0]));
        let (wait, w) = reserve(&w, 2, 1000.0, 20.0);
        assert_eq!((wait, w.clone()), (0.0, vec![10.0, 20.0]));
        let (wait, w2) = reserve(&w, 2, 1000.0, 30.0);
        assert_eq!((wait, w2), (980.0, vec![10.0, 20.0]));
        let (wait, w3) = reserve(&w, 2, 1000.0, 1010.0);
        assert_eq!((wait, w3), (0.0, vec![20.0, 1010.0]));
    }
}
