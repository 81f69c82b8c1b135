//! The thin wasm shell: synchronous `#[wasm_bindgen]` exports (validation, classification,
//! `TokenClient`'s decisions) and the raw JS bindings. The awaiting, `fetch` and timers are JS
//! (`js/api.js`, `js/exchange.js`).

pub mod engine;
pub mod error;
pub mod http;
pub mod options;
pub mod request_token;
pub mod sys;
pub mod types;
