// Cloudflare Workers: wrangler bundles the .wasm as a compiled module; instantiate it synchronously.
import wasm from "./wasm/truecaller_token_bg.wasm";
import { initSync, __defaultBaseUrl, __errorClass } from "./wasm/truecaller_token.js";

initSync({ module: wasm });

export { requestToken, TokenClient } from "./wasm/truecaller_token.js";
export const DEFAULT_BASE_URL = __defaultBaseUrl();
export const TruecallerError = __errorClass();
export { redisStore } from "./stores/redis.js";
export { kvStore } from "./stores/kv.js";
export { TokenBroker, brokerStore } from "./stores/broker.js";
