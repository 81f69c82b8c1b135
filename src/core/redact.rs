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
pub fn redact(text: &str, key: &str) -> String {
    let digits: Vec<u8> = key
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    // (char index, digits left) pairs from which no spelling can be completed: each is
    // searched once, so the search stays linear in the text whatever its separators.
    let mut dead = std::collections::HashSet::new();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < chars.len() {
        let found = if digits.len() == 32 {
            spelling_at(&chars, i, &digits, &mut dead)
        } else {
            verbatim_at(&chars, i, key)
        };
        match found {
            Some(end) => {
                let (from, to) = (byte_at(&chars, text, i), byte_at(&chars, text, end));
                out.push_str(text.get(copied..from).unwrap_or_default());
                out.push_str(REDACTED);
                copied = to;
                i = end;
            }
            None => i += 1,
        }
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

fn byte_at(chars: &[(usize, char)], text: &str, i: usize) -> usize {
    chars.get(i).map_or(text.len(), |(b, _)| *b)
}

fn verbatim_at(chars: &[(usize, char)], i: usize, key: &str) -> Option<usize> {
    if key.is_empty() {
        return None;
    }
    let mut end = i;
    for k in key.chars() {
        let (_, c) = chars.get(end)?;
        if !c.eq_ignore_ascii_case(&k) {
            return None;
        }
        end += 1;
    }
    Some(end)
}

type Dead = std::collections::HashSet<(usize, usize)>;

/// The end (a char index) of a spelling of `digits` that starts at char `i`.
fn spelling_at(chars: &[(usize, char)], i: usize, digits: &[u8], dead: &mut Dead) -> Option<usize> {
    let (first, rest) = digits.split_first()?;
    is_digit(chars, i, *first).then_some(())?;
    after_digit(chars, i + 1, rest, dead)
}

fn is_digit(chars: &[(usize, char)], i: usize, digit: u8) -> bool {
    chars
        .get(i)
        .is_some_and(|(_, c)| c.is_ascii() && (*c as u8).to_ascii_lowercase() == digit)
}

/// Matches `rest` from char `i`, which follows a matched digit: a gap of up to [`MAX_GAP`]
/// separators, then the next digit. Escapes are tried both as one separator and as characters.
fn after_digit(chars: &[(usize, char)], i: usize, rest: &[u8], dead: &mut Dead) -> Option<usize> {
    let Some((next, tail)) = rest.split_first() else {
        return Some(i);
    };
    let mut starts = vec![(i, 0usize)];
    while let Some((at, gaps)) = starts.pop() {
        if is_digit(chars, at, *next) && !dead.contains(&(at + 1, tail.len())) {
            if let Some(end) = after_digit(chars, at + 1, tail, dead) {
                return Some(end);
            }
            dead.insert((at + 1, tail.len()));
        }
        if gaps == MAX_GAP {
            continue;
        }
        for len in separator_lengths(chars, at) {
            starts.push((at + len, gaps + 1));
        }
    }
    None
}

/// The lengths (in chars) of the separators that can start at char `i`: one character
/// that is not an ASCII letter or digit, `%XX`, or `\uXXXX`.
fn separator_lengths(chars: &[(usize, char)], i: usize) -> Vec<usize> {
    let c = |k: usize| chars.get(i + k).map(|(_, c)| *c);
    let hex = |from: usize, n: usize| {
        (from..from + n).all(|k| c(k).is_some_and(|c| c.is_ascii_hexdigit()))
    };
    let mut lengths = Vec::new();
    match c(0) {
        Some(ch) if ch.is_ascii_alphanumeric() => return lengths,
        None => return lengths,
        Some(_) => lengths.push(1),
    }
    if c(0) == Some('%') && hex(1, 2) {
        lengths.push(3);
    }
    if c(0) == Some('\\') && c(1) == Some('u') && hex(2, 4) {
        lengths.push(6);
    }
    lengths
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
