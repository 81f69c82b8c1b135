//! The pure core: every decision as a plain function of its inputs, free of wasm types,
//! unit-tested on the host with `cargo test`. The shell (`crate::shell`) performs the I/O
//! it asks for.

pub mod access_token;
pub mod cache;
pub mod client_options;
pub mod clock;
pub mod error;
pub mod freshness;
pub mod lease;
pub mod options;
pub mod quota;
pub mod redact;
pub mod request;
pub mod response;
pub mod retry;
pub mod retry_after;
pub mod stored;
pub mod text;
pub mod unauthorized;
pub mod wire;
