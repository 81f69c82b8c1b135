// Cloudflare Workers: wrangler bundles the .wasm as a compiled module; instantiate it synchronously.
import wasm from "./wasm/truecaller_token_bg.wasm";
import { initSync } from "./wasm/truecaller_token.js";

initSync({ module: wasm });

export { requestToken, TokenClient, TruecallerError, DEFAULT_BASE_URL } from "./wasm/truecaller_token.js";
