// The package's public API. The awaiting happens here; every decision (validation,
// what a response means, serve/refresh/wait, quota, retries, store entries) is made by
// the Rust side (src/js/engine.rs, src/js/request_token.rs). scripts/pack.mjs copies this
// directory next to the wasm-bindgen glue (hence `../truecaller_token.js`) and bundles it.
import { initSync as instantiate, __prepare, __finish, __Engine, __stored, __defaultBaseUrl } from "../truecaller_token.js";
import { exchange, requestFields } from "./exchange.js";
import { canReplay, withAuthorization } from "./authorized_fetch.js";

export { TruecallerError } from "./truecaller_error.js";

// The constant lives in the Rust core: read once the module is instantiated (a live binding).
export let DEFAULT_BASE_URL;

// Instantiates the .wasm (a WebAssembly.Module or its bytes); the package entries call it.
export function initSync(module) {
  instantiate(module);
  DEFAULT_BASE_URL = __defaultBaseUrl();
}

// The last valid call's option fields and what __prepare made of them. A call with the
// same fields (===) reuses it: no validation, no crossing into the .wasm. It holds what
// the caller passed (the API key among it) until a call with other options replaces it.
let last = null;

function prepare(options) {
  let fields;
  try {
    if (options !== null && typeof options === "object") fields = requestFields(options);
  } catch {}
  if (fields && last) {
    let i = 0;
    while (i < 7 && fields[i] === last.fields[i]) i++;
    if (i === 7) return last.parts;
  }
  // Without fields (not an object, or a getter threw), __prepare reads them to say why.
  const parts = __prepare(options, fields);
  last = { fields, parts };
  return parts;
}

export function requestToken(options) {
  let p;
  try {
    p = prepare(options);
  } catch (e) {
    return Promise.reject(e);
  }
  // p: [url, body, timeoutMs, apiKey, signal, fetch]
  return exchange(p[5], p[0], p[1], p[2], p[4], (outcome, failed) =>
    __finish(outcome, failed, p[3], p[2], Date.now()),
  );
}

const noop = () => {};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const WAIT = 0, REFRESH = 2;

// Calls a store method and ignores its failure, synchronous or not.
function quietly(call) {
  try {
    const r = call();
    if (r && typeof r.then === "function") Promise.resolve(r).catch(noop);
  } catch {}
}

export class TokenClient {
  #engine;
  #url; #body; #timeoutMs; #signal; #fetch; #now; #store; #key; #deadline; #storeTimeout;
  // The current token: its string and ready promises for the three getters.
  #cached = null;
  // The mint in flight ({ promise, started, id }), shared by every waiting caller.
  #flight = null;
  #flights = 0;
  // After invalidate(), a stored copy of this token is not adopted again.
  #rejected;
  #inClock = false;

  constructor(options) {
    const engine = new __Engine(options);
    [this.#url, this.#body, this.#timeoutMs, this.#signal, this.#fetch, this.#now, this.#store, this.#key, this.#deadline, this.#storeTimeout] =
      engine.parts();
    this.#engine = engine;
  }

  getToken() {
    return this.#get(0);
  }

  getAccessToken() {
    return this.#get(1);
  }

  authorizationHeader() {
    return this.#get(2);
  }

  async fetch(input, init) {
    const replay = canReplay(input, init);
    const [token, response] = await this.#authorized(input, init);
    if (response.status !== 401 || !replay) return response;
    this.#invalidateIf(token);
    return (await this.#authorized(input, init))[1];
  }

  invalidate() {
    if (this.#cached) this.#invalidateIf(this.#cached.token);
    else this.#engine.invalidate();
  }

  quota() {
    return this.#engine.quota(this.#time());
  }

  // The injected clock, or Date.now(); a clock that throws or returns a non-number falls back
  // too, and so does a clock that calls back into this client (no unbounded recursion).
  #time() {
    if (this.#now && !this.#inClock) {
      this.#inClock = true;
      try {
        const t = this.#now();
        if (typeof t === "number" && Number.isFinite(t)) return t;
      } catch {
      } finally {
        this.#inClock = false;
      }
    }
    return Date.now();
  }

  // want: 0 token, 1 AccessToken, 2 "Bearer <token>".
  #get(want) {
    const cached = this.#cached;
    const action = cached ? this.#engine.decide(this.#time(), this.#flight !== null) : WAIT;
    if (action !== WAIT) {
      if (action === REFRESH) this.#mint(true);
      return cached.ready[want];
    }
    return this.#mint(false).then((a) => (want === 0 ? a.token : want === 1 ? a : "Bearer " + a.token));
  }

  // Joins the mint in flight, or starts one; a mint past its deadline (real time: it is
  // about timers that really run) is given up on.
  #mint(background) {
    const started = Date.now();
    const flight = this.#flight;
    if (flight && started - flight.started < this.#deadline) return flight.promise;
    const id = ++this.#flights;
    const land = () => {
      if (this.#flight && this.#flight.id === id) this.#flight = null;
    };
    // Started in a microtask, so that a fetch or store calling back into this client finds the flight.
    const promise = Promise.resolve()
      .then(() => this.#run())
      .then(
        (access) => {
          land();
          return access;
        },
        (e) => {
          const now = this.#time();
          land();
          this.#engine.failed(now, background);
          throw e;
        },
      );
    promise.catch(noop);
    this.#flight = { promise, started, id };
    return promise;
  }

  // A stored token newer than ours, else one from the endpoint (with retries, within the quota).
  async #run() {
    const engine = this.#engine;
    if (this.#store) {
      const found = await this.#read();
      if (found && found.token !== this.#rejected && engine.accepts(this.#time(), found.expiresAt)) {
        return this.#adopt(found)[0];
      }
    }
    let last;
    for (let retry = 0; ; retry++) {
      try {
        engine.acquire(this.#time());
      } catch (e) {
        throw last ?? e;
      }
      try {
        const access = await exchange(this.#fetch, this.#url, this.#body, this.#timeoutMs, this.#signal, (outcome, failed) =>
          engine.finish(outcome, failed, this.#time()),
        );
        const [frozen, adopted] = this.#adopt(access);
        if (this.#store && adopted) {
          const ttl = Math.max(0, Math.floor(frozen.expiresAt - this.#time()));
          quietly(() => this.#store.set(this.#key, JSON.stringify(frozen), ttl));
        }
        return frozen;
      } catch (e) {
        const wait = engine.retry(retry, Math.random());
        if (wait < 0) throw e;
        last = e;
        await sleep(wait);
      }
    }
  }

  // The stored entry, if the store answers in time with a well-formed one; store errors
  // (and entries that are not JSON) are ignored.
  async #read() {
    let timer;
    try {
      const value = await Promise.race([
        this.#store.get(this.#key),
        new Promise((resolve) => {
          timer = setTimeout(resolve, this.#storeTimeout);
        }),
      ]);
      return typeof value === "string" ? __stored(JSON.parse(value)) : undefined;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  // Caches a token and returns [its frozen AccessToken, whether it was adopted]; a late
  // mint that lost to a newer token is not adopted (and not written to the store).
  #adopt(access) {
    Object.freeze(access);
    if (!this.#engine.adopt(access.expiresAt, Math.random())) return [access, false];
    const token = access.token;
    this.#cached = { token, ready: [Promise.resolve(token), Promise.resolve(access), Promise.resolve("Bearer " + token)] };
    return [access, true];
  }

  #invalidateIf(token) {
    if (!this.#cached || this.#cached.token !== token) return;
    this.#cached = null;
    this.#rejected = token;
    this.#engine.invalidate();
    const store = this.#store;
    if (store) quietly(() => typeof store.delete === "function" && store.delete(this.#key));
  }

  async #authorized(input, init) {
    const { token } = await this.#get(1);
    const [request, options] = withAuthorization(input, init, "Bearer " + token);
    const response = await (this.#fetch ? this.#fetch(request, options) : fetch(request, options));
    return [token, response];
  }
}
