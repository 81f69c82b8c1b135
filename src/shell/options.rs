//! The options of the Rust API, and their validation into a [`Prepared`] request.

use crate::core::client_options::{ClientConfig, RawClientConfig};
use crate::core::error::Result;
use crate::core::options::{BaseUrl, Field, RawRequestConfig, RequestConfig, Secret, UrlParts};
use crate::core::request::{token_body, token_url};
use crate::sys::AnySignal;
use js_sys::Function;
use std::fmt;
use std::rc::Rc;
use wasm_bindgen::JsCast;

/// The options of one token request: the three ids of the "Manage API Keys" page, and how
/// to reach the endpoint.
///
/// ```no_run
/// # use truecaller_token::RequestOptions;
/// let options = RequestOptions::new(
///     "9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f",
///     "11111111-2222-4333-8444-555555555555",
///     "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
/// )
/// .timeout_ms(5_000.0);
/// ```
#[derive(Clone)]
pub struct RequestOptions {
    pub(crate) raw: RawRequestConfig,
    pub(crate) signal: Option<AnySignal>,
    pub(crate) fetch: Option<Function>,
}

impl RequestOptions {
    /// Options with the client account ID, the key ID and the API key (all UUIDs); they are
    /// checked when used.
    pub fn new(client_account_id: &str, key_id: &str, api_key: &str) -> Self {
        RequestOptions {
            raw: RawRequestConfig {
                client_account_id: Field::Value(client_account_id.into()),
                key_id: Field::Value(key_id.into()),
                api_key: Field::Value(Secret::from(api_key.to_owned())),
                base_url: Field::Missing,
                timeout_ms: Field::Missing,
            },
            signal: None,
            fetch: None,
        }
    }

    /// Another origin (and path prefix) than [`crate::DEFAULT_BASE_URL`]: https, or http
    /// to a loopback host.
    pub fn base_url(mut self, base_url: &str) -> Self {
        self.raw.base_url = Field::Value(parse_base_url(base_url.into()));
        self
    }

    /// The timeout of each request in ms (default 10,000; 0 = none).
    pub fn timeout_ms(mut self, timeout_ms: f64) -> Self {
        self.raw.timeout_ms = Field::Value(timeout_ms);
        self
    }

    /// A signal that cancels the request.
    pub fn signal(mut self, signal: web_sys::AbortSignal) -> Self {
        self.signal = Some(signal.unchecked_into());
        self
    }

    /// A `fetch` to call instead of the global one (a proxy, a test double); it is called
    /// with one `Request`, and whatever it resolves with is read like a `Response`.
    pub fn fetch(mut self, fetch: Function) -> Self {
        self.fetch = Some(fetch);
        self
    }

    pub(crate) fn prepare(&self) -> Result<Prepared> {
        let config = RequestConfig::parse_ref(&self.raw)?;
        Ok(Prepared {
            url: token_url(&config),
            body: token_body(&config),
            config,
            signal: self.signal.clone(),
            fetch: self.fetch.clone(),
        })
    }
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `raw` prints the key as [redacted].
        f.debug_struct("RequestOptions")
            .field("raw", &self.raw)
            .field("signal", &self.signal.is_some())
            .field("fetch", &self.fetch.is_some())
            .finish()
    }
}

/// A base URL string and its parse by the runtime's WHATWG URL parser.
pub(crate) fn parse_base_url(raw: String) -> BaseUrl {
    // The parts are read through one property-read binding rather than six getter imports
    // (each distinct import costs a glue function).
    let parsed = web_sys::Url::new(&raw).ok().map(|u| {
        let part = |name: &str| crate::sys::get(&u, name).as_string().unwrap_or_default();
        UrlParts {
            protocol: part("protocol"),
            credentials: !part("username").is_empty() || !part("password").is_empty(),
            hostname: part("hostname"),
            host: part("host"),
            pathname: part("pathname"),
        }
    });
    BaseUrl { raw, parsed }
}

/// A validated request, with its URL and body built once.
pub struct Prepared {
    pub config: RequestConfig,
    pub url: String,
    /// The JSON body; holds the API key, so never printed.
    pub body: String,
    pub signal: Option<AnySignal>,
    pub fetch: Option<Function>,
}

impl fmt::Debug for Prepared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prepared")
            .field("config", &self.config)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// What a [`crate::TokenClient`] adds to [`RequestOptions`].
#[derive(Clone)]
pub struct ClientOptions {
    pub(crate) request: RequestOptions,
    pub(crate) raw: RawClientConfig,
    pub(crate) store: Option<Rc<dyn super::store::TokenStore>>,
    pub(crate) now: Option<Function>,
    pub(crate) wait_until: Option<Function>,
}

impl ClientOptions {
    /// The request options, with every client option at its default.
    pub fn new(request: RequestOptions) -> Self {
        ClientOptions {
            request,
            raw: RawClientConfig {
                refresh_window_ms: Field::Missing,
                max_retries: Field::Missing,
                quota_limit: Field::Missing,
                quota_window_ms: Field::Missing,
            },
            store: None,
            now: None,
            wait_until: None,
        }
    }

    /// Refresh in the background this long before expiry (default 120,000 ms).
    pub fn refresh_window_ms(mut self, ms: f64) -> Self {
        self.raw.refresh_window_ms = Field::Value(ms);
        self
    }

    /// Retries of `network`, `timeout`, `server_error` and `rate_limited` failures (default 1).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.raw.max_retries = Field::Value(f64::from(retries));
        self
    }

    /// Requests allowed per quota window (default 10).
    pub fn quota_limit(mut self, limit: u32) -> Self {
        self.raw.quota_limit = Field::Value(f64::from(limit));
        self
    }

    /// The quota window (default 1,800,000 ms).
    pub fn quota_window_ms(mut self, ms: f64) -> Self {
        self.raw.quota_window_ms = Field::Value(ms);
        self
    }

    /// A store shared with other clients (other isolates, processes).
    pub fn store(mut self, store: Rc<dyn super::store::TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// A JS clock returning epoch ms (tests); default `Date.now()`.
    pub fn now(mut self, now: Function) -> Self {
        self.now = Some(now);
        self
    }

    /// Workers' `ctx.waitUntil` (bound): receives every background refresh and store write.
    pub fn wait_until(mut self, wait_until: Function) -> Self {
        self.wait_until = Some(wait_until);
        self
    }

    pub(crate) fn config(&self) -> Result<ClientConfig> {
        ClientConfig::parse(self.raw.clone())
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("request", &self.request)
            .field("raw", &self.raw)
            .field("store", &self.store.is_some())
            .field("now", &self.now.is_some())
            .field("wait_until", &self.wait_until.is_some())
            .finish()
    }
}
