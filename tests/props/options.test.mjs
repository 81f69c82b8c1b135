// Property (a): hostile options. Any value for any option (throwing getters, Proxies with throwing
// traps, symbols, lone surrogates, huge strings, NaN, -0, BigInt, functions, nested objects):
// requestToken always returns a promise (never throws) that settles with an AccessToken or a
// TruecallerError; new TokenClient constructs or throws TruecallerError invalid_options; and a good
// call works afterwards (the wasm instance is never poisoned).
//
// No network: the global fetch is replaced by a stub that answers every token request locally.
import { test, before, after } from "node:test";
import { inspect } from "node:util";
import * as fc from "fast-check";
import { requestToken, TokenClient, TruecallerError } from "../../build/pkg/node.mjs";
import { CREDS, CODES, leak, settleWithin, runProperty } from "./common.mjs";
import { runs, selected, config, assertSummary, watchUnhandled } from "./config.mjs";

const FILE = "tests/props/options.test.mjs";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REQUEST_KEYS = ["clientAccountId", "keyId", "apiKey", "baseUrl", "timeoutMs", "signal", "fetch"];
const CLIENT_KEYS = ["refreshWindowMs", "maxRetries", "quotaLimit", "quotaWindowMs", "store", "now", "waitUntil"];
const ALL_KEYS = [...REQUEST_KEYS, ...CLIENT_KEYS];

let realFetch;
const stub = { calls: 0 };
before(() => {
  realFetch = globalThis.fetch;
  globalThis.fetch = async (request) => {
    stub.calls++;
    const url = new URL(typeof request === "string" ? request : request.url);
    if (/\/clients\/[^/]+\/token$/.test(url.pathname)) {
      return new Response(JSON.stringify({ token: "tc_stub" + stub.calls, created_at: "2025-07-10T06:59:05.72Z" }));
    }
    return new Response("{}", { status: 404 });
  };
});
after(() => {
  globalThis.fetch = realFetch;
});

// ---- Values, described as data and built afresh for each run -------------------------

const LIVE = [
  "throwingGetterObject",
  "proxyThrows",
  "revokedProxy",
  "function",
  "asyncFunction",
  "class",
  "functionThrows",
  "toPrimitiveThrows",
  "toStringUuid",
  "abortedSignal",
  "liveSignal",
  "fakeSignal",
  "fakeSignalThrows",
  "deepObject",
  "nullProto",
  "frozenGood",
  "symbol",
  "hugeString",
  "hugeUuid",
  "storeThrows",
  "storeGarbage",
  "storeClasses",
  "array",
  "date",
  "regexp",
  "weakmap",
  "promise",
];

function valueArb() {
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ any: fc.anything({ withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true, maxDepth: 2 }) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        any: fc.constantFrom(
          NaN, -0, 0, Infinity, -Infinity, -1, 1e-9, 0.5, 2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE, 10n, -1n, 2n ** 64n,
          "", " ", "\ud800", "\udfff", "\ud800\udc00", "\u0000", "é", "NaN", "10", "-0", "1e3",
          CREDS.clientAccountId.toUpperCase(), " " + CREDS.clientAccountId, CREDS.clientAccountId + "\n", CREDS.keyId.replace(/-/g, ""), "{" + CREDS.keyId + "}", CREDS.apiKey.replace("3", "\ud800"),
          "https://" + "a".repeat(300) + ".com", "http://127.0.0.1:9", "http://localhost", "http://[::1]", "http://127.1.2.3", "http://localhost.evil.com", "https://user:pw@example.com", "https://example.com/?q", "https://example.com/#f", "javascript:alert(1)", "file:///etc/passwd", "data:,x", "https://é.com", "https://xn--9ca.com", "ftp://example.com", "//example.com", "https://example.com/" + "%".repeat(10), "https://[::1", "http://0x7f.1",
          true, false, null, undefined,
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ any: fc.string({ unit: "binary", maxLength: 60 }) }) },
    { weight: 3, arbitrary: fc.record({ live: fc.constantFrom(...LIVE) }) },
  );
}

function trapsThatThrow() {
  const boom = () => {
    throw new Error("trap " + CREDS.apiKey);
  };
  return { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom, apply: boom, construct: boom, set: boom, defineProperty: boom, deleteProperty: boom, isExtensible: boom, preventExtensions: boom, setPrototypeOf: boom };
}

function liveValue(d) {
  if ("any" in d) return d.any;
  switch (d.live) {
    case "throwingGetterObject":
      return Object.defineProperty({}, "x", { get() { throw new Error("getter"); }, enumerable: true });
    case "proxyThrows":
      return new Proxy({}, trapsThatThrow());
    case "revokedProxy": {
      const p = Proxy.revocable(() => {}, {});
      p.revoke();
      return p.proxy;
    }
    case "function":
      return function () {};
    case "asyncFunction":
      return async () => undefined;
    case "class":
      return class {};
    case "functionThrows":
      return () => {
        throw new Error("hostile " + CREDS.apiKey);
      };
    case "toPrimitiveThrows":
      return { [Symbol.toPrimitive]() { throw new Error("prim"); }, toString() { throw new Error("str"); }, valueOf() { throw new Error("val"); } };
    case "toStringUuid":
      return { toString: () => CREDS.clientAccountId, valueOf: () => 1000 };
    case "abortedSignal":
      return AbortSignal.abort(new Error("gave up " + CREDS.apiKey));
    case "liveSignal":
      return new AbortController().signal;
    case "fakeSignal":
      return { aborted: false, reason: undefined, addEventListener() {}, removeEventListener() {} };
    case "fakeSignalThrows":
      return { aborted: false, get reason() { throw new Error("r"); }, addEventListener() { throw new Error("a"); }, removeEventListener() { throw new Error("r"); } };
    case "deepObject": {
      let o = {};
      for (let i = 0; i < 10_000; i++) o = { o };
      return o;
    }
    case "nullProto":
      return Object.assign(Object.create(null), { get: () => null, set: () => {} });
    case "frozenGood":
      return Object.freeze({ get: () => null, set: () => {} });
    case "symbol":
      return Symbol("opt");
    case "hugeString":
      return "a".repeat(2_000_000);
    case "hugeUuid":
      return CREDS.keyId + " ".repeat(1_000_000);
    case "storeThrows":
      return new Proxy({ get() {}, set() {} }, { get(t, k) { if (k === "get" || k === "set") return t[k]; throw new Error("store trap"); } });
    case "storeGarbage":
      return { get: () => ({ then: (r) => r(Symbol("x")) }), set: () => 5, delete: 7, claim: () => "yes", reserve: () => -1 };
    case "storeClasses":
      return { get: class {}, set: class {}, delete: class {}, claim: class {}, release: class {}, reserve: class {} };
    case "array":
      return [CREDS.clientAccountId];
    case "date":
      return new Date(NaN);
    case "regexp":
      return /x/;
    case "weakmap":
      return new WeakMap();
    case "promise":
      return Promise.resolve(CREDS.keyId);
  }
}

/** Good values for each option, or absent. */
function goodValue(key, variant) {
  const map = new Map();
  return {
    clientAccountId: CREDS.clientAccountId,
    keyId: CREDS.keyId,
    apiKey: CREDS.apiKey,
    baseUrl: variant ? "http://127.0.0.1:9" : "https://enterprise-portal-noneu.truecaller.com",
    timeoutMs: variant ? 0 : 2000,
    signal: new AbortController().signal,
    fetch: async (req) => globalThis.fetch(req),
    refreshWindowMs: variant ? 0 : 120_000,
    maxRetries: variant ? 0 : 1,
    quotaLimit: variant ? 1 : 10,
    quotaWindowMs: 1_800_000,
    store: { get: (k) => map.get(k), set: (k, v) => void map.set(k, v) },
    now: () => Date.now(),
    waitUntil: () => {},
  }[key];
}

/** A hostile way to give an option: a hostile value, or a getter. */
function hostileArb() {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ how: fc.constant("value"), value: valueArb() }) },
    { weight: 1, arbitrary: fc.record({ how: fc.constant("getter"), getter: fc.constantFrom("throws", "reentrant", "flip", "throwsSymbol") }) },
  );
}

/** Options: every option good (one of two variants) or absent, then a few of them made hostile. */
function optionsArb() {
  const base = {};
  for (const k of ALL_KEYS) {
    const required = ["clientAccountId", "keyId", "apiKey"].includes(k);
    base[k] = required
      ? fc.oneof({ weight: 20, arbitrary: fc.record({ how: fc.constant("good"), variant: fc.boolean() }) }, { weight: 1, arbitrary: fc.constant({ how: "absent" }) })
      : fc.oneof(fc.record({ how: fc.constant("good"), variant: fc.boolean() }), fc.constant({ how: "absent" }));
  }
  const hostile = fc.uniqueArray(fc.tuple(fc.constantFrom(...ALL_KEYS), hostileArb()), { maxLength: 3, selector: ([k]) => k });
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .record({
          shape: fc.constantFrom("plain", "plain", "plain", "inherited", "proxyOfGood", "frozen", "nullProto"),
          options: fc.record(base),
          hostile,
          extra: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), valueArb(), { maxKeys: 3 })),
        })
        .map(({ options, hostile, ...rest }) => ({ ...rest, options: { ...options, ...Object.fromEntries(hostile) } })),
    },
    { weight: 1, arbitrary: fc.record({ shape: fc.constant("whole"), value: valueArb() }) },
  );
}

let reentered = 0;
const tally = { constructed: 0, refused: 0, resolved: 0, rejected: {} };
function buildOptions(d) {
  if (d.shape === "whole") return liveValue(d.value);
  const o = d.shape === "nullProto" ? Object.create(null) : {};
  for (const [k, spec] of Object.entries(d.options)) {
    if (spec.how === "absent") continue;
    if (spec.how === "good") o[k] = goodValue(k, spec.variant);
    if (spec.how === "value") o[k] = liveValue(spec.value);
    if (spec.how === "getter") {
      let flips = 0;
      Object.defineProperty(o, k, {
        enumerable: true,
        get() {
          switch (spec.getter) {
            case "throws":
              throw new Error("getter " + CREDS.apiKey);
            case "throwsSymbol":
              throw Symbol("getter");
            case "reentrant":
              // Calls back into the module while it is reading the options.
              reentered++;
              requestToken({ ...CREDS }).catch(() => {});
              try {
                new TokenClient({ ...CREDS }).getToken().catch(() => {});
              } catch {}
              return goodValue(k, false);
            case "flip":
              return flips++ % 2 ? goodValue(k, false) : Symbol("flip");
          }
        },
      });
    }
  }
  if (d.extra) for (const [k, v] of Object.entries(d.extra)) if (!(k in o)) o[k] = liveValue(v);
  if (d.shape === "inherited") return Object.create(o);
  if (d.shape === "frozen") return Object.freeze(o);
  if (d.shape === "proxyOfGood") return new Proxy(o, { get: (t, k, r) => Reflect.get(t, k, r), has: () => { throw new Error("has"); }, ownKeys: () => { throw new Error("ownKeys"); } });
  return o;
}

/** Whether the description gives valid options for `keys` (all good or absent-with-default). */
function allGood(d, keys) {
  if (d.shape === "whole") return false;
  // A getter that throws on any option makes the options unreadable as a whole.
  if (Object.values(d.options).some((s) => s.how === "getter" && s.getter.startsWith("throws"))) return false;
  return keys.every((k) => {
    const spec = d.options[k];
    if (["clientAccountId", "keyId", "apiKey"].includes(k)) return spec.how === "good";
    return spec.how === "good" || spec.how === "absent";
  });
}

/** Whether a required id is surely bad (missing, not a string, or a string that is not a UUID). */
function surelyInvalid(d) {
  if (d.shape === "whole") return true;
  return ["clientAccountId", "keyId", "apiKey"].some((k) => {
    const spec = d.options[k];
    if (spec.how === "absent") return true;
    if (spec.how === "getter") return spec.getter !== "reentrant";
    if (spec.how === "value") {
      const v = "any" in spec.value ? spec.value.any : undefined;
      if ("live" in spec.value) return true; // no live value is a UUID string
      return !(typeof v === "string" && UUID.test(v.trim()));
    }
    return false;
  });
}

function describe(v) {
  try {
    return v instanceof Error ? `${v.name}: ${v.message}` : typeof v === "symbol" ? v.toString() : inspect(v, { depth: 1 }).slice(0, 200);
  } catch {
    return "<unprintable>";
  }
}

function checkError(e, where, allowed = CODES) {
  if (!(e instanceof TruecallerError) || !(e instanceof Error)) throw new Error(`${where}: not a TruecallerError: ${describe(e)}`);
  if (e.name !== "TruecallerError" || !allowed.includes(e.code)) throw new Error(`${where}: code ${e.code} (${e.message})`);
  const leaked = leak(e, inspect);
  if (leaked) throw new Error(`${where}: the key leaked: ${leaked.slice(0, 300)}`);
}

function checkAccessToken(t, where) {
  if (!t || typeof t.token !== "string" || !t.token.startsWith("tc_") || typeof t.createdAt !== "string" || !Number.isFinite(t.expiresAt)) {
    throw new Error(`${where}: not an AccessToken: ${describe(t)}`);
  }
}

async function goodCallsStillWork() {
  const t = await settleWithin(requestToken({ ...CREDS }), 3000);
  if (!t.value) throw new Error(`a good requestToken failed afterwards: ${describe(t.error ?? t)}`);
  checkAccessToken(t.value, "good requestToken");
  const c = new TokenClient({ ...CREDS });
  const s = await settleWithin(c.getToken(), 3000);
  if (typeof s.value !== "string") throw new Error(`a good TokenClient failed afterwards: ${describe(s.error ?? s)}`);
}

const NON_REQUEST_CODES = ["quota_exhausted"];

const RT = "hostile options: requestToken";
test(RT, { skip: !selected(RT), timeout: 20 * 60_000 }, async (t) => {
  const unhandled = watchUnhandled();
  try {
    const property = fc.asyncProperty(optionsArb(), async (d) => {
      const options = buildOptions(d);
      let promise;
      try {
        promise = requestToken(options);
      } catch (e) {
        throw new Error(`requestToken threw synchronously: ${describe(e)}`);
      }
      if (!(promise instanceof Promise)) throw new Error(`requestToken returned ${describe(promise)}`);
      const out = await settleWithin(promise, 5000);
      if (out.late) throw new Error("requestToken did not settle within 5 s");
      if ("value" in out) {
        tally.resolved++;
        checkAccessToken(out.value, "requestToken");
        if (surelyInvalid(d)) throw new Error("resolved although a required id was invalid");
      } else {
        checkError(out.error, "requestToken", CODES.filter((c) => !NON_REQUEST_CODES.includes(c)));
        tally.rejected[out.error.code] = (tally.rejected[out.error.code] ?? 0) + 1;
        if (surelyInvalid(d) && out.error.code !== "invalid_options") throw new Error(`bad ids gave ${out.error.code}, not invalid_options`);
        if (allGood(d, REQUEST_KEYS)) throw new Error(`good options failed: ${out.error.code} ${out.error.message}`);
      }
      await new Promise((r) => setTimeout(r, 0));
      const seen = unhandled.take();
      if (seen.length) throw new Error(`unhandled rejection: ${seen.map(describe).join("; ")}`);
      await goodCallsStillWork();
    });
    assertSummary(t, RT, FILE, await runProperty(fc, property, config(RT, runs(500))));
    t.diagnostic(`requestToken: ${tally.resolved} resolved, rejected: ${JSON.stringify(tally.rejected)}`);
  } finally {
    unhandled.stop();
  }
});

const TC = "hostile options: TokenClient";
test(TC, { skip: !selected(TC), timeout: 20 * 60_000 }, async (t) => {
  const unhandled = watchUnhandled();
  try {
    const property = fc.asyncProperty(optionsArb(), async (d) => {
      const options = buildOptions(d);
      let client;
      try {
        client = new TokenClient(options);
      } catch (e) {
        checkError(e, "new TokenClient", ["invalid_options"]);
        tally.refused++;
        if (allGood(d, ALL_KEYS)) throw new Error(`good options were refused: ${e.message}`);
        await goodCallsStillWork();
        return;
      }
      if (!(client instanceof TokenClient)) throw new Error("new TokenClient gave something else");
      if (surelyInvalid(d)) throw new Error("constructed although a required id was invalid");
      tally.constructed++;
      for (const call of ["getToken", "getAccessToken", "authorizationHeader"]) {
        let p;
        try {
          p = client[call]();
        } catch (e) {
          throw new Error(`${call} threw synchronously: ${describe(e)}`);
        }
        const out = await settleWithin(p, 8000);
        if (out.late) throw new Error(`${call} did not settle within 8 s`);
        if ("error" in out) {
          checkError(out.error, call);
          if (allGood(d, ALL_KEYS)) throw new Error(`${call} failed with good options: ${out.error.code} ${out.error.message}`);
        } else if (call === "getAccessToken") checkAccessToken(out.value, call);
        else if (typeof out.value !== "string") throw new Error(`${call} resolved with ${describe(out.value)}`);
      }
      const q = client.quota();
      if (!(Number.isInteger(q.used) && q.used >= 0 && q.used <= q.limit && q.remaining === q.limit - q.used)) throw new Error(`quota() ${JSON.stringify(q)}`);
      client.invalidate();
      await new Promise((r) => setTimeout(r, 0));
      const seen = unhandled.take();
      if (seen.length) throw new Error(`unhandled rejection: ${seen.map(describe).join("; ")}`);
      await goodCallsStillWork();
    });
    assertSummary(t, TC, FILE, await runProperty(fc, property, config(TC, runs(300))));
    t.diagnostic(`TokenClient: ${tally.constructed} constructed, ${tally.refused} refused`);
    t.diagnostic(`re-entrant getters ran ${reentered} times; the stub fetch answered ${stub.calls} requests`);
  } finally {
    unhandled.stop();
  }
});
