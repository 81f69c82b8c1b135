//! `Retry-After`: delta-seconds or an HTTP-date (RFC 9110 section 10.2.3).

use super::text::parse_digits;

/// The wait in ms that a `Retry-After` value asks for, relative to `now_ms`; `None` when unparsable.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<f64> {
    let v = value.trim_ascii();
    if let Some(seconds) = parse_digits(v, 10) {
        return Some(seconds as f64 * 1000.0);
    }
    parse_http_date(v).map(|at| (at - now_ms).max(0.0))
}

/// Parses an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT` to epoch ms.
pub fn parse_http_date(s: &str) -> Option<f64> {
    const MONTHS: &[u8; 36] = b"JanFebMarAprMayJunJulAugSepOctNovDec";
    // Fixed width, so the fields are read by position, as bytes (every one that matters is
    // ASCII). A fixed-size array: every index below is checked at compile time.
    let b: &[u8; 29] = s.as_bytes().try_into().ok()?;
    if b[3] != b',' || b[4] != b' ' || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' {
        return None;
    }
    if b[19] != b':' || b[22] != b':' || b[25..] != *b" GMT" {
        return None;
    }
    let field = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let day = field(&b[5..7])?;
    let month = MONTHS.chunks(3).position(|m| *m == b[8..11])? as u32 + 1;
    let year = i64::from(field(&b[12..16])?);
    let (h, m, sec) = (field(&b[17..19])?, field(&b[20..22])?, field(&b[23..25])?);
    if day == 0 || day > 31 || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400) + i64::from(h * 3600 + m * 60 + sec)) as f64 * 1000.0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_seconds() {
        assert_eq!(parse_retry_after("120", 0.0), Some(120_000.0));
        assert_eq!(parse_retry_after(" 0 ", 5.0), Some(0.0));
        assert_eq!(parse_retry_after("-1", 0.0), None);
        assert_eq!(parse_retry_after("1.5", 0.0), None);
        assert_eq!(parse_retry_after("", 0.0), None);
        assert_eq!(parse_retry_after("99999999999", 0.0), None);
    }

    #[test]
    fn http_date() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777_000.0)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0.0));
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT"),
            Some(1_835_438_400_000.0)
        );
        let now = 784_111_777_000.0 - 30_000.0;
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(30_000.0)
        );
        // A date in the past means "now".
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now + 60_000.0),
            Some(0.0)
        );
    }

    #[test]
    fn malformed_dates() {
        for bad in [
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT extra",
            "soon",
        ] {
            assert_eq!(parse_retry_after(bad, 0.0), None, "{bad}");
        }
    }
}
