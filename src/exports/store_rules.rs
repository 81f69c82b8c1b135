//! The rules of a lease and of a fleet's quota window, for the package's own stores that
//! keep them as values (the file store, the Durable Object broker): those stores do the
//! I/O atomically and ask these functions what it means (`crate::core::lease`).

use crate::core::lease::{claim, releases, reserve, StoredLease};
use js_sys::JSON;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

fn parse<T: DeserializeOwned>(stored: Option<String>) -> Option<T> {
    let value = JSON::parse(&stored?).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

fn json(value: &impl Serialize) -> Option<String> {
    let value = serde_wasm_bindgen::to_value(value).ok()?;
    JSON::stringify(&value).ok()?.as_string()
}

/// The lease to store (JSON) when `owner` may take it, or `undefined` when another holds it.
#[wasm_bindgen(js_name = __claimLease, skip_typescript)]
pub fn claim_lease(stored: Option<String>, owner: &str, ttl_ms: f64, now: f64) -> Option<String> {
    let existing: Option<StoredLease> = parse(stored);
    json(&claim(existing.as_ref(), owner, ttl_ms, now)?)
}

/// Whether `owner`'s release removes the stored lease.
#[wasm_bindgen(js_name = __releasesLease, skip_typescript)]
pub fn releases_lease(stored: Option<String>, owner: &str) -> bool {
    releases(parse::<StoredLease>(stored).as_ref(), owner)
}

/// `[wait, window]`: `wait` is 0 when the request is counted, else the ms until a slot frees;
/// `window` is the JSON to store back.
#[wasm_bindgen(js_name = __reserveSlot, skip_typescript)]
pub fn reserve_slot(stored: Option<String>, limit: u32, window_ms: f64, now: f64) -> js_sys::Array {
    let entries: Vec<f64> = parse(stored).unwrap_or_default();
    let (wait, window) = reserve(&entries, limit, window_ms, now);
    let out = js_sys::Array::new();
    out.push(&wait.into());
    out.push(&json(&window).unwrap_or_else(|| "[]".into()).into());
    out
}
