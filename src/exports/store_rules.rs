//! The fleet's quota window for the package's own stores that keep it as a value (the file
//! store, the Durable Object broker): the store reads and writes it atomically and asks the
//! core (`crate::core::lease::reserve`) what a reservation does to it.

use crate::core::lease::reserve;
use wasm_bindgen::prelude::*;

/// `[wait, ...window]`: `wait` is 0 when the request is counted (store `window` back), else the
/// ms until a slot frees.
#[wasm_bindgen(js_name = __reserveSlot, skip_typescript)]
pub fn reserve_slot(window: Vec<f64>, limit: u32, window_ms: f64, now: f64) -> Vec<f64> {
    let (wait, window) = reserve(&window, limit, window_ms, now);
    std::iter::once(wait).chain(window).collect()
}
