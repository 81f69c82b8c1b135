//! Access tokens for the Truecaller for Business Verified Business API.
//!
//! [`core`] holds everything that can be decided without a JS runtime (option
//! validation, request building, response classification, quota, retries,
//! freshness). On `wasm32` the `js` shell adds `fetch`, timers and the JS API.

#![deny(missing_docs, missing_debug_implementations)]

pub mod core;
#[cfg(target_arch = "wasm32")]
pub mod js;

pub use crate::core::error::{Error, ErrorCode, Result};
pub use crate::core::options::DEFAULT_BASE_URL;
