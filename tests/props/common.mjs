// What every property suite shares, in Node, Chromium and workerd alike (no Node-only imports):
// the credentials, the key's spellings, the leak check, the error codes, and running a property
// with a seed and a path so that a failure can be replayed.

/** A realistic key (all 16 hex digits in it), so a leak cannot hide behind repetition. */
export const KEY = "3f2b9c1e-8d4a-4b7e-9c6f-0a1b2c3d4e5f";
export const HEX = KEY.replace(/-/g, "");
export const CREDS = Object.freeze({
  clientAccountId: "9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f",
  keyId: "11111111-2222-4333-8444-555555555555",
  apiKey: KEY,
});

export const CODES = [
  "invalid_options",
  "bad_request",
  "unauthorized",
  "rate_limited",
  "quota_exhausted",
  "server_error",
  "unexpected_status",
  "invalid_response",
  "network",
  "timeout",
  "aborted",
];

/** Text with `%XX` and `\uXXXX` escapes decoded, lowercased, with everything but [0-9a-z] removed. */
export function squeeze(text) {
  let s = String(text);
  for (let i = 0; i < 2; i++) {
    s = s
      .replace(/%([0-9a-f]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)))
      .replace(/\\u([0-9a-f]{4})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
  }
  return s.toLowerCase().replace(/[^0-9a-z]/g, "");
}

/** Every way a user could look at an error. `inspect` is node:util's where there is one. */
export function renderings(err, inspect) {
  const out = [];
  const safe = (f) => {
    try {
      out.push(String(f()));
    } catch (e) {
      out.push(`<rendering threw ${e && e.name}>`);
    }
  };
  safe(() => err.message);
  safe(() => err.stack);
  safe(() => String(err));
  safe(() => JSON.stringify(err));
  safe(() => err.toString());
  if (inspect) safe(() => inspect(err, { showHidden: true, depth: 10, getters: true }));
  // Every own property (names and symbols, enumerable or not) and the prototype chain's.
  for (let o = err; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const k of Reflect.ownKeys(o)) {
      safe(() => {
        const d = Object.getOwnPropertyDescriptor(o, k);
        return `${String(k)}=${"value" in d ? (typeof d.value === "function" ? "<fn>" : String(d.value)) : "<accessor>"}`;
      });
    }
  }
  return out;
}

/** The first rendering that holds the key's 32 digits (in any spelling), or null. */
export function leak(err, inspect, secrets = []) {
  for (const text of renderings(err, inspect)) {
    if (squeeze(text).includes(HEX)) return text;
    for (const s of secrets) if (s && String(text).includes(s)) return text;
  }
  return null;
}

/** Spells the key: case, separator between the UUID's groups or between every digit. */
export function spell({ kase, sep, every }) {
  let digits = HEX;
  if (kase === "upper") digits = digits.toUpperCase();
  if (kase === "mixed") digits = [...digits].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join("");
  if (every) return [...digits].join(sep);
  const g = [digits.slice(0, 8), digits.slice(8, 12), digits.slice(12, 16), digits.slice(16, 20), digits.slice(20)];
  return g.join(sep);
}

/** Arbitrary spellings of the key: dashes, none, underscores, upper case, %2D, and any run of non-alphanumerics. */
export function keySpelling(fc) {
  const sepChar = fc.constantFrom("-", "_", " ", ".", ":", "/", "\u0000", "\t", "\n", "\u200b", "é", "\ud800", "*", '"', "\\");
  return fc
    .record({
      kase: fc.constantFrom("lower", "upper", "mixed"),
      sep: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom("-", "", "_", " ", "%2D", "%2d", "\\u002d", "-\u0000") },
        { weight: 2, arbitrary: fc.string({ unit: sepChar, minLength: 1, maxLength: 6 }) },
      ),
      every: fc.boolean(),
    })
    .map(spell);
}

/**
 * Runs an (async) property with fast-check; returns a plain summary, the same in every runtime.
 * `config`: { seed, numRuns, path, examples } (path replays one counterexample; examples are
 * known cases, tried first on every run of the suite).
 */
export async function runProperty(fc, property, config) {
  const params = { seed: config.seed, numRuns: config.numRuns, endOnFailure: false };
  if (config.path) params.path = config.path;
  if (config.interruptAfterTimeLimit) params.interruptAfterTimeLimit = config.interruptAfterTimeLimit;
  if (config.examples) params.examples = config.examples;
  const started = Date.now();
  const details = await fc.check(property, params);
  const describeError = (e) => (e && e.stack ? String(e.stack) : String(e));
  return {
    failed: details.failed,
    interrupted: details.interrupted,
    numRuns: details.numRuns,
    numShrinks: details.numShrinks,
    seed: details.seed,
    path: details.counterexamplePath,
    counterexample: details.failed ? fc.stringify(details.counterexample).slice(0, 4000) : null,
    error: details.failed ? describeError(details.errorInstance ?? details.error).slice(0, 4000) : null,
    ms: Date.now() - started,
  };
}

/** A promise that settles with {value} or {error} or {late: true} after `ms`. */
export function settleWithin(promise, ms) {
  let timer;
  return Promise.race([
    Promise.resolve(promise).then(
      (value) => ({ value }),
      (error) => ({ error }),
    ),
    new Promise((r) => (timer = setTimeout(() => r({ late: true }), ms))),
  ]).finally(() => clearTimeout(timer));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
