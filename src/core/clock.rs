//! The client's time: whatever clock it reads, held at its highest reading, so a clock that
//! steps back (an NTP correction, a test double) cannot reopen a quota window that was full
//! or make an old token look fresh again.

/// A reading held at the highest value seen.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Monotonic {
    highest: Option<f64>,
}

impl Monotonic {
    /// The time to use for the raw reading `raw` (finite epoch ms).
    pub fn read(&mut self, raw: f64) -> f64 {
        let now = self.highest.map_or(raw, |h| h.max(raw));
        self.highest = Some(now);
        now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_at_the_highest_reading() {
        let mut m = Monotonic::default();
        assert_eq!(m.read(10.0), 10.0);
        assert_eq!(m.read(5.0), 10.0);
        assert_eq!(m.read(12.5), 12.5);
    }
}
