// The test Worker of tests/fleet/workers.test.mjs: the README snippet's module-scope client,
// with knobs from its bindings (which store, quota, waitUntil, slow fetch or store writes) and a
// query (?offset= moves the client's clock, ?invalidate forces a re-mint), plus /rpc, which calls
// the TokenBroker named in the body through a new stub per call.
import { DurableObject, waitUntil } from "cloudflare:workers";
import { TokenClient, TruecallerError, brokerStore, kvStore } from "truecaller-token";
export { TokenBroker } from "truecaller-token";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Brokers that fail: every method throws (ThrowingBroker) or never answers (HangingBroker).
export class ThrowingBroker extends DurableObject {
  get() { throw new Error("broker down"); }
  set() { throw new Error("broker down"); }
  delete() { throw new Error("broker down"); }
  claim() { throw new Error("broker down"); }
  release() { throw new Error("broker down"); }
  reserve() { throw new Error("broker down"); }
}
export class HangingBroker extends DurableObject {
  get() { return sleep(600_000); }
  set() { return sleep(600_000); }
  delete() { return sleep(600_000); }
  claim() { return sleep(600_000); }
  release() { return sleep(600_000); }
  reserve() { return sleep(600_000); }
}

// A namespace whose stubs reject every call (reached through idFromName + get).
const rejectingNamespace = {
  idFromName: (name) => name,
  get: () => {
    const down = () => Promise.reject(new Error("broker unreachable"));
    return { get: down, set: down, delete: down, claim: down, release: down, reserve: down };
  },
};

// Later writes: a store's set() that lands `ms` later (a slow broker, or KV's propagation delay).
const delaySet = (store, ms) => ({ ...store, set: async (key, value, ttlMs) => { await sleep(ms); return store.set(key, value, ttlMs); } });

function makeStore(env) {
  switch (env.STORE) {
    case "broker":
      return brokerStore(env.TOKENS);
    case "broker-by-id": // a namespace without getByName: idFromName + get
      return brokerStore({ idFromName: (name) => env.TOKENS.idFromName(name), get: (id) => env.TOKENS.get(id) });
    case "broker-slow-set":
      return delaySet(brokerStore(env.TOKENS), Number(env.DELAY_SET_MS));
    case "get-set-only": { // the broker, hiding claim, release and reserve
      const { get, set, delete: del } = brokerStore(env.TOKENS);
      return { get, set, delete: del };
    }
    case "kv":
      return kvStore(env.KV);
    case "kv-delayed":
      return delaySet(kvStore(env.KV), Number(env.DELAY_SET_MS));
    case "rejecting":
      return brokerStore(rejectingNamespace);
    case "broken-do": // the namespace of ThrowingBroker or HangingBroker (BROKEN_BROKER)
      return brokerStore(env.BROKEN);
    case "broker-missing": // a binding name that is not in wrangler.toml
      return brokerStore(env.NO_SUCH_BINDING);
    case "broker-on-kv": // a KV namespace where the Durable Object namespace belongs
      return brokerStore(env.KV);
    case "none":
      return undefined;
    default:
      throw new Error("unknown STORE " + env.STORE);
  }
}

let client;
let isolate;
let offset = 0; // ms added to the client's clock

function clientOptions(env, ctx) {
  const options = {
    clientAccountId: env.TC_CLIENT_ACCOUNT_ID,
    keyId: env.TC_KEY_ID,
    apiKey: env.TC_API_KEY,
    baseUrl: env.TC_BASE_URL,
    now: () => Date.now() + offset,
  };
  const store = makeStore(env);
  if (store) options.store = store;
  if (env.QUOTA_LIMIT) options.quotaLimit = Number(env.QUOTA_LIMIT);
  // WAIT_UNTIL: "ctx" (default; as in the README), "module" (cloudflare:workers' waitUntil), "0" (none).
  if (env.WAIT_UNTIL === "module") options.waitUntil = waitUntil;
  else if (env.WAIT_UNTIL !== "0") options.waitUntil = ctx.waitUntil.bind(ctx);
  if (env.DELAY_FETCH_MS) {
    options.fetch = async (request) => {
      await sleep(Number(env.DELAY_FETCH_MS));
      return fetch(request);
    };
  }
  return options;
}

async function token(url, env, ctx) {
  isolate ??= crypto.randomUUID();
  if (url.searchParams.has("offset")) offset = Number(url.searchParams.get("offset"));
  try {
    client ??= new TokenClient(clientOptions(env, ctx));
  } catch (e) {
    return Response.json({ isolate, error: { name: e.name, message: e.message } });
  }
  if (url.searchParams.has("invalidate")) client.invalidate();
  try {
    const access = await client.getAccessToken();
    return Response.json({ isolate, token: access.token, expiresAt: access.expiresAt, quota: client.quota() });
  } catch (e) {
    const error = { isTruecallerError: e instanceof TruecallerError, name: e.name, code: e.code, retryAfterMs: e.retryAfterMs, message: e.message };
    return Response.json({ isolate, error, quota: client?.quota() });
  }
}

// Body: {name, calls: [[method, ...args] | ["sleep", ms]], parallel?}; answers [{value} | {error}].
async function rpc(request, env) {
  const { name, calls, parallel } = await request.json();
  const call = async ([method, ...args]) => {
    if (method === "sleep") return sleep(args[0]).then(() => ({}));
    try {
      const value = await env.TOKENS.getByName(name)[method](...args); // a new stub every time
      return { value: value ?? null };
    } catch (e) {
      return { error: String(e?.message ?? e) };
    }
  };
  if (parallel) return Response.json(await Promise.all(calls.map(call)));
  const results = [];
  for (const c of calls) results.push(await call(c));
  return Response.json(results);
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/rpc") return rpc(request, env);
    if (url.pathname === "/token") return token(url, env, ctx);
    return new Response("not found", { status: 404 });
  },
};
