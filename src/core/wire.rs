//! The JSON shapes that cross the wire, as serde types: the token endpoint's bodies and
//! the stored `AccessToken`. Deserialization is lenient member by member (a member of
//! the wrong type is recorded as such, never an error), so the rules in `response` and
//! `stored` can say exactly what was wrong.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// One member of a JSON object, as far as a string member is concerned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Member {
    /// The key is not there.
    #[default]
    Absent,
    /// The value is not a string (`null` included).
    NotString,
    /// A string value.
    Str(String),
}

/// One member of a JSON object, as far as a number member is concerned.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Number {
    /// The key is not there, or the value is not a number.
    #[default]
    Invalid,
    /// A number value.
    Value(f64),
}

/// One member of a JSON object, as far as a `true` flag is concerned (anything else: unset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flag(pub bool);

/// Any body the token endpoint answers with: a token (2xx) or an error (others).
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
pub struct WireBody {
    /// The bearer token of a 2xx.
    #[serde(default)]
    pub token: Member,
    /// The server's creation time of a 2xx, verbatim.
    #[serde(default)]
    pub created_at: Member,
    /// The error slug, e.g. `invalid-input`.
    #[serde(default)]
    pub slug: Member,
    /// The error message.
    #[serde(default)]
    pub message: Member,
}

impl fmt::Debug for WireBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WireBody")
            .field("token", &matches!(self.token, Member::Str(_)))
            .field("created_at", &self.created_at)
            .field("slug", &self.slug)
            .field("message", &self.message)
            .finish()
    }
}

/// A stored `AccessToken` (`{"token", "createdAt", "expiresAt"}`) as read back from a store.
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredEntry {
    /// `token`.
    #[serde(default)]
    pub token: Member,
    /// `createdAt`.
    #[serde(default)]
    pub created_at: Member,
    /// `expiresAt`.
    #[serde(default)]
    pub expires_at: Number,
    /// `after401`: the token was minted because a 401 refused the one before; a 401 on it
    /// does not renew it again (in any client of the fleet).
    #[serde(default, rename = "after401")]
    pub after_401: Flag,
}

impl fmt::Debug for StoredEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredEntry")
            .field("token", &matches!(self.token, Member::Str(_)))
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("after_401", &self.after_401)
            .finish()
    }
}

/// Visits any value; strings and numbers are kept, everything else is drained and marked.
struct Lenient;

enum Seen {
    Str(String),
    Num(f64),
    Bool(bool),
    Other,
}

impl<'de> Visitor<'de> for Lenient {
    type Value = Seen;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Seen, E> {
        Ok(Seen::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Seen, E> {
        Ok(Seen::Str(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Seen, E> {
        Ok(Seen::Num(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seen, E> {
        Ok(Seen::Num(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seen, E> {
        Ok(Seen::Num(v as f64))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Seen, E> {
        Ok(Seen::Bool(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Seen, E> {
        Ok(Seen::Other)
    }
    fn visit_none<E: de::Error>(self) -> Result<Seen, E> {
        Ok(Seen::Other)
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Seen, E> {
        Ok(Seen::Other)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Seen, D::Error> {
        d.deserialize_any(Lenient)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Seen, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Seen::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Seen, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Seen::Other)
    }
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match d.deserialize_any(Lenient)? {
            Seen::Str(s) => Member::Str(s),
            _ => Member::NotString,
        })
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Flag(matches!(
            d.deserialize_any(Lenient)?,
            Seen::Bool(true)
        )))
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match d.deserialize_any(Lenient)? {
            Seen::Num(n) => Number::Value(n),
            _ => Number::Invalid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_of_every_type() {
        let b: WireBody = serde_json::from_str(
            r#"{"token":"tc_secret","created_at":5,"slug":null,"message":{"a":[1,{"b":2}]},"extra":[1]}"#,
        )
        .unwrap();
        assert_eq!(b.token, Member::Str("tc_secret".into()));
        assert_eq!(b.created_at, Member::NotString);
        assert_eq!(b.slug, Member::NotString);
        assert_eq!(b.message, Member::NotString);
        let empty: WireBody = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, WireBody::default());
        assert!(
            !format!("{b:?}").contains("tc_secret"),
            "the token is not printed"
        );
    }

    #[test]
    fn stored_entries() {
        let e: StoredEntry =
            serde_json::from_str(r#"{"token":"tc_secret","createdAt":"c","expiresAt":12.5}"#)
                .unwrap();
        assert_eq!(e.expires_at, Number::Value(12.5));
        assert_eq!(e.after_401, Flag(false));
        let flagged: StoredEntry =
            serde_json::from_str(r#"{"token":"t","after401":true}"#).unwrap();
        assert_eq!(flagged.after_401, Flag(true));
        for other in ["false", "1", "\"true\"", "null", "{}"] {
            let e: StoredEntry =
                serde_json::from_str(&format!(r#"{{"after401":{other}}}"#)).unwrap();
            assert_eq!(e.after_401, Flag(false), "{other}");
        }
        let bad: StoredEntry = serde_json::from_str(r#"{"token":1,"expiresAt":"soon"}"#).unwrap();
        assert_eq!(bad.token, Member::NotString);
        assert_eq!(bad.created_at, Member::Absent);
        assert_eq!(bad.expires_at, Number::Invalid);
        assert!(!format!("{e:?}").contains("tc_secret"));
    }
}
