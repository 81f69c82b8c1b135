//! `TokenClient` for JS: the Rust client, plus ready promises for its cached token, so a
//! cached `getToken()` is one decision and a promise handed back.

use super::options::JsOptions;
use super::to_js;
use crate::core::access_token::AccessToken;
use crate::shell::{Flight, TokenClient};
use js_sys::Promise;
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

// The JS `TokenClient` class.
#[allow(missing_docs)]
#[wasm_bindgen(js_name = TokenClient, skip_typescript)]
pub struct JsTokenClient {
    pub(super) client: TokenClient,
    ready: Rc<RefCell<Option<Ready>>>,
    /// The mint in flight and, per getter, the one promise every caller waiting for it gets
    /// (so a Workers request waiting for another request's mint awaits that request's promise).
    waiting: RefCell<Option<Waiting>>,
}

/// The mint in flight and its promises, made on first use.
type Waiting = (Rc<Flight>, [Option<Promise>; 3]);

impl std::fmt::Debug for JsTokenClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client prints no secret; the ready values (the token) are left out.
        f.debug_struct("JsTokenClient")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// What the three getters resolve with, for one token (never printed: it holds the token).
struct Ready {
    generation: Option<u64>,
    expires_at: f64,
    /// The token, the frozen `AccessToken` object and `Bearer <token>`, resolved.
    values: [JsValue; 3],
    promises: [Promise; 3],
}

impl Ready {
    fn new(token: &AccessToken, generation: Option<u64>) -> Result<Self, JsValue> {
        let values = [
            JsValue::from_str(&token.token),
            to_js(token, true)?,
            JsValue::from_str(&token.authorization()),
        ];
        Ok(Ready {
            generation,
            expires_at: token.expires_at,
            promises: values.clone().map(|v| Promise::resolve(&v)),
            values,
        })
    }

    fn is_for(&self, token: &AccessToken) -> bool {
        self.expires_at == token.expires_at
            && self.values[0].as_string().as_deref() == Some(&token.token)
    }
}

#[derive(Clone, Copy)]
enum Want {
    Token = 0,
    Access = 1,
    Header = 2,
}

#[wasm_bindgen(js_class = TokenClient)]
impl JsTokenClient {
    // Validates the options; bad ones throw a `TruecallerError` (`invalid_options`).
    #[allow(missing_docs)]
    #[wasm_bindgen(constructor, skip_jsdoc)]
    pub fn new(options: JsValue) -> Result<JsTokenClient, JsValue> {
        let options = JsOptions::read(&options)?.client()?;
        Ok(JsTokenClient {
            client: TokenClient::new(options)?,
            ready: Rc::default(),
            waiting: RefCell::default(),
        })
    }

    // The current token.
    #[allow(missing_docs)]
    #[wasm_bindgen(js_name = getToken, skip_jsdoc)]
    pub fn get_token(&self) -> Promise {
        self.get(Want::Token)
    }

    // The current token with `createdAt` and `expiresAt`.
    #[allow(missing_docs)]
    #[wasm_bindgen(js_name = getAccessToken, skip_jsdoc)]
    pub fn get_access_token(&self) -> Promise {
        self.get(Want::Access)
    }

    // `Bearer <token>`.
    #[allow(missing_docs)]
    #[wasm_bindgen(js_name = authorizationHeader, skip_jsdoc)]
    pub fn authorization_header(&self) -> Promise {
        self.get(Want::Header)
    }

    /// `fetch` with `Authorization: Bearer <token>`; a 401 re-mints once when the body can
    /// be sent again.
    pub fn fetch(&self, input: JsValue, init: JsValue) -> Promise {
        let client = self.client.clone();
        crate::shell::task::promise(async move {
            super::authorized_fetch::fetch(&client, input, init).await
        })
    }

    /// Forgets the cached token and its stored copy.
    pub fn invalidate(&self) {
        self.client.invalidate();
    }

    /// `{ limit, windowMs, used, remaining, resetAt }`.
    pub fn quota(&self) -> Result<JsValue, JsValue> {
        let serializer = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
        Ok(self.client.quota().serialize(&serializer)?)
    }
}

impl JsTokenClient {
    fn get(&self, want: Want) -> Promise {
        if let Some(generation) = self.client.serve() {
            if let Some(ready) = self
                .ready
                .borrow()
                .as_ref()
                .filter(|r| r.generation == Some(generation))
            {
                return ready.promises[want as usize].clone();
            }
            if let Some(token) = self.client.cached() {
                return match Ready::new(&token, Some(generation)) {
                    Ok(ready) => {
                        let promise = ready.promises[want as usize].clone();
                        *self.ready.borrow_mut() = Some(ready);
                        promise
                    }
                    Err(e) => Promise::reject(&e),
                };
            }
        }
        let flight = self.client.mint();
        let mut waiting = self.waiting.borrow_mut();
        let promises = match waiting.as_mut() {
            Some((current, promises)) if Rc::ptr_eq(current, &flight) => promises,
            _ => &mut waiting.insert((flight.clone(), Default::default())).1,
        };
        let (ready, client) = (self.ready.clone(), self.client.clone());
        promises[want as usize]
            .get_or_insert_with(|| {
                crate::shell::task::promise(async move {
                    let token = client.wait_for(flight).await?;
                    let held = ready
                        .borrow()
                        .as_ref()
                        .filter(|r| r.is_for(&token))
                        .map(|r| r.values[want as usize].clone());
                    if let Some(value) = held {
                        return Ok(value);
                    }
                    // Built before the borrow: making the JS object can run a caller's setter
                    // (on `Object.prototype`), which may call back into this client.
                    let fresh = Ready::new(&token, None)?;
                    let value = fresh.values[want as usize].clone();
                    *ready.borrow_mut() = Some(fresh);
                    Ok(value)
                })
            })
            .clone()
    }
}
