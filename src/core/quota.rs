//! The sliding window of requests sent to the token endpoint (10 per 30 minutes upstream).

use serde::Serialize;
use std::collections::VecDeque;

/// Default number of requests allowed per window.
pub const DEFAULT_LIMIT: u32 = 10;
/// Default window length in ms (30 minutes).
pub const DEFAULT_WINDOW_MS: f64 = 30.0 * 60.0 * 1000.0;

/// Counts every request that may have reached the server, successful or not.
#[derive(Clone, Debug)]
pub struct Quota {
    limit: u32,
    window_ms: f64,
    sent: VecDeque<f64>,
}

/// A snapshot for `TokenClient.quota()`: JS sees `{ limit, windowMs, used, remaining, resetAt }`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaSnapshot {
    /// Requests allowed per window.
    pub limit: u32,
    /// Window length in ms.
    pub window_ms: f64,
    /// Requests in the current window.
    pub used: u32,
    /// `limit - used`.
    pub remaining: u32,
    /// When the oldest counted request leaves the window.
    pub reset_at: Option<f64>,
}

impl Quota {
    /// An empty window.
    pub fn new(limit: u32, window_ms: f64) -> Self {
        Quota {
            limit,
            window_ms,
            sent: VecDeque::new(),
        }
    }

    fn prune(&mut self, now: f64) {
        while self
            .sent
            .front()
            .is_some_and(|&t| t + self.window_ms <= now)
        {
            self.sent.pop_front();
        }
    }

    /// Takes a slot for a request about to be sent, or returns the wait in ms until one frees.
    pub fn acquire(&mut self, now: f64) -> Result<(), f64> {
        self.prune(now);
        if self.sent.len() < self.limit as usize {
            self.sent.push_back(now);
            return Ok(());
        }
        let oldest = self.sent.front().copied().unwrap_or(now);
        Err((oldest + self.window_ms - now).max(0.0))
    }

    /// Gives back the slot taken at `at` (a request that was not sent after all: the
    /// fleet's window refused it).
    pub fn refund(&mut self, at: f64) {
        if let Some(i) = self.sent.iter().rposition(|&t| t == at) {
            self.sent.remove(i);
        }
    }

    /// Moves the slot taken at `at` to `now` (when later): the request went out only then (a
    /// slow fleet store was asked in between), and the window must not forget it early.
    pub fn restamp(&mut self, at: f64, now: f64) {
        if now > at {
            if let Some(i) = self.sent.iter().rposition(|&t| t == at) {
                self.sent.remove(i);
                let after = self
                    .sent
                    .iter()
                    .rposition(|&t| t <= now)
                    .map_or(0, |i| i + 1);
                self.sent.insert(after, now);
            }
        }
    }

    /// A window holding the request times `sent` (a store's copy of the fleet window).
    pub fn with_entries(limit: u32, window_ms: f64, sent: impl IntoIterator<Item = f64>) -> Self {
        // Kept in order by insertion (a stored window is short and almost always in order
        // already; a general sort would cost the .wasm several KB).
        let mut ordered = VecDeque::new();
        for t in sent.into_iter().filter(|t| t.is_finite()) {
            let at = ordered.iter().rposition(|&o| o <= t).map_or(0, |i| i + 1);
            ordered.insert(at, t);
        }
        Quota {
            limit,
            window_ms,
            sent: ordered,
        }
    }

    /// The request times in the window (after [`Quota::acquire`] or [`Quota::snapshot`]
    /// pruned the old ones), oldest first.
    pub fn entries(&self) -> impl Iterator<Item = f64> + '_ {
        self.sent.iter().copied()
    }

    /// The current state of the window.
    pub fn snapshot(&mut self, now: f64) -> QuotaSnapshot {
        self.prune(now);
        let used = self.sent.len() as u32;
        QuotaSnapshot {
            limit: self.limit,
            window_ms: self.window_ms,
            used,
            remaining: self.limit.saturating_sub(used),
            reset_at: self.sent.front().map(|t| t + self.window_ms),
        }
    }
}

/// The wait a fleet's window answered for a reservation asked at `asked_at`, from `now`: the
/// store reckoned from the time we sent with the call, and the call took a while (a busy lock,
/// a slow network).
pub fn wait_from(wait: f64, asked_at: f64, now: f64) -> f64 {
    (wait - (now - asked_at).max(0.0)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_window_refuses_until_the_oldest_leaves() {
        let mut q = Quota::new(10, 1_800_000.0);
        for i in 0..10 {
            assert_eq!(q.acquire(f64::from(i) * 1000.0), Ok(()));
        }
        assert_eq!(q.acquire(60_000.0), Err(1_800_000.0 - 60_000.0));
        let s = q.snapshot(60_000.0);
        assert_eq!(
            (s.used, s.remaining, s.reset_at),
            (10, 0, Some(1_800_000.0))
        );
        assert_eq!(q.acquire(1_800_000.0), Ok(()));
        assert_eq!(q.acquire(1_800_500.0), Err(500.0));
        let s = q.snapshot(1_800_500.0);
        assert_eq!((s.used, s.reset_at), (10, Some(1_801_000.0)));
    }

    #[test]
    fn refund_gives_back_the_slot() {
        let mut q = Quota::new(2, 1000.0);
        q.acquire(1.0).unwrap();
        q.acquire(2.0).unwrap();
        assert_eq!(q.acquire(3.0), Err(998.0));
        q.refund(2.0);
        assert_eq!(q.acquire(3.0), Ok(()));
        q.refund(99.0);
        assert_eq!(q.snapshot(3.0).used, 2);
    }

    #[test]
    fn a_fleet_wait_counts_from_when_it_came_back() {
        assert_eq!(wait_from(1_800_002.0, 1_000.0, 1_500.0), 1_799_502.0);
        assert_eq!(wait_from(300.0, 1_000.0, 1_500.0), 0.0);
        // A clock that stepped back between asking and answering does not add to the wait.
        assert_eq!(wait_from(700.0, 1_000.0, 900.0), 700.0);
    }

    #[test]
    fn restamp_moves_the_slot_to_when_the_request_went_out() {
        let mut q = Quota::new(1, 1000.0);
        q.acquire(0.0).unwrap();
        q.restamp(0.0, 900.0);
        assert_eq!(
            q.acquire(1000.0),
            Err(900.0),
            "counted from when it was sent"
        );
        assert_eq!(q.acquire(1900.0), Ok(()));
    }

    #[test]
    fn a_stored_window_round_trips() {
        let mut q = Quota::with_entries(2, 1000.0, [500.0, f64::NAN, 100.0]);
        assert_eq!(q.acquire(900.0), Err(200.0));
        assert_eq!(q.acquire(1100.0), Ok(()));
        assert_eq!(q.entries().collect::<Vec<_>>(), [500.0, 1100.0]);
    }

    #[test]
    fn empty_window() {
        let mut q = Quota::new(3, 1000.0);
        let s = q.snapshot(5.0);
        assert_eq!(
            s,
            QuotaSnapshot {
                limit: 3,
                window_ms: 1000.0,
                used: 0,
                remaining: 3,
                reset_at: None
            }
        );
        q.acquire(5.0).unwrap();
        assert_eq!(q.snapshot(1004.0).used, 1);
        assert_eq!(q.snapshot(1005.0).used, 0);
    }
}
