//! Small text and number helpers written out by hand: `str::parse`, `f64::floor`
//! and substring search would each pull sizeable code (or `std`) into the `.wasm`.

use alloc::string::String;

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

/// The byte offsets of the non-overlapping ASCII-case-insensitive matches of `needle` in `hay`.
fn find_ignore_ascii_case(hay: &str, needle: &str, from: usize) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (from..=h.len() - n.len()).find(|&i| {
        h.get(i..i + n.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(n))
    })
}

/// `hay` with every ASCII-case-insensitive occurrence of `needle` replaced by `with`.
pub fn replace_ignore_ascii_case(hay: &str, needle: &str, with: &str) -> String {
    let mut out = String::with_capacity(hay.len());
    let mut last = 0;
    while let Some(i) = find_ignore_ascii_case(hay, needle, last) {
        // Needles are ASCII (UUIDs), so match boundaries are char boundaries.
        out.push_str(hay.get(last..i).unwrap_or_default());
        out.push_str(with);
        last = i + needle.len();
    }
    out.push_str(hay.get(last..).unwrap_or_default());
    out
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

    #[test]
    fn replace() {
        assert_eq!(
            replace_ignore_ascii_case("a KEY b key c", "key", "[x]"),
            "a [x] b [x] c"
        );
        assert_eq!(replace_ignore_ascii_case("keykey", "key", "-"), "--");
        assert_eq!(replace_ignore_ascii_case("é key é", "KEY", "-"), "é - é");
        assert_eq!(
            replace_ignore_ascii_case("short", "longer needle", "-"),
            "short"
        );
    }
}
