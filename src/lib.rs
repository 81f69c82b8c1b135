//! Access tokens for the Truecaller for Business Verified Business API.
//!
//! [`core`] holds everything that can be decided without a JS runtime (option
//! validation, request building, response classification, quota, retries,
//! freshness). On `wasm32` the `js` shell exports them to the JS half of the
//! package (`js/`), which makes the fetches and awaits.

#![deny(missing_docs, missing_debug_implementations)]
// The shipped `.wasm` is built without the `std` feature: no_std, with a panic
// handler that traps and a small allocator (see `runtime`), which keeps the
// panic machinery and `core::fmt` out of it.
#![cfg_attr(all(target_arch = "wasm32", not(feature = "std")), no_std)]

extern crate alloc;

pub mod core;
#[cfg(target_arch = "wasm32")]
pub mod js;
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
mod runtime;

pub use crate::core::error::{Error, ErrorCode, Result};
pub use crate::core::options::DEFAULT_BASE_URL;
