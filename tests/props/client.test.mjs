// Property (c): TokenClient under random schedules on a fake clock (`now`, which may step back)
// against random upstream answers from an injected fetch, and with stores that fail at random:
//  - never an expired token handed out (expiresAt > the fake clock at the call);
//  - never more fetches in any quotaWindowMs window (fake-clock times of the calls) than quotaLimit;
//  - every failure a TruecallerError of a valid code, without the key or a token in it;
//  - no unhandled rejection;
//  - a store that throws, rejects, hangs or answers garbage never fails getToken() beyond what a
//    memory-only client would do (with an upstream that always answers, only quota_exhausted, and
//    only when the window really is full).
// Timers are real (timeouts, backoff, the store guard): runs keep them short.
import { test } from "node:test";
import { inspect } from "node:util";
import * as fc from "fast-check";
import { TokenClient, TruecallerError } from "../../build/pkg/node.mjs";
import { CREDS, CODES, leak, settleWithin, sleep, runProperty } from "./common.mjs";
import { runs, selected, config, assertSummary, watchUnhandled } from "./config.mjs";

const FILE = "tests/props/client.test.mjs";
const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 1);

// ---- The fake clock, with a log of every value it took ---------------------------------

function fakeClock() {
  const clock = {
    t: START,
    log: [START],
    /** How many times the clock stepped back so far. */
    backs: 0,
    now: () => clock.t,
    set(v) {
      if (v < clock.t) clock.backs++;
      clock.t = v;
      clock.log.push(v);
    },
    mark: () => clock.log.length - 1,
    /** min and max of the values from log index `from` to now. */
    range(from) {
      const slice = clock.log.slice(from);
      return { min: Math.min(...slice), max: Math.max(...slice) };
    },
  };
  return clock;
}

// ---- Upstream: an injected fetch answering from a script --------------------------------

const ANSWERS = ["ok", "ok", "ok", "ok", "okSlow", "400", "401", "429", "429late", "500", "503", "network", "hang", "badBody", "redirect"];

function upstream(script, clock, timeoutMs) {
  const up = { calls: [], issued: new Map(), open: 0, codes: new Set() };
  let n = 0;
  up.fetch = (request) => {
    const i = n++;
    const kind = i < script.length ? script[i] : "ok";
    up.calls.push({ at: clock.t, segment: clock.backs, kind });
    up.open++;
    const done = (v) => {
      up.open--;
      return v;
    };
    const token = () => {
      const t = `tc_${i}_${Math.random().toString(16).slice(2, 10)}`;
      up.issued.set(t, { from: clock.mark() });
      up.lastIssuedAt = clock.t;
      return new Response(JSON.stringify({ token: t, created_at: "2025-07-10T06:59:05.72Z" }));
    };
    const status = (s, body = { slug: "nope", message: "no " + CREDS.apiKey }, headers = {}) =>
      new Response(JSON.stringify(body), { status: s, headers });
    switch (kind) {
      case "ok":
        return Promise.resolve().then(() => done(token()));
      case "okSlow":
        return sleep(15).then(() => done(token()));
      case "400":
      case "401":
      case "500":
      case "503":
        up.codes.add({ 400: "bad_request", 401: "unauthorized", 500: "server_error", 503: "server_error" }[kind]);
        return Promise.resolve(done(status(Number(kind))));
      case "429":
        up.codes.add("rate_limited");
        return Promise.resolve(done(status(429, {}, { "retry-after": "0" })));
      case "429late":
        up.codes.add("rate_limited");
        return Promise.resolve(done(status(429, {}, { "retry-after": "3600" })));
      case "network":
        up.codes.add("network");
        return Promise.reject(new TypeError("fetch failed " + CREDS.apiKey)).finally(() => done());
      case "badBody":
        up.codes.add("invalid_response");
        return Promise.resolve(done(new Response("<html>")));
      case "redirect":
        up.codes.add("unexpected_status");
        return Promise.resolve(done(new Response(null, { status: 302, headers: { location: "http://127.0.0.1:9/" } })));
      case "hang":
        up.codes.add("timeout");
        // Never answers; counts as open until the client aborts it (at its timeout).
        return new Promise((_, reject) => {
          const signal = request.signal;
          const close = () => {
            done();
            reject(signal.reason);
          };
          if (signal.aborted) close();
          else signal.addEventListener("abort", close, { once: true });
          setTimeout(() => signal.aborted || close(), timeoutMs * 20);
        });
    }
    throw new Error("unknown answer " + kind);
  };
  return up;
}

// ---- Stores --------------------------------------------------------------------------------

/** A working store (a Map with TTLs on the fake clock), with claim, release and reserve. */
function mapStore(clock, log, slowReserveMs = 0) {
  const map = new Map();
  const live = (k) => {
    const e = map.get(k);
    if (e && e.until <= clock.t) map.delete(k);
    return map.get(k);
  };
  return {
    map,
    get: (k) => live(k)?.value,
    set(k, v, ttl) {
      log.push(v);
      map.set(k, { value: v, until: clock.t + ttl });
    },
    delete: (k) => void map.delete(k),
    claim(k, owner, ttl) {
      if (live(k)) return live(k).value === owner;
      map.set(k, { value: owner, until: clock.t + ttl });
      return true;
    },
    release(k, owner) {
      if (live(k)?.value === owner) map.delete(k);
    },
    reserve(k, limit, windowMs, now) {
      if (slowReserveMs) return sleep(slowReserveMs).then(() => reserveNow(k, limit, windowMs, now));
      return reserveNow(k, limit, windowMs, now);
    },
  };
  function reserveNow(k, limit, windowMs, now) {
    const times = (live(k)?.times ?? []).filter((t) => t + windowMs > now);
    if (times.length >= limit) return Math.max(0, Math.min(...times) + windowMs - now);
    times.push(now);
    map.set(k, { times, until: Infinity });
    return 0;
  }
}

const STORE_MODES = ["ok", "ok", "ok", "throw", "throw", "reject", "reject", "garbage", "garbage", "garbage", "hang"];
const GARBAGE = {
  get: [42, {}, "not json", "null", "[]", '{"token":5}', "stale", "soon", "nan", "future", "spaces", Symbol("g"), 10n],
  claim: ["yes", 1, null, {}, NaN],
  reserve: [NaN, -1, "0", null, {}, Infinity, -Infinity, "5"],
  other: [42, "x", {}, Promise.resolve(7)],
};

/** A store whose every method, per call, works or throws, rejects, hangs or answers garbage. */
function randomStore(clock, log, modes, pick) {
  const inner = mapStore(clock, log);
  const fabricated = new Map(); // token -> expiresAt, for the well-formed tokens it made up
  const wrap = (name, f) =>
    function (...args) {
      const mode = modes[name][pick() % modes[name].length];
      switch (mode) {
        case "throw":
          throw new Error(`store ${name} down ` + CREDS.apiKey);
        case "reject":
          return Promise.reject(new Error(`store ${name} down`));
        case "hang":
          return new Promise(() => {});
        case "garbage": {
          const g = GARBAGE[name] ?? GARBAGE.other;
          const v = g[pick() % g.length];
          if (name === "get" && typeof v === "string") {
            const exp = { stale: clock.t - 1, soon: clock.t + 10_000, nan: NaN, future: clock.t + HOUR, spaces: clock.t + HOUR }[v];
            if (exp !== undefined) {
              const token = v === "spaces" ? "tc fab" : `tc_fab_${fabricated.size}`;
              if (v === "future") fabricated.set(token, exp);
              return JSON.stringify({ token, createdAt: "c", expiresAt: exp });
            }
          }
          return pick() % 2 ? Promise.resolve(v) : v;
        }
      }
      const r = f(...args);
      return pick() % 2 ? Promise.resolve(r) : r;
    };
  const store = {};
  for (const name of ["get", "set", "delete", "claim", "release", "reserve"]) store[name] = wrap(name, inner[name]);
  return { store, fabricated };
}

// ---- Schedules -------------------------------------------------------------------------------

function stepArb(stepBack) {
  const advance = fc.oneof(
    fc.integer({ min: 0, max: 5_000 }),
    fc.integer({ min: 60_000, max: 1_800_000 }),
    fc.integer({ min: HOUR - 200_000, max: HOUR + 10_000 }),
    fc.integer({ min: 2 * HOUR, max: 3 * HOUR }),
  );
  const steps = [
    { weight: 4, arbitrary: fc.record({ advance }) },
    { weight: 6, arbitrary: fc.record({ call: fc.constantFrom("getToken", "getAccessToken", "authorizationHeader"), n: fc.integer({ min: 1, max: 3 }), wait: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constant({ invalidate: true }) },
    { weight: 1, arbitrary: fc.constant({ quota: true }) },
    { weight: 1, arbitrary: fc.record({ sleep: fc.integer({ min: 0, max: 30 }) }) },
    // To just around the expiry of the last token issued: the edges of the refresh window and of expiry.
    { weight: 2, arbitrary: fc.record({ nearExpiry: fc.oneof(fc.integer({ min: -40_000, max: 40_000 }), fc.integer({ min: -700_000, max: -100_000 })) }) },
  ];
  if (stepBack) steps.push({ weight: 2, arbitrary: fc.record({ back: fc.oneof(fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 60_000, max: 2 * HOUR })) }) });
  return fc.oneof(...steps);
}

function configArb() {
  return fc.record({
    quotaLimit: fc.integer({ min: 1, max: 4 }),
    quotaWindowMs: fc.constantFrom(1_000, 60_000, 1_800_000, 3 * HOUR),
    refreshWindowMs: fc.constantFrom(0, 10_000, 120_000, 600_000),
    maxRetries: fc.constantFrom(0, 0, 1, 1, 2),
    timeoutMs: fc.integer({ min: 60, max: 120 }),
    concurrentClients: fc.constant(1),
  });
}

function scheduleArb({ withStore }) {
  return fc.boolean().chain((stepBack) =>
    fc.record({
      stepBack: fc.constant(stepBack),
      cfg: configArb(),
      script: withStore ? fc.constant([]) : fc.array(fc.constantFrom(...ANSWERS), { maxLength: 12 }),
      steps: fc.array(stepArb(stepBack), { minLength: 1, maxLength: 30 }),
      store: withStore
        ? fc.record({
            get: fc.array(fc.constantFrom(...STORE_MODES), { minLength: 1, maxLength: 4 }),
            set: fc.array(fc.constantFrom(...STORE_MODES), { minLength: 1, maxLength: 3 }),
            delete: fc.array(fc.constantFrom(...STORE_MODES), { minLength: 1, maxLength: 3 }),
            claim: fc.array(fc.constantFrom("ok", "throw", "reject", "garbage", "garbage", "hang"), { minLength: 1, maxLength: 3 }),
            release: fc.array(fc.constantFrom(...STORE_MODES), { minLength: 1, maxLength: 3 }),
            reserve: fc.array(fc.constantFrom(...STORE_MODES), { minLength: 1, maxLength: 3 }),
            seed: fc.nat(),
          })
        : fc.oneof(fc.constant(null), fc.constant(null), fc.constant("map"), fc.record({ slowReserveMs: fc.integer({ min: 1, max: 20 }) })),
    }),
  );
}

// ---- Running one schedule -------------------------------------------------------------------

function describe(v) {
  try {
    return v instanceof Error ? `${v.name}: ${v.code ?? ""} ${v.message}` : inspect(v, { depth: 2 }).slice(0, 300);
  } catch {
    return "<unprintable>";
  }
}

/** The fetch times (fake clock) that fall in one window more often than the limit, if any. */
function overQuota(times, limit, windowMs) {
  const sorted = [...times].sort((a, b) => a - b);
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j] + windowMs <= sorted[i]) j++;
    if (i - j + 1 > limit) return sorted.slice(j, i + 1);
  }
  return null;
}

async function runSchedule(s, unhandled) {
  const clock = fakeClock();
  const up = upstream(s.script, clock, s.cfg.timeoutMs);
  const stored = []; // every value written to the store: exact expiresAt of tokens
  let store,
    fabricated = new Map();
  if (s.store === "map") store = mapStore(clock, stored);
  else if (s.store?.slowReserveMs) store = mapStore(clock, stored, s.store.slowReserveMs);
  else if (s.store) {
    let x = s.store.seed >>> 0 || 1;
    const pick = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x >>> 8);
    ({ store, fabricated } = randomStore(clock, stored, s.store, pick));
  }
  const client = new TokenClient({
    ...CREDS,
    fetch: up.fetch,
    now: clock.now,
    timeoutMs: s.cfg.timeoutMs,
    maxRetries: s.cfg.maxRetries,
    quotaLimit: s.cfg.quotaLimit,
    quotaWindowMs: s.cfg.quotaWindowMs,
    refreshWindowMs: s.cfg.refreshWindowMs,
    ...(store ? { store } : {}),
  });
  const exact = new Map(); // token -> expiresAt, when seen
  const results = [];
  const pending = [];
  const start = (call) => {
    const from = clock.mark();
    const at = clock.t;
    const fetchesBefore = up.calls.length;
    let p;
    try {
      p = client[call]();
    } catch (e) {
      throw new Error(`${call}() threw synchronously: ${describe(e)}`);
    }
    const tracked = settleWithin(p, 60_000).then((out) => {
      results.push({ call, from, at, to: clock.mark(), fetchesBefore, out });
    });
    pending.push(tracked);
    return tracked;
  };
  for (const step of s.steps) {
    // Time passes between two steps: what the last one started runs up to its next wait.
    await new Promise((r) => setImmediate(r));
    if ("advance" in step) clock.set(clock.t + step.advance);
    else if ("nearExpiry" in step) {
      const target = up.lastIssuedAt === undefined ? clock.t : up.lastIssuedAt + HOUR + step.nearExpiry;
      if (target >= clock.t || s.stepBack) clock.set(target);
    }
    else if ("back" in step) clock.set(clock.t - step.back);
    else if ("sleep" in step) await sleep(step.sleep);
    else if ("invalidate" in step) client.invalidate();
    else if ("quota" in step) {
      const q = client.quota();
      if (!(q.limit === s.cfg.quotaLimit && q.windowMs === s.cfg.quotaWindowMs && q.used >= 0 && q.used <= q.limit && q.remaining === q.limit - q.used && (q.used === 0) === (q.resetAt === null))) {
        throw new Error(`quota() is inconsistent: ${JSON.stringify(q)}`);
      }
    } else {
      const calls = Array.from({ length: step.n }, () => start(step.call));
      if (step.wait) await Promise.all(calls);
    }
  }
  await Promise.all(pending);
  // Let background refreshes land, then every fetch that is still open close.
  for (let i = 0; i < 600 && up.open > 0; i++) await sleep(10);
  await sleep(5);
  if (up.open > 0) throw new Error(`${up.open} fetch(es) still open long after the schedule`);

  for (const v of stored) {
    try {
      const e = JSON.parse(v);
      if (typeof e.token === "string" && Number.isFinite(e.expiresAt)) exact.set(e.token, e.expiresAt);
    } catch {}
  }
  for (const r of results) if (r.out.value && typeof r.out.value === "object") exact.set(r.out.value.token, r.out.value.expiresAt);
  for (const [token, expiresAt] of fabricated) exact.set(token, expiresAt);

  const problems = [];
  for (const r of results) {
    const { min } = clock.range(r.from);
    if (r.out.late) {
      problems.push(`${r.call}() at ${r.at - START} did not settle within 60 s`);
      continue;
    }
    if ("error" in r.out) {
      const e = r.out.error;
      if (!(e instanceof TruecallerError) || !CODES.includes(e.code)) problems.push(`${r.call}() rejected with ${describe(e)}`);
      else if (["invalid_options", "aborted"].includes(e.code)) problems.push(`${r.call}() rejected with ${e.code}`);
      const leaked = leak(e, inspect, [...up.issued.keys()]);
      if (leaked) problems.push(`the key or a token leaked: ${leaked.slice(0, 200)}`);
      r.code = e.code;
      continue;
    }
    const v = r.out.value;
    const token = r.call === "getAccessToken" ? v?.token : r.call === "authorizationHeader" ? (v?.startsWith?.("Bearer ") ? v.slice(7) : null) : v;
    if (typeof token !== "string") {
      problems.push(`${r.call}() resolved with ${describe(v)}`);
      continue;
    }
    if (!up.issued.has(token) && !fabricated.has(token)) {
      problems.push(`${r.call}() handed out a token that nobody issued: ${token}`);
      continue;
    }
    let expiresAt = exact.get(token);
    if (r.call === "getAccessToken") expiresAt = v.expiresAt;
    if (expiresAt === undefined) {
      // Not seen with its expiry: the latest the client can have received it bounds it.
      const { max } = clock.range(up.issued.get(token).from);
      expiresAt = max + HOUR;
    }
    if (!(expiresAt > min)) problems.push(`${r.call}() at fake time ${r.at - START} (lowest ${min - START} while pending) handed out ${token} which expired at ${expiresAt - START}`);
  }
  const times = up.calls.map((c) => c.at);
  // (With a clock that stepped back, the client's window may keep an entry the fake-time window
  // would have let go: refusals are then conservative, which is allowed.)
  for (const x of s.stepBack ? [] : results) {
    if (x.code !== "quota_exhausted") continue;
    // Refused locally: at some clock value while the call was pending, `limit` fetches were
    // recent enough to count (t + window > now, as the client's window keeps them).
    const values = clock.log.slice(x.from, x.to + 1);
    const full = values.some((now) => times.filter((t) => t + s.cfg.quotaWindowMs > now).length >= s.cfg.quotaLimit);
    if (!full) problems.push(`${x.call}() failed with quota_exhausted at ${x.at - START} although fewer than ${s.cfg.quotaLimit} fetches were in the window (fetches at ${times.map((t) => t - START).join(", ")})`);
  }
  // The window is checked on the fake clock between its steps back: once a clock steps back past
  // a request the window already let go of, no client can know of it (a limit of the design,
  // shown by tests/props/README.md), so each stretch of a monotone clock is checked on its own.
  let over = null;
  for (let seg = 0; seg <= clock.backs && !over; seg++) over = overQuota(up.calls.filter((c) => c.segment === seg).map((c) => c.at), s.cfg.quotaLimit, s.cfg.quotaWindowMs);
  if (over) problems.push(`${over.length} fetches within ${s.cfg.quotaWindowMs} ms (limit ${s.cfg.quotaLimit}): at ${over.map((t) => t - START).join(", ")}`);
  await sleep(0);
  const seen = unhandled.take();
  if (seen.length) problems.push(`unhandled rejection(s): ${seen.map(describe).join("; ")}`);
  return { problems, results, up, clock };
}

function tallyInto(tally, r) {
  tally.runs++;
  tally.fetches += r.up.calls.length;
  for (const x of r.results) {
    const k = x.out.value !== undefined ? "ok" : x.code ?? "other";
    tally.outcomes[k] = (tally.outcomes[k] ?? 0) + 1;
  }
}

const SCHEDULES = "TokenClient: random schedules, fake clock, random upstream";
test(SCHEDULES, { skip: !selected(SCHEDULES), timeout: 30 * 60_000 }, async (t) => {
  const unhandled = watchUnhandled();
  const tally = { runs: 0, fetches: 0, outcomes: {} };
  try {
    const property = fc.asyncProperty(scheduleArb({ withStore: false }), async (s) => {
      const r = await runSchedule(s, unhandled);
      tallyInto(tally, r);
      if (r.problems.length) throw new Error(r.problems.join("\n"));
    });
    // Found by hand, kept as an example: the local window stamps a request with the time before
    // a slow fleet reserve, the request goes out later, and the window forgets it too early.
    const slowReserve = {
      stepBack: false,
      cfg: { quotaLimit: 1, quotaWindowMs: 60_000, refreshWindowMs: 0, maxRetries: 0, timeoutMs: 100, concurrentClients: 1 },
      script: [],
      steps: [{ call: "getToken", n: 1, wait: false }, { advance: 59_000 }, { sleep: 30 }, { advance: 1_000 }, { invalidate: true }, { call: "getToken", n: 1, wait: true }],
      store: { slowReserveMs: 20 },
    };
    // The edges of expiry, always tried: just before the must-wait margin, at expiry, just after.
    const edges = (refreshWindowMs) => ({
      stepBack: false,
      cfg: { quotaLimit: 4, quotaWindowMs: 60_000, refreshWindowMs, maxRetries: 0, timeoutMs: 100, concurrentClients: 1 },
      script: [],
      steps: [
        { call: "getAccessToken", n: 1, wait: true },
        { nearExpiry: -30_001 },
        { call: "getToken", n: 2, wait: true },
        { nearExpiry: -1 },
        { call: "getToken", n: 1, wait: true },
        { sleep: 20 },
        { nearExpiry: 0 },
        { call: "authorizationHeader", n: 1, wait: true },
        { nearExpiry: 1 },
        { call: "getToken", n: 1, wait: true },
      ],
      store: null,
    });
    const cfg = { ...config(SCHEDULES, runs(80, 0.3)), examples: [[slowReserve], [edges(0)], [edges(120_000)]] };
    assertSummary(t, SCHEDULES, FILE, await runProperty(fc, property, cfg));
    t.diagnostic(`${tally.fetches} fetches; outcomes ${JSON.stringify(tally.outcomes)}`);
  } finally {
    unhandled.stop();
  }
});

const STORES = "TokenClient: stores that fail at random";
test(STORES, { skip: !selected(STORES), timeout: 30 * 60_000 }, async (t) => {
  const unhandled = watchUnhandled();
  const tally = { runs: 0, fetches: 0, outcomes: {} };
  try {
    const property = fc.asyncProperty(scheduleArb({ withStore: true }), async (s) => {
      const r = await runSchedule(s, unhandled);
      tallyInto(tally, r);
      // The upstream always answers: a memory-only client fails only when its window is full.
      for (const x of r.results) {
        if (x.code && x.code !== "quota_exhausted") r.problems.push(`${x.call}() failed with ${x.code} (${x.out.error.message}) although the upstream always answers`);
      }
      if (r.problems.length) throw new Error(r.problems.join("\n"));
    });
    assertSummary(t, STORES, FILE, await runProperty(fc, property, config(STORES, runs(40, 0.2))));
    t.diagnostic(`${tally.fetches} fetches; outcomes ${JSON.stringify(tally.outcomes)}`);
  } finally {
    unhandled.stop();
  }
});
