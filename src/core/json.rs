//! A small strict JSON reader: validates a whole document and keeps the
//! top-level string members of an object. The responses we read are tiny, and
//! this keeps serde_json (and its formatting machinery) out of the `.wasm`.

use alloc::string::String;
use alloc::vec::Vec;

/// Why a body is not a JSON object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotObject {
    /// The text is not valid JSON.
    Syntax,
    /// Valid JSON, but not an object.
    NotAnObject,
}

/// The top-level members of a JSON object; non-string values are kept as `None`.
#[derive(Debug, Default, PartialEq)]
pub struct Members(Vec<(String, Option<String>)>);

impl Members {
    /// The member `key` when it is a string; the last one wins, as with `JSON.parse`.
    pub fn string(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Whether the member exists, whatever its type.
    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }
}

/// Parses `text` as one JSON object.
pub fn parse_object(text: &str) -> Result<Members, NotObject> {
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
        depth: 0,
    };
    p.ws();
    let members = if p.peek() == Some(b'{') {
        p.object(true)?
    } else {
        p.value()?;
        p.ws();
        return Err(if p.i == p.b.len() {
            NotObject::NotAnObject
        } else {
            NotObject::Syntax
        });
    };
    p.ws();
    if p.i != p.b.len() {
        return Err(NotObject::Syntax);
    }
    Ok(members)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    depth: u32,
}

const MAX_DEPTH: u32 = 64;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<(), NotObject> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(NotObject::Syntax)
        }
    }

    fn value(&mut self) -> Result<Option<String>, NotObject> {
        self.ws();
        match self.peek().ok_or(NotObject::Syntax)? {
            b'"' => self.string().map(Some),
            b'{' => self.object(false).map(|_| None),
            b'[' => self.array().map(|_| None),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(|_| None),
        }
    }

    fn enter(&mut self) -> Result<(), NotObject> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(NotObject::Syntax);
        }
        Ok(())
    }

    fn object(&mut self, keep: bool) -> Result<Members, NotObject> {
        self.enter()?;
        self.eat(b'{')?;
        let mut members = Members::default();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(members);
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.ws();
            self.eat(b':')?;
            let value = self.value()?;
            if keep {
                members.0.push((key, value));
            }
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(members);
                }
                _ => return Err(NotObject::Syntax),
            }
        }
    }

    fn array(&mut self) -> Result<(), NotObject> {
        self.enter()?;
        self.eat(b'[')?;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            self.value()?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(NotObject::Syntax),
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<Option<String>, NotObject> {
        if self
            .b
            .get(self.i..)
            .is_some_and(|rest| rest.starts_with(word))
        {
            self.i += word.len();
            Ok(None)
        } else {
            Err(NotObject::Syntax)
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<(), NotObject> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(NotObject::Syntax),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(NotObject::Syntax);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(NotObject::Syntax);
            }
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, NotObject> {
        let s = self.b.get(self.i..self.i + 4).ok_or(NotObject::Syntax)?;
        let mut n = 0;
        for &c in s {
            n = n * 16 + (c as char).to_digit(16).ok_or(NotObject::Syntax)?;
        }
        self.i += 4;
        Ok(n)
    }

    fn string(&mut self) -> Result<String, NotObject> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        loop {
            let c = self.peek().ok_or(NotObject::Syntax)?;
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).map_err(|_| NotObject::Syntax),
                b'\\' => {
                    let e = self.peek().ok_or(NotObject::Syntax)?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                self.eat(b'\\')?;
                                self.eat(b'u')?;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(NotObject::Syntax);
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            // A lone surrogate has no UTF-8 form; JSON.parse would keep it, we refuse it.
                            char::from_u32(code).ok_or(NotObject::Syntax)?
                        }
                        _ => return Err(NotObject::Syntax),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(NotObject::Syntax),
                _ => out.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_top_level_strings() {
        let m = parse_object(r#" {"token":"abc","created_at":"2025-07-10T06:59:05.72Z","n":1,"o":{"token":"inner"},"a":[1,"x",null,true,false,-0.5e+3]} "#).unwrap();
        assert_eq!(m.string("token"), Some("abc"));
        assert_eq!(m.string("created_at"), Some("2025-07-10T06:59:05.72Z"));
        assert_eq!(m.string("n"), None);
        assert!(m.has("n"));
        assert!(!m.has("missing"));
    }

    #[test]
    fn decodes_escapes() {
        let m = parse_object(r#"{"s":"a\"b\\c\/d\n\u00e9\ud83d\ude00"}"#).unwrap();
        assert_eq!(m.string("s"), Some("a\"b\\c/d\né😀"));
    }

    #[test]
    fn last_duplicate_wins() {
        assert_eq!(
            parse_object(r#"{"k":"1","k":"2"}"#).unwrap().string("k"),
            Some("2")
        );
    }

    #[test]
    fn rejects_malformed_json() {
        for bad in [
            "",
            "{",
            "}",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{a:1}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":tru}",
            "{\"a\":\"\u{1}\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\ud800\"}",
            "{} x",
            "<html></html>",
            "{\"a\":[1,]}",
        ] {
            assert_eq!(parse_object(bad), Err(NotObject::Syntax), "{bad:?}");
        }
    }

    #[test]
    fn rejects_non_objects() {
        for other in [
            "[]",
            "[{\"token\":\"x\"}]",
            "\"token\"",
            "1",
            "null",
            " true ",
        ] {
            assert_eq!(
                parse_object(other),
                Err(NotObject::NotAnObject),
                "{other:?}"
            );
        }
    }

    #[test]
    fn limits_nesting() {
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert_eq!(
            parse_object(&format!("{{\"a\":{deep}}}")),
            Err(NotObject::Syntax)
        );
        let ok = "[".repeat(10) + &"]".repeat(10);
        assert!(parse_object(&format!("{{\"a\":{ok}}}")).is_ok());
    }
}
