//! The pure core: no wasm types, unit-tested on the host with `cargo test`.

pub mod cache;
pub mod client_options;
pub mod error;
pub mod freshness;
pub mod options;
pub mod quota;
pub mod request;
pub mod response;
pub mod retry;
pub mod retry_after;
pub mod stored;
pub mod text;
