// Browsers (native ES modules, bundlers): compiles the .wasm next to this module with top-level await.
import { initSync, __defaultBaseUrl, __errorClass } from "./wasm/truecaller_token.js";

const response = await fetch(new URL("./wasm/truecaller_token_bg.wasm", import.meta.url));
if (!response.ok) throw new Error(`truecaller-token: its .wasm did not load (HTTP ${response.status})`);
initSync({ module: await WebAssembly.compile(await response.arrayBuffer()) });

export { requestToken, TokenClient } from "./wasm/truecaller_token.js";
export const DEFAULT_BASE_URL = __defaultBaseUrl();
export const TruecallerError = __errorClass();
export { redisStore } from "./stores/redis.js";
export { kvStore } from "./stores/kv.js";
