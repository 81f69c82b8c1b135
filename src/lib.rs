//! Access tokens for the Truecaller for Business Verified Business API, for Rust on
//! `wasm32` (a workers-rs Worker, a Leptos or Yew admin tool) and, through the `js-api`
//! feature and wasm-pack, for JavaScript.
//!
//! Truecaller's token endpoint allows 10 tokens per 30 minutes for a whole account, a token
//! lives 60 minutes, and the server's clock is not ours. [`TokenClient`] caches the token,
//! shares one request among concurrent callers, refreshes before expiry, counts every
//! request against a quota window and retries only what is worth retrying;
//! [`request_token`] is the single call. Errors carry a stable [`ErrorCode`] and never the
//! API key.
//!
//! ```no_run
//! # #[cfg(target_arch = "wasm32")]
//! # async fn demo() -> truecaller_token::Result<()> {
//! use truecaller_token::{ClientOptions, ErrorCode, RequestOptions, TokenClient};
//!
//! let options = RequestOptions::new(
//!     "9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f", // client account ID
//!     "11111111-2222-4333-8444-555555555555", // key ID
//!     "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", // API key (a secret)
//! );
//! let client = TokenClient::new(ClientOptions::new(options))?;
//! match client.authorization_header().await {
//!     Ok(header) => { /* "Bearer …" on every API call */ }
//!     Err(e) if e.code() == ErrorCode::QuotaExhausted => { /* e.retry_after_ms() */ }
//!     Err(e) => return Err(e),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! [`core`] holds every decision as a plain function of its inputs, tested on the host;
//! the shell (on `wasm32`) performs the I/O: gloo-net builds each request, the global or an
//! injected `fetch` sends it, wasm-bindgen-futures awaits, serde-wasm-bindgen reads JSON.
#![deny(missing_docs, missing_debug_implementations)]

pub mod core;
#[cfg(all(target_arch = "wasm32", feature = "js-api"))]
pub mod exports;
#[cfg(target_arch = "wasm32")]
mod shell;
#[cfg(target_arch = "wasm32")]
pub mod sys;

pub use crate::core::access_token::AccessToken;
pub use crate::core::error::{Error, ErrorCode, Result};
pub use crate::core::options::DEFAULT_BASE_URL;
pub use crate::core::quota::QuotaSnapshot as Quota;
#[cfg(target_arch = "wasm32")]
pub use crate::shell::{
    request_token, ClientOptions, JsStore, RequestOptions, StoreError, StoreFuture, TokenClient,
    TokenStore,
};
