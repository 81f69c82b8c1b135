// Browsers (native ES modules, bundlers): fetches the .wasm next to this module with top-level await.
import init, { __truecallerErrorClass, __defaultBaseUrl } from "./wasm/truecaller_token.js";

await init({ module_or_path: new URL("./wasm/truecaller_token_bg.wasm", import.meta.url) });

export { requestToken, TokenClient } from "./wasm/truecaller_token.js";
export const TruecallerError = __truecallerErrorClass();
export const DEFAULT_BASE_URL = __defaultBaseUrl();
