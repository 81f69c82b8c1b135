//! Small text and number helpers shared by the core's rules.

/// A run of 1 to `max_len` ASCII digits as a number.
pub fn parse_digits(s: &str, max_len: usize) -> Option<u64> {
    if s.is_empty() || s.len() > max_len {
        return None;
    }
    s.bytes().try_fold(0u64, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + u64::from(c - b'0'))
    })
}

/// Whether `n` is a whole number (finite, no fractional part).
pub fn is_whole(n: f64) -> bool {
    n.is_finite() && n.abs() < 9.0e15 && n == (n as i64) as f64
}

/// `ceil(n)` for non-negative `n` below 2^53; 0 for anything else.
pub fn ceil_u64(n: f64) -> u64 {
    if !(n > 0.0 && n < 9.0e15) {
        return 0;
    }
    let t = n as u64;
    if (t as f64) < n {
        t + 1
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits() {
        assert_eq!(parse_digits("0", 3), Some(0));
        assert_eq!(parse_digits("65535", 5), Some(65535));
        assert_eq!(parse_digits("123456", 5), None);
        assert_eq!(parse_digits("", 5), None);
        assert_eq!(parse_digits("1a", 5), None);
        assert_eq!(parse_digits("-1", 5), None);
    }

    #[test]
    fn whole_and_ceil() {
        assert!(is_whole(3.0) && is_whole(0.0) && is_whole(-2.0));
        assert!(!is_whole(1.5) && !is_whole(f64::NAN) && !is_whole(f64::INFINITY));
        assert_eq!(ceil_u64(1500.0 / 1000.0), 2);
        assert_eq!(ceil_u64(2.0), 2);
        assert_eq!(ceil_u64(0.0), 0);
        assert_eq!(ceil_u64(-5.0), 0);
        assert_eq!(ceil_u64(f64::NAN), 0);
    }
}
