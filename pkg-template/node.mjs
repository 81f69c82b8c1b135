// Node (ESM; also Deno and Bun): compiles the .wasm synchronously at import time; no init call needed.
import { readFileSync } from "node:fs";
import { initSync, __defaultBaseUrl, __errorClass } from "./wasm/truecaller_token.js";

initSync({ module: readFileSync(new URL("./wasm/truecaller_token_bg.wasm", import.meta.url)) });

export { requestToken, TokenClient } from "./wasm/truecaller_token.js";
export const DEFAULT_BASE_URL = __defaultBaseUrl();
export const TruecallerError = __errorClass();
export { redisStore } from "./stores/redis.js";
export { kvStore } from "./stores/kv.js";
export { fileStore } from "./stores/file.js";
