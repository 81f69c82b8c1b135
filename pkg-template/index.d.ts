// The public surface of truecaller-token; the declarations come from the Rust crate.
export {
  requestToken,
  TokenClient,
  DEFAULT_BASE_URL,
  TruecallerError,
} from "./wasm/truecaller_token.js";
export type {
  RequestTokenOptions,
  AccessToken,
  TokenClientOptions,
  Quota,
  TokenStore,
  ErrorCode,
} from "./wasm/truecaller_token.js";
