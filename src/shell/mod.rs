//! The wasm shell: the idiomatic Rust API on `wasm32`, performing the I/O the core asks for
//! with the design card's crates (gloo-net builds requests, wasm-bindgen-futures awaits,
//! serde-wasm-bindgen reads JSON values).

mod client;
mod clock;
mod exchange;
mod fleet;
mod flight;
pub(crate) mod js_error;
mod options;
mod store;
pub(crate) mod task;
pub(crate) mod timer;

#[cfg(feature = "js-api")]
pub(crate) use client::Resend;
pub use client::TokenClient;
#[cfg(feature = "js-api")]
pub(crate) use flight::Flight;
pub use options::{ClientOptions, RequestOptions};
pub use store::{JsStore, StoreError, StoreFuture, TokenStore};

#[cfg(feature = "js-api")]
pub(crate) use options::parse_base_url;
pub(crate) use options::Prepared;

use crate::core::access_token::AccessToken;
use crate::core::error::Result;

/// Requests one access token: no cache, no retry. Resolves when the endpoint answered with
/// a token; every failure is an [`crate::Error`] with a stable [`crate::ErrorCode`].
pub async fn request_token(options: &RequestOptions) -> Result<AccessToken> {
    request_prepared(&options.prepare()?).await
}

/// [`request_token`] for options already validated.
pub(crate) async fn request_prepared(prepared: &Prepared) -> Result<AccessToken> {
    exchange::exchange(prepared, &js_sys::Date::now).await
}
