//! The thin wasm shell: `fetch`, timers, JS objects and the `#[wasm_bindgen]` exports.

pub mod engine;
pub mod error;
pub mod http;
pub mod options;
pub mod request_token;
pub mod sys;
pub mod types;
