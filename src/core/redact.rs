//! Redaction of the API key from text that came from elsewhere (an upstream error body,
//! a runtime's error message): every spelling of its 32 hex digits, in any case, with
//! or without dashes, with other separators (`_`, spaces, `%2D`, `\u002d`, runs of them)
//! between them.

/// What a redacted key is replaced with.
pub const REDACTED: &str = "[redacted]";
/// At most this many separators (a character or an escape) between two digits of a spelling.
const MAX_GAP: usize = 64;

/// `text` with every spelling of the 32 hex digits of `key` replaced by [`REDACTED`].
/// A key without 32 hex digits (not a UUID) is looked for verbatim, ignoring ASCII case.
///
/// Everything a spelling is made of is ASCII but a separator, which is one whole character,
/// so the search runs on bytes: a match can only start on a hex digit or on the key's first
/// byte, never inside a character.
pub fn redact(text: &str, key: &str) -> String {
    let digits: Vec<u8> = key
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let bytes = text.as_bytes();
    // (byte index, digits left) pairs from which no spelling can be completed: each is
    // searched once, so the search stays linear in the text whatever its separators.
    let mut dead = Dead::new();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let found = if digits.len() == 32 {
            spelling_at(bytes, i, &digits, &mut dead)
        } else {
            verbatim_at(bytes, i, key.as_bytes())
        };
        match found {
            Some(end) => {
                out.push_str(text.get(copied..i).unwrap_or_default());
                out.push_str(REDACTED);
                copied = end;
                i = end;
            }
            None => i += 1,
        }
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

type Dead = std::collections::HashSet<(usize, usize)>;

fn verbatim_at(bytes: &[u8], i: usize, key: &[u8]) -> Option<usize> {
    let end = i.checked_add(key.len())?;
    let found = bytes.get(i..end)?;
    (!key.is_empty() && found.eq_ignore_ascii_case(key)).then_some(end)
}

/// The end (a byte index) of a spelling of `digits` that starts at byte `i`.
fn spelling_at(bytes: &[u8], i: usize, digits: &[u8], dead: &mut Dead) -> Option<usize> {
    let (first, rest) = digits.split_first()?;
    is_digit(bytes, i, *first).then_some(())?;
    after_digit(bytes, i + 1, rest, dead)
}

fn is_digit(bytes: &[u8], i: usize, digit: u8) -> bool {
    bytes
        .get(i)
        .is_some_and(|c| c.to_ascii_lowercase() == digit)
}

/// Matches `rest` from byte `i`, which follows a matched digit: a gap of up to [`MAX_GAP`]
/// separators, then the next digit. Escapes are tried both as one separator and as characters.
fn after_digit(bytes: &[u8], i: usize, rest: &[u8], dead: &mut Dead) -> Option<usize> {
    let Some((next, tail)) = rest.split_first() else {
        return Some(i);
    };
    let mut starts = vec![(i, 0usize)];
    while let Some((at, gaps)) = starts.pop() {
        if is_digit(bytes, at, *next) && !dead.contains(&(at + 1, tail.len())) {
            if let Some(end) = after_digit(bytes, at + 1, tail, dead) {
                return Some(end);
            }
            dead.insert((at + 1, tail.len()));
        }
        if gaps == MAX_GAP {
            continue;
        }
        for len in separator_lengths(bytes, at).into_iter().flatten() {
            starts.push((at + len, gaps + 1));
        }
    }
    None
}

/// The lengths (in bytes) of the separators that can start at byte `i`: one character that
/// is not an ASCII letter or digit, `%XX`, or `\uXXXX`.
fn separator_lengths(bytes: &[u8], i: usize) -> [Option<usize>; 3] {
    let c = |k: usize| bytes.get(i + k).copied();
    let hex = |from: usize, n: usize| {
        (from..from + n).all(|k| c(k).is_some_and(|c| c.is_ascii_hexdigit()))
    };
    let one = match c(0) {
        None => return [None; 3],
        Some(b) if b.is_ascii_alphanumeric() => return [None; 3],
        Some(b) if b < 0x80 => 1,
        // The lead byte of a multi-byte character gives its length.
        Some(b) if b < 0xe0 => 2,
        Some(b) if b < 0xf0 => 3,
        Some(_) => 4,
    };
    [
        Some(one),
        (c(0) == Some(b'%') && hex(1, 2)).then_some(3),
        (c(0) == Some(b'\\') && c(1) == Some(b'u') && hex(2, 4)).then_some(6),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

    #[test]
    fn every_spelling_is_redacted() {
        let digits = "aaaaaaaabbbb4ccc8dddeeeeeeeeeeee";
        for spelling in [
            KEY.to_string(),
            KEY.to_uppercase(),
            digits.to_string(),
            digits.to_uppercase(),
            KEY.replace('-', "_"),
            KEY.replace('-', " "),
            KEY.replace('-', "%2D"),
            KEY.replace('-', "\\u002d"),
            KEY.replace('-', " - "),
            KEY.replace('-', "----"),
            KEY.replace('-', "\u{0}\u{0}\u{0}\u{0}-"),
            "AaAaAaAa-BbBb-4CcC-8dDd-EeEeEeEeEeEe".to_string(),
            digits
                .chars()
                .flat_map(|c| [c, ':'])
                .collect::<String>()
                .trim_end_matches(':')
                .to_string(),
        ] {
            let text = format!("key {spelling} is wrong");
            assert_eq!(redact(&text, KEY), "key [redacted] is wrong", "{spelling}");
        }
    }

    #[test]
    fn near_misses_and_other_text_are_kept() {
        for text in [
            "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee",     // 31 digits
            "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeef",    // last digit differs
            "aaaaaaaa-----------------------------------------------------------------bbbb-4ccc-8ddd-eeeeeeeeeeee", // a gap of 65
            "aaaaaaaaxbbbb4ccc8dddeeeeeeeeeeee",       // a letter is not a separator
            "héllo wörld",
            "",
        ] {
            assert_eq!(redact(text, KEY), text);
        }
    }

    #[test]
    fn several_occurrences_and_surroundings() {
        let text = format!("é{KEY}é and {}!", KEY.to_uppercase().replace('-', ""));
        assert_eq!(redact(&text, KEY), "é[redacted]é and [redacted]!");
        let twice = format!("{KEY}{KEY}");
        assert_eq!(redact(&twice, KEY), "[redacted][redacted]");
    }

    #[test]
    fn a_non_uuid_key_is_looked_for_verbatim() {
        assert_eq!(
            redact("a SECRET b secret", "secret"),
            "a [redacted] b [redacted]"
        );
        assert_eq!(redact("nothing", ""), "nothing");
    }
}
