//! Fleet coordination through a store: the lease that lets one client of many mint, the
//! polling of the others, and the fleet's quota window as a list of request times (for stores
//! that keep it as a value, such as the file store and the broker).

use super::quota::Quota;

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

/// Whether `owner` may take a stored lease: it is free, its own, lapsed, or not a lease any
/// client wrote (an expiry that is not a time within [`MAX_LEASE_MS`] from now: a corrupt
/// entry must not block a fleet).
pub fn claimable(holder: Option<&str>, expires_at: f64, owner: &str, now: f64) -> bool {
    match holder {
        None => true,
        Some(h) if h == owner => true,
        Some(_) => !(expires_at > now && expires_at <= now + MAX_LEASE_MS),
    }
}

/// Whether a mint still uses its store for the token and the lease: once one such call failed
/// (threw, rejected, timed out), they are left out for the rest of that mint, so a hung store
/// costs one timeout per mint rather than one per call. (Each request still asks the fleet's
/// quota window: that is what keeps a fleet inside the account's limit.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreHealth {
    failed: bool,
}

impl StoreHealth {
    /// Records the outcome of a store call.
    pub fn record<T, E>(&mut self, outcome: &Result<T, E>) {
        self.failed |= outcome.is_err();
    }

    /// Whether the store may be called again in this mint.
    pub fn usable(self) -> bool {
        !self.failed
    }
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
    fn a_failed_store_is_left_out_for_the_rest_of_the_mint() {
        let mut h = StoreHealth::default();
        assert!(h.usable());
        h.record(&Ok::<_, ()>(1));
        assert!(h.usable());
        h.record(&Err::<(), _>(()));
        h.record(&Ok::<_, ()>(1));
        assert!(!h.usable());
    }

    #[test]
    fn stored_leases() {
        assert!(claimable(None, 0.0, "a", 5.0));
        assert!(
            claimable(Some("a"), 1005.0, "a", 5.0),
            "the owner may renew"
        );
        assert!(!claimable(Some("b"), 1005.0, "a", 5.0), "held");
        assert!(claimable(Some("b"), 5.0, "a", 5.0), "lapsed");
        assert!(claimable(Some("b"), f64::NAN, "a", 5.0), "corrupt");
        assert!(
            claimable(Some("b"), 9e15, "a", 5.0),
            "longer than any lease"
        );
        assert!(!claimable(Some("b"), 5.0 + MAX_LEASE_MS, "a", 5.0));
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
