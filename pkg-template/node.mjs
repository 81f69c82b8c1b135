// Node (ESM): compiles the .wasm synchronously at import time; no init call needed.
import { readFileSync } from "node:fs";
import { initSync } from "./wasm/truecaller_token.js";

initSync({ module: readFileSync(new URL("./wasm/truecaller_token_bg.wasm", import.meta.url)) });

export { requestToken, TokenClient, TruecallerError, DEFAULT_BASE_URL } from "./wasm/truecaller_token.js";
