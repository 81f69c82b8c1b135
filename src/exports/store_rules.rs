//! The lease and the fleet's quota window for the package's own stores that keep them as
//! values (the file store, the Durable Object broker): the store reads and writes atomically
//! and asks the core (`crate::core::lease`) what the values mean.

use crate::core::lease::{claimable, reserve};
use wasm_bindgen::prelude::*;

// Whether `owner` may take the stored lease held by `holder` until `expires_at`.
#[allow(missing_docs)]
#[wasm_bindgen(js_name = __leaseFree, skip_typescript, skip_jsdoc)]
pub fn lease_free(holder: Option<String>, expires_at: f64, owner: &str, now: f64) -> bool {
    claimable(holder.as_deref(), expires_at, owner, now)
}

// `[wait, ...window]`: `wait` is 0 when the request is counted (store `window` back), else the
// ms until a slot frees.
#[allow(missing_docs)]
#[wasm_bindgen(js_name = __reserveSlot, skip_typescript, skip_jsdoc)]
pub fn reserve_slot(window: Vec<f64>, limit: u32, window_ms: f64, now: f64) -> Vec<f64> {
    let (wait, window) = reserve(&window, limit, window_ms, now);
    std::iter::once(wait).chain(window).collect()
}
