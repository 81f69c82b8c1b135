// TokenClient through the real wasm build (build/pkg) in Node, against the local token server.
// Time-dependent behaviour uses an injected clock (`now`); the network is real.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { inspect } from "node:util";
import { TokenClient, TruecallerError } from "../../build/pkg/node.mjs";
import { startTokenServer, originOf, DEMO_CREDENTIALS, requestCount } from "../server/token-server.mjs";

const HOUR = 3600_000;
let server, base, seq = 0;

before(async () => {
  // The server's own 10-per-30-minutes limit is real time; these tests count requests themselves.
  server = await startTokenServer({ port: 0, quotaLimit: Infinity });
  base = originOf(server);
});
after(() => server.closeAll());

const id = (name) => `${name}-${++seq}`;
const requests = (key) => requestCount(base, key);
function fakeClock(start = Date.UTC(2026, 0, 1)) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}
function client(prefix, extra = {}) {
  return new TokenClient({ ...DEMO_CREDENTIALS, baseUrl: `${base}${prefix}`, ...extra });
}
async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof TruecallerError, String(e));
    return e;
  }
  assert.fail("expected a rejection");
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(cond, what) {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await sleep(10);
  }
  assert.fail("timed out waiting for " + what);
}

test("10,000 concurrent cold getToken() calls make exactly one request", async (t) => {
  const key = id("flight");
  const c = client(`/t/${key}`);
  const tokens = await Promise.all(Array.from({ length: 10_000 }, () => c.getToken()));
  assert.equal(new Set(tokens).size, 1);
  assert.match(tokens[0], /^tc_/);
  const made = await requests(key);
  t.diagnostic(`10,000 concurrent cold calls: ${made} request(s)`);
  assert.equal(made, 1);
});

test("a cached token is served without a request, even when created_at is from 2025", async () => {
  const c = client("/s/old");
  const before = await requests("old");
  const first = await c.getAccessToken();
  assert.equal(first.createdAt, "2025-07-10T06:59:05.72Z");
  assert.equal(await c.getToken(), first.token);
  assert.equal((await c.getAccessToken()).token, first.token);
  assert.equal(await c.authorizationHeader(), "Bearer " + first.token);
  assert.equal(await requests("old"), before + 1);
  assert.ok(Object.isFrozen(first), "the shared AccessToken object cannot be changed by one caller");
});

test("inside the refresh window: old token at once, one background request, then the new token", async () => {
  const key = id("refresh");
  const clock = fakeClock();
  const c = client(`/t/${key}`, { now: clock.now });
  const first = await c.getAccessToken();
  assert.equal(first.expiresAt, clock.t + HOUR);
  clock.t = first.expiresAt - 59_000; // in the second half of the 2-minute window
  const during = await Promise.all(Array.from({ length: 50 }, () => c.getToken()));
  assert.ok(during.every((t) => t === first.token), "the cached token comes back at once");
  await until(async () => (await c.getToken()) !== first.token, "the background refresh");
  assert.equal(await requests(key), 2, "exactly one background request");
  const second = await c.getAccessToken();
  assert.equal(second.expiresAt, clock.t + HOUR);
});

test("expired (or within 30 s of expiry): callers wait for the new token", async () => {
  const key = id("expired");
  const clock = fakeClock();
  const c = client(`/t/${key}`, { now: clock.now });
  const first = await c.getAccessToken();
  clock.t = first.expiresAt - 10_000;
  const [a, b] = await Promise.all([c.getToken(), c.getToken()]);
  assert.equal(a, b);
  assert.notEqual(a, first.token);
  assert.equal(await requests(key), 2);
  clock.t += 2 * HOUR;
  assert.notEqual(await c.getToken(), a);
  assert.equal(await requests(key), 3);
});

test("quota: 10 mints, the 11th refused locally with nothing sent; free again after the window", async () => {
  const key = id("quota");
  const clock = fakeClock();
  const c = client(`/t/${key}`, { now: clock.now });
  const tokens = new Set();
  for (let i = 0; i < 10; i++) {
    c.invalidate();
    tokens.add(await c.getToken());
    clock.t += 1000;
  }
  assert.equal(tokens.size, 10);
  let q = c.quota();
  assert.deepEqual(q, { limit: 10, windowMs: 1_800_000, used: 10, remaining: 0, resetAt: clock.t - 10_000 + 1_800_000 });
  c.invalidate();
  const e = await rejection(c.getToken());
  assert.equal(e.code, "quota_exhausted");
  assert.equal(e.retryAfterMs, 1_800_000 - 10_000);
  assert.equal(e.status, undefined);
  assert.equal(await requests(key), 10, "nothing was sent");
  clock.t += 1_800_000;
  assert.match(await c.getToken(), /^tc_/);
  q = c.quota();
  assert.equal(q.used, 1);
  assert.equal(await requests(key), 11);
});

test("retries: 503 then 200 makes 2 requests and succeeds", async () => {
  const key = id("retry");
  const c = client(`/q/${key}/503,200`);
  assert.match(await c.getToken(), /^tc_/);
  assert.equal(await requests(key), 2);
  assert.equal(c.quota().used, 2, "every attempt counts against the quota");
});

test("retries: 400 and 401 are never retried", async () => {
  for (const status of ["400", "401"]) {
    const key = id("noretry" + status);
    const c = client(`/q/${key}/${status},200`, { maxRetries: 3 });
    const e = await rejection(c.getToken());
    assert.equal(e.code, status === "400" ? "bad_request" : "unauthorized");
    assert.equal(await requests(key), 1);
  }
});

test("retries: maxRetries 2 against a steady 500 makes 3 requests", async () => {
  const key = id("steady");
  const c = client(`/q/${key}/500`, { maxRetries: 2 });
  const e = await rejection(c.getToken());
  assert.equal(e.code, "server_error");
  assert.equal(e.status, 500);
  assert.equal(await requests(key), 3);
});

test("retries: 429 with Retry-After is honoured", async () => {
  const key = id("ra");
  const c = client(`/q/${key}/429,200`);
  const started = Date.now();
  assert.match(await c.getToken(), /^tc_/);
  assert.ok(Date.now() - started >= 950, "the retry waited for Retry-After: 1");
  assert.equal(await requests(key), 2);
});

test("retries stop at the quota: the last upstream error comes back, nothing more is sent", async () => {
  const key = id("quota-retry");
  const c = client(`/q/${key}/500`, { maxRetries: 3, quotaLimit: 1 });
  const e = await rejection(c.getToken());
  assert.equal(e.code, "server_error");
  assert.equal(await requests(key), 1);
  assert.equal((await rejection(c.getToken())).code, "quota_exhausted");
  assert.equal(await requests(key), 1);
});

test("a failed background refresh keeps the old token and is not retried for 30 s", async () => {
  const key = id("bgfail");
  const clock = fakeClock();
  // 1st request mints; the next two fail; the 4th mints again.
  // A 10-minute window: the refresh starts within its first half, so 299 s before expiry is
  // inside it for any spread, and the 30 s back-off ends long before the must-wait margin.
  const c = client(`/q/${key}/200,500,500,200`, { now: clock.now, maxRetries: 0, refreshWindowMs: 600_000 });
  const first = await c.getAccessToken();
  clock.t = first.expiresAt - 299_000;
  assert.equal(await c.getToken(), first.token);
  await until(async () => (await requests(key)) === 2, "the background refresh");
  await sleep(20);
  for (let i = 0; i < 29; i++) {
    clock.t += 1000;
    assert.equal(await c.getToken(), first.token, "the old token is still served");
  }
  await sleep(20);
  assert.equal(await requests(key), 2, "no new attempt within 30 s");
  clock.t += 1000;
  assert.equal(await c.getToken(), first.token);
  await until(async () => (await requests(key)) === 3, "the second background attempt");
  await sleep(50); // let that attempt's failure land
  // Now within 30 s of expiry: callers wait, and the 4th request mints.
  clock.t = first.expiresAt - 10_000;
  const next = await c.getToken();
  assert.notEqual(next, first.token);
  assert.equal(await requests(key), 4);
});

test("a failed mint does not poison the next call", async () => {
  const key = id("poison");
  const c = client(`/q/${key}/400,200`);
  assert.equal((await rejection(c.getToken())).code, "bad_request");
  assert.match(await c.getToken(), /^tc_/);
  assert.equal(await requests(key), 2);
});

test("fetch(): Authorization header; a 401 re-mints once and replays the same body", async () => {
  const key = id("api");
  const seen = [];
  let rejectFirst = true;
  const api = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ authorization: req.headers.authorization, body, custom: req.headers["x-custom"] });
      const status = rejectFirst ? 401 : 200;
      rejectFirst = false;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: status === 200 }));
    });
  });
  await new Promise((r) => api.listen(0, "127.0.0.1", r));
  try {
    const c = client(`/t/${key}`);
    const res = await c.fetch(`${originOf(api)}/v1/verify`, { method: "POST", body: '{"n":1}', headers: { "x-custom": "kept" } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
    assert.equal(seen.length, 2);
    assert.match(seen[0].authorization, /^Bearer tc_/);
    assert.match(seen[1].authorization, /^Bearer tc_/);
    assert.notEqual(seen[0].authorization, seen[1].authorization, "the retry carries the new token");
    assert.deepEqual([seen[0].body, seen[1].body], ['{"n":1}', '{"n":1}']);
    assert.deepEqual([seen[0].custom, seen[1].custom], ["kept", "kept"]);
    assert.equal(await requests(key), 2);

    // A Request object is cloned per attempt, so its body replays too (a new client: the
    // token minted after a 401 is not renewed for another).
    rejectFirst = true;
    seen.length = 0;
    const c2 = client(`/t/${id("api-request")}`);
    const r2 = await c2.fetch(new Request(`${originOf(api)}/v1/x`, { method: "PUT", body: new Uint8Array([1, 2, 3]) }));
    assert.equal(r2.status, 200);
    assert.deepEqual(seen.map((s) => s.body), ["\u0001\u0002\u0003", "\u0001\u0002\u0003"]);

    // A stream body cannot be replayed: the 401 goes back to the caller.
    rejectFirst = true;
    seen.length = 0;
    const stream = new ReadableStream({ start(ctl) { ctl.enqueue(new TextEncoder().encode("once")); ctl.close(); } });
    const r3 = await c.fetch(`${originOf(api)}/v1/y`, { method: "POST", body: stream, duplex: "half" });
    assert.equal(r3.status, 401);
    assert.equal(seen.length, 1);
  } finally {
    api.close();
  }
});

/** An API server answering `status(req)`; it records what each request carried. */
async function apiServer(status) {
  const seen = [];
  const api = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ path: req.url, method: req.method, authorization: req.headers.authorization, body });
      res.writeHead(status(req), { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise((r) => api.listen(0, "127.0.0.1", r));
  return { seen, url: (path) => `${originOf(api)}${path}`, close: () => api.close() };
}

test("fetch(): an API that refuses with 401 costs one re-mint, not the quota; the 401 comes back", async () => {
  const key = id("api-401");
  const api = await apiServer((req) => (req.url === "/forbidden" ? 401 : 200));
  try {
    const c = client(`/t/${key}`);
    assert.equal((await c.fetch(api.url("/ok"))).status, 200);
    for (let i = 0; i < 12; i++) {
      assert.equal((await c.fetch(api.url("/forbidden"))).status, 401, `call ${i + 1}`);
      assert.equal((await c.fetch(api.url("/ok"))).status, 200);
    }
    assert.equal(await requests(key), 2, "the first token, and one minted after the first 401");
    assert.equal(c.quota().used, 2);
    assert.match(await c.getToken(), /^tc_/);
  } finally {
    api.close();
  }
});

test("fetch(): with no free request slot a 401 keeps the token and comes back as it is", async () => {
  const key = id("api-401-full");
  const api = await apiServer(() => 401);
  try {
    const c = client(`/t/${key}`, { quotaLimit: 1 });
    const token = await c.getToken();
    assert.equal((await c.fetch(api.url("/x"))).status, 401);
    assert.equal(api.seen.length, 1, "no retry: a new token could not be had");
    assert.equal(await c.getToken(), token, "the token still serves other calls");
    assert.equal(await requests(key), 1);
  } finally {
    api.close();
  }
});

test("fetch(): a re-mint that fails after a 401 hands back the 401", async () => {
  const api = await apiServer(() => 401);
  let mints = 0;
  // The injected fetch sends the API calls too: only the token endpoint's are answered here.
  const tokenFetch = async (input, init) => {
    if (!String(input.url ?? input).endsWith("/token")) return fetch(input, init);
    mints++;
    return mints === 1 ? Response.json({ token: "tc_first", created_at: "2026-01-01T00:00:00Z" }) : new Response("down", { status: 503 });
  };
  try {
    const c = new TokenClient({ ...DEMO_CREDENTIALS, fetch: tokenFetch, maxRetries: 0 });
    const res = await c.fetch(api.url("/x"));
    assert.equal(res.status, 401);
    assert.equal(mints, 2);
    assert.equal(api.seen.length, 1);
  } finally {
    api.close();
  }
});

test("fetch(): the caller's init.signal (or the Request's) ends the wait for a token at once", { timeout: 10_000 }, async () => {
  const api = await apiServer(() => 200);
  try {
    // The token endpoint answers after 1.5 s.
    const key = id("api-signal");
    const c = client(`/d/1500/t/${key}`);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    let started = Date.now();
    await assert.rejects(c.fetch(api.url("/x"), { signal: ctl.signal }), (e) => e.name === "AbortError");
    assert.ok(Date.now() - started < 1_000, `rejected after ${Date.now() - started} ms`);

    const ctl2 = new AbortController();
    setTimeout(() => ctl2.abort(new Error("caller gave up")), 100);
    started = Date.now();
    await assert.rejects(c.fetch(new Request(api.url("/y"), { signal: ctl2.signal })), /caller gave up/);
    assert.ok(Date.now() - started < 1_000, `rejected after ${Date.now() - started} ms`);
    assert.equal(api.seen.length, 0, "the API was never called");

    // An already aborted signal: nothing is minted for it.
    const cold = client(`/t/${id("api-signal-cold")}`);
    await assert.rejects(cold.fetch(api.url("/z"), { signal: AbortSignal.abort() }), (e) => e.name === "AbortError");
    assert.equal(cold.quota().used, 0);
  } finally {
    api.close();
  }
});

test("fetch(): init members inherited through the prototype are sent, as fetch sends them", async () => {
  const api = await apiServer(() => 200);
  try {
    const c = client(`/t/${id("api-proto")}`);
    const init = Object.create({ method: "POST", body: "from-the-prototype" });
    assert.equal((await c.fetch(api.url("/p"), init)).status, 200);
    assert.deepEqual([api.seen[0].method, api.seen[0].body], ["POST", "from-the-prototype"]);
  } finally {
    api.close();
  }
});

test("fetch(): a token failure rejects with TruecallerError; the API call's own failure passes through", async () => {
  const failing = client("/s/401");
  const e = await rejection(failing.fetch("http://127.0.0.1:9/v1"));
  assert.equal(e.code, "unauthorized");
  const closed = await startTokenServer({ port: 0 });
  const closedOrigin = originOf(closed);
  await closed.closeAll();
  const c = client(`/t/${id("passthrough")}`);
  await assert.rejects(c.fetch(`${closedOrigin}/v1`), (err) => err instanceof TypeError && !(err instanceof TruecallerError));
});

function mapStore(map = new Map()) {
  const writes = [];
  return {
    map,
    writes,
    get: (k) => map.get(k),
    set: (k, v, ttl) => {
      writes.push({ k, v, ttl });
      map.set(k, v);
    },
    delete: (k) => map.delete(k),
  };
}

test("store: two clients sharing a Map-backed store make one request", async () => {
  const key = id("store");
  const store = mapStore();
  const clock = fakeClock();
  const a = client(`/t/${key}`, { store, now: clock.now });
  const b = client(`/t/${key}`, { store, now: clock.now });
  const ta = await a.getToken();
  const tb = await b.getToken();
  assert.equal(ta, tb);
  assert.equal(await requests(key), 1);
  assert.equal(store.writes.length, 1);
  const { k, v, ttl } = store.writes[0];
  assert.equal(k, `truecaller-token:v1:${DEMO_CREDENTIALS.clientAccountId}:${DEMO_CREDENTIALS.keyId}`);
  const entry = JSON.parse(v);
  assert.deepEqual(Object.keys(entry), ["token", "createdAt", "expiresAt"]);
  assert.equal(entry.expiresAt, clock.t + HOUR);
  assert.equal(ttl, HOUR);
  assert.ok(!v.includes(DEMO_CREDENTIALS.apiKey), "the API key is never stored");
  // invalidate() removes the stored copy (in the background: only if it is still that token)
  // and does not adopt it again.
  a.invalidate();
  await until(() => store.map.size === 0, "the stored copy deleted");
  assert.notEqual(await a.getToken(), ta);
  assert.equal(await requests(key), 2);
});

test("store: async stores work; throwing, rejecting and garbage stores fall back to memory", async () => {
  const key = id("badstore");
  const map = new Map();
  const asyncStore = {
    get: async (k) => map.get(k),
    set: async (k, v) => void map.set(k, v),
  };
  const t1 = await client(`/t/${key}`, { store: asyncStore }).getToken();
  assert.equal(await client(`/t/${key}`, { store: asyncStore }).getToken(), t1);
  assert.equal(await requests(key), 1);

  const stores = [
    { get() { throw new Error("down"); }, set() { throw new Error("down"); }, delete() { throw new Error("down"); } },
    { get: () => Promise.reject(new Error("down")), set: () => Promise.reject(new Error("down")) },
    { get: () => "not json", set() {} },
    { get: () => "null", set() {} },
    { get: () => 42, set() {} },
    { get: () => JSON.stringify({ token: "x", createdAt: "c", expiresAt: "soon" }), set() {} },
    { get: () => JSON.stringify({ token: "stale", createdAt: "c", expiresAt: 1 }), set() {} },
    { get: () => new Promise(() => {}), set() {} },
  ];
  for (const store of stores) {
    const k2 = id("badstore");
    const c = client(`/t/${k2}`, { store });
    const t = await c.getToken();
    assert.match(t, /^tc_/);
    assert.equal(await c.getToken(), t);
    c.invalidate();
    assert.match(await c.getToken(), /^tc_/);
    assert.equal(await requests(k2), 2);
  }
});

test("a process that used a store is not kept alive by the store read's 2 s guard", async () => {
  const script = `
    import { TokenClient } from ${JSON.stringify(new URL("../../build/pkg/node.mjs", import.meta.url).href)};
    const map = new Map();
    const c = new TokenClient({ ...${JSON.stringify(DEMO_CREDENTIALS)}, baseUrl: ${JSON.stringify(base)},
      store: { get: (k) => map.get(k), set: (k, v) => map.set(k, v) } });
    await c.getToken();
    process.stdout.write("done");`;
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  let doneAt = 0;
  child.stdout.on("data", () => (doneAt ||= Date.now()));
  const code = await new Promise((r) => child.on("exit", r));
  assert.equal(code, 0);
  assert.equal(out, "done");
  assert.ok(Date.now() - doneAt < 1500, "the process exits once its work is done, not 2 s later");
});

test("callbacks (clock, store) may call back into the client without breaking it", async () => {
  const key = id("reenter");
  let c;
  const map = new Map();
  const seen = [];
  c = client(`/t/${key}`, {
    now: () => {
      seen.push(c ? c.quota().used : -1);
      return Date.now();
    },
    store: {
      get: (k) => {
        c.getToken().catch(() => {});
        return map.get(k);
      },
      set: (k, v) => void map.set(k, v),
      delete: (k) => {
        c.invalidate();
        map.delete(k);
      },
    },
  });
  const t1 = await c.getToken();
  assert.match(t1, /^tc_/);
  c.invalidate();
  const t2 = await c.getToken();
  assert.match(t2, /^tc_/);
  assert.notEqual(t1, t2);
  assert.ok(seen.length > 0, "the clock was used");
});

test("a setter on Object.prototype that calls back into the client while its token object is built breaks nothing", { timeout: 10_000 }, async () => {
  const key = id("proto-setter");
  let c;
  let armed = true;
  const reentered = [];
  Object.defineProperty(Object.prototype, "expiresAt", {
    configurable: true,
    set(v) {
      Object.defineProperty(this, "expiresAt", { value: v, enumerable: true, writable: true, configurable: true });
      if (c && armed) {
        armed = false;
        reentered.push(c.getToken());
      }
    },
  });
  try {
    c = client(`/t/${key}`);
    const access = await c.getAccessToken();
    assert.match(access.token, /^tc_/);
    assert.equal(reentered.length, 1, "the setter ran and called getToken()");
    assert.equal(await reentered[0], access.token);
  } finally {
    delete Object.prototype.expiresAt;
  }
  assert.equal(await c.getToken(), (await c.getAccessToken()).token);
  assert.equal(await requests(key), 1);
});

test("24 simulated hours, a caller every second: at most 25 mints, never an expired token", async (t) => {
  const key = id("day");
  const clock = fakeClock();
  const c = client(`/t/${key}`, { now: clock.now });
  const end = clock.t + 24 * HOUR;
  let expiredServed = 0;
  for (; clock.t < end; clock.t += 1000) {
    const access = await c.getAccessToken();
    if (access.expiresAt <= clock.t) expiredServed++;
  }
  // Let a refresh still in flight land before counting.
  await sleep(50);
  const mints = await requests(key);
  assert.equal(expiredServed, 0);
  assert.ok(mints >= 24 && mints <= 25, `minted ${mints}`);
  t.diagnostic(`24 simulated hours: ${mints} mints`);
});

test("a fetch that ignores its signal cannot hold callers past timeoutMs; the next call mints again", { timeout: 10_000 }, async () => {
  const key = id("stuck");
  let calls = 0;
  const stuckOnce = (request) => (++calls === 1 ? new Promise(() => {}) : fetch(request));
  const c = client(`/t/${key}`, { fetch: stuckOnce, timeoutMs: 50, maxRetries: 0 });
  const started = Date.now();
  const [first, joined] = await Promise.allSettled([c.getToken(), c.getToken()]);
  const waited = Date.now() - started;
  assert.deepEqual([first.reason?.code, joined.reason?.code], ["timeout", "timeout"], "both callers get the timeout");
  assert.ok(waited < 1000, `the timeout won on its own clock (${waited} ms)`);
  const token = await c.getToken();
  assert.match(token, /^tc_/);
  assert.equal(await c.getToken(), token);
  assert.equal(await requests(key), 1, "the stuck fetch never reached the server; the second one did");
});

test("the client object reveals neither the API key nor the token", async () => {
  const c = client(`/t/${id("secret")}`);
  const token = await c.getToken();
  for (const text of [String(c), JSON.stringify(c), inspect(c, { showHidden: true, depth: 10 }), inspect(c.quota())]) {
    assert.ok(!text.includes(DEMO_CREDENTIALS.apiKey), text);
    assert.ok(!text.includes(token), text);
  }
});

test("bad options throw synchronously with invalid_options", () => {
  const bad = [
    {},
    { ...DEMO_CREDENTIALS, refreshWindowMs: -1 },
    { ...DEMO_CREDENTIALS, maxRetries: 1.5 },
    { ...DEMO_CREDENTIALS, quotaLimit: 0 },
    { ...DEMO_CREDENTIALS, quotaWindowMs: Infinity },
    { ...DEMO_CREDENTIALS, store: {} },
    { ...DEMO_CREDENTIALS, store: { get() {} } },
    { ...DEMO_CREDENTIALS, now: 5 },
    { ...DEMO_CREDENTIALS, baseUrl: "http://example.com" },
  ];
  for (const options of bad) {
    assert.throws(() => new TokenClient(options), (e) => e instanceof TruecallerError && e.code === "invalid_options", inspect(options));
  }
  assert.throws(() => new TokenClient(), (e) => e instanceof TruecallerError && e.code === "invalid_options");
});

test("errors reach every waiting caller, and the caller's signal aborts minting", async () => {
  const c = client("/s/500", { maxRetries: 0 });
  const results = await Promise.allSettled([c.getToken(), c.getAccessToken(), c.authorizationHeader()]);
  assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected", "rejected"]);
  assert.ok(results.every((r) => r.reason instanceof TruecallerError && r.reason.code === "server_error"));
  const ctl = new AbortController();
  ctl.abort();
  const aborted = client(`/t/${id("abort")}`, { signal: ctl.signal });
  assert.equal((await rejection(aborted.getToken())).code, "aborted");
});

test("an aborted signal counts nothing: no request, no slot in the local window", async () => {
  const key = id("abort-quota");
  const ctl = new AbortController();
  ctl.abort(new Error("shutting down"));
  const c = client(`/t/${key}`, { signal: ctl.signal, quotaLimit: 3 });
  for (let i = 0; i < 5; i++) assert.equal((await rejection(c.getToken())).code, "aborted", `call ${i + 1}`);
  assert.equal(c.quota().used, 0);
  assert.equal(await requests(key), 0);
});

test("the caller's signal ends a retry's backoff at once", { timeout: 10_000 }, async () => {
  const ctl = new AbortController();
  // 429 with Retry-After: 7, and one retry allowed: the client would wait 7 s.
  const c = client("/s/429", { signal: ctl.signal, maxRetries: 1 });
  setTimeout(() => ctl.abort(new Error("shutting down")), 300);
  const started = Date.now();
  const e = await rejection(c.getToken());
  const waited = Date.now() - started;
  assert.equal(e.code, "aborted");
  assert.match(e.message, /shutting down/);
  assert.ok(waited < 3_000, `rejected after ${waited} ms`);
  assert.equal(c.quota().used, 1, "the one request sent is counted, the retry that never went out is not");
});

// ---- Fleets: a store with claim/release (a lease) and reserve (a shared quota window) ----

// An in-memory store with the semantics SPEC section 3 gives claim, release and reserve;
// `delay` ms on every call makes the races of a real network store likely.
function fleetStore({ claim = true, reserve = true, delay = 5 } = {}) {
  const map = new Map();
  const calls = { get: 0, set: 0, claim: 0, release: 0, reserve: 0 };
  const pause = () => new Promise((r) => setTimeout(r, delay));
  const live = (k) => {
    const e = map.get(k);
    if (e && e.expiresAt <= Date.now()) map.delete(k);
    return map.get(k);
  };
  const store = {
    map,
    calls,
    async get(k) {
      calls.get++;
      await pause();
      return live(k)?.value ?? null;
    },
    async set(k, v, ttl) {
      calls.set++;
      await pause();
      map.set(k, { value: v, expiresAt: Date.now() + ttl });
    },
    async delete(k) {
      map.delete(k);
    },
  };
  if (claim) {
    store.claim = async (k, owner, ttl) => {
      calls.claim++;
      await pause();
      const held = live(k);
      if (held) return held.value === owner;
      map.set(k, { value: owner, expiresAt: Date.now() + ttl });
      return true;
    };
    store.release = async (k, owner) => {
      calls.release++;
      if (live(k)?.value === owner) map.delete(k);
    };
  }
  if (reserve) {
    store.reserve = async (k, limit, windowMs, now) => {
      calls.reserve++;
      await pause();
      const window = (live(k)?.value ?? []).filter((t) => t + windowMs > now);
      if (window.length >= limit) return window[0] + windowMs - now;
      window.push(now);
      map.set(k, { value: window, expiresAt: Infinity });
      return 0;
    };
  }
  return store;
}
const LEASE = `truecaller-token:v1:${DEMO_CREDENTIALS.clientAccountId}:${DEMO_CREDENTIALS.keyId}:lease`;

test("fleet: 30 clients started together on a store with a lease make one request; without the lease, many", async (t) => {
  const key = id("fleet");
  const store = fleetStore();
  const clients = Array.from({ length: 30 }, () => client(`/t/${key}`, { store }));
  const tokens = await Promise.all(clients.map((c) => c.getToken()));
  assert.equal(new Set(tokens).size, 1, "every client adopted the holder's token");
  assert.equal(await requests(key), 1);
  await until(() => !store.map.has(LEASE), "the holder releases the lease after writing the token");
  assert.ok(store.calls.release >= 1);

  const naive = id("naive");
  const plain = fleetStore({ claim: false, reserve: false });
  await Promise.all(Array.from({ length: 30 }, () => client(`/t/${naive}`, { store: plain }).getToken()));
  const made = await requests(naive);
  t.diagnostic(`without a lease: ${made} requests for 30 clients`);
  assert.ok(made > 1, "the race the lease prevents is real in this setup");
});

test("fleet: a lease whose holder vanished lapses, and one waiting client mints", async () => {
  const key = id("lapse");
  const store = fleetStore();
  store.map.set(LEASE, { value: "a-holder-that-died", expiresAt: Date.now() + 600 });
  const started = Date.now();
  const tokens = await Promise.all(Array.from({ length: 5 }, () => client(`/t/${key}`, { store }).getToken()));
  assert.equal(new Set(tokens).size, 1);
  assert.ok(Date.now() - started >= 550, "they waited for the lease to lapse");
  assert.equal(await requests(key), 1);
});

test("fleet: a store whose claim never succeeds and never lapses cannot hang callers", { timeout: 30_000 }, async () => {
  const key = id("stuckclaim");
  const store = fleetStore();
  store.claim = async () => false;
  // timeoutMs 100 and no retries: the lease TTL (the mint deadline: the attempt, five store
  // calls of at most 2 s, and 1 s) is 11.1 s.
  const c = client(`/t/${key}`, { store, timeoutMs: 100, maxRetries: 0 });
  const started = Date.now();
  assert.match(await c.getToken(), /^tc_/);
  const waited = Date.now() - started;
  assert.ok(waited >= 11_000 && waited < 15_000, `waited ${waited} ms, then minted without the lease`);
  assert.equal(await requests(key), 1);
});

test("fleet: a claim that throws, rejects or answers garbage is left out (memory-only behaviour)", async () => {
  for (const claim of [
    () => {
      throw new Error("down");
    },
    () => Promise.reject(new Error("down")),
    () => "yes",
    () => new Promise(() => {}),
  ]) {
    const key = id("badclaim");
    const store = fleetStore();
    store.claim = claim;
    const started = Date.now();
    assert.match(await client(`/t/${key}`, { store }).getToken(), /^tc_/);
    assert.ok(Date.now() - started < 3000, "a claim that never answers is given up on after 2 s");
    assert.equal(await requests(key), 1);
  }
});

test("fleet: an aborted signal takes no slot in the fleet's window, so other clients are not locked out", async () => {
  const key = id("abort-fleet");
  const store = fleetStore({ delay: 1 });
  const ctl = new AbortController();
  ctl.abort();
  const stopped = client(`/t/${key}`, { store, signal: ctl.signal, quotaLimit: 2 });
  for (let i = 0; i < 4; i++) assert.equal((await rejection(stopped.getToken())).code, "aborted");
  assert.equal(store.calls.reserve, 0, "nothing was reserved for requests that never went out");
  const healthy = client(`/t/${key}`, { store, quotaLimit: 2 });
  assert.match(await healthy.getToken(), /^tc_/);
  assert.equal(await requests(key), 1);
});

test("fleet: a client waiting for another's lease stops waiting when its signal aborts", { timeout: 15_000 }, async () => {
  const key = id("abort-poll");
  const store = fleetStore({ delay: 1 });
  // The holder's request takes 1.5 s; the waiter's signal aborts after 200 ms.
  const holder = client(`/d/1500/t/${key}`, { store });
  const held = holder.getToken();
  await until(() => store.map.has(LEASE), "the holder's lease");
  const ctl = new AbortController();
  const waiter = client(`/t/${key}`, { store, signal: ctl.signal });
  setTimeout(() => ctl.abort(), 200);
  const started = Date.now();
  assert.equal((await rejection(waiter.getToken())).code, "aborted");
  assert.ok(Date.now() - started < 1_000, `rejected after ${Date.now() - started} ms, not when the holder's token came`);
  assert.match(await held, /^tc_/);
  assert.equal(await requests(key), 1);
});

test("fleet: a store write that never settles is given up on after 2 s; the lease is released", { timeout: 15_000 }, async () => {
  const key = id("hungset");
  const store = fleetStore({ delay: 1 });
  store.set = () => new Promise(() => {});
  const handed = [];
  const a = client(`/t/${key}`, { store, waitUntil: (p) => handed.push(p) });
  assert.match(await a.getToken(), /^tc_/);
  assert.equal(handed.length, 1, "the store write and the lease release");
  const started = Date.now();
  await handed[0];
  const waited = Date.now() - started;
  assert.ok(waited >= 1_500 && waited < 4_000, `waitUntil's promise settled after ${waited} ms`);
  assert.equal(store.calls.release, 1);
  assert.ok(!store.map.has(LEASE), "the lease is free again");
});

test("fleet: a client whose signal has aborted takes no lease", async () => {
  const key = id("abort-lease");
  const store = fleetStore({ delay: 1 });
  const c = client(`/t/${key}`, { store, signal: AbortSignal.abort() });
  assert.equal((await rejection(c.getToken())).code, "aborted");
  assert.equal(store.calls.claim, 0);
  assert.ok(!store.map.has(LEASE));
  assert.equal(await requests(key), 0);
});

test("fleet: the token minted after a 401 is not renewed by another client's 401 either", async () => {
  const key = id("fleet-401");
  const store = fleetStore({ delay: 1 });
  const api = await apiServer((req) => (req.url === "/bad" ? 401 : 200));
  try {
    // Isolates starting one after another, each calling a route that refuses every token.
    for (let i = 0; i < 12; i++) {
      const c = client(`/t/${key}`, { store });
      assert.equal((await c.fetch(api.url("/bad"))).status, 401, `client ${i + 1}`);
    }
    assert.equal(await requests(key), 2, "the first token, and one renewal for the whole fleet");
    assert.equal((await client(`/t/${key}`, { store }).fetch(api.url("/ok"))).status, 200);
    assert.equal(await requests(key), 2);
  } finally {
    api.close();
  }
});

test("fetch(): a renewal the fleet's window refuses keeps the token, cached and stored; the 401 comes back", async () => {
  const key = id("fleet-401-full");
  const store = fleetStore({ delay: 1 });
  const api = await apiServer((req) => (req.url === "/bad" ? 401 : 200));
  try {
    const c = client(`/t/${key}`, { store });
    const token = await c.getToken();
    store.reserve = async () => 60_000; // the fleet's window is full from now on
    assert.equal((await c.fetch(api.url("/bad"))).status, 401);
    assert.equal(await c.getToken(), token, "still cached");
    assert.equal(JSON.parse(store.map.get(`truecaller-token:v1:${DEMO_CREDENTIALS.clientAccountId}:${DEMO_CREDENTIALS.keyId}`).value).token, token, "still stored");
    assert.equal((await client(`/t/${key}`, { store }).fetch(api.url("/ok"))).status, 200, "other clients still have it");
    assert.equal(await requests(key), 1);
  } finally {
    api.close();
  }
});

test("fetch(): an abort while waiting for the renewed token rejects with the signal's reason", { timeout: 10_000 }, async () => {
  const api = await apiServer(() => 401);
  let mints = 0;
  const tokenFetch = async (input, init) => {
    if (!String(input.url ?? input).endsWith("/token")) return fetch(input, init);
    mints++;
    if (mints > 1) await sleep(1_000);
    return Response.json({ token: `tc_${mints}`, created_at: "2026-01-01T00:00:00Z" });
  };
  try {
    const c = new TokenClient({ ...DEMO_CREDENTIALS, fetch: tokenFetch });
    await c.getToken();
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error("caller gave up")), 100);
    const started = Date.now();
    await assert.rejects(c.fetch(api.url("/x"), { signal: ctl.signal }), /caller gave up/);
    assert.ok(Date.now() - started < 800, `rejected after ${Date.now() - started} ms`);
  } finally {
    api.close();
  }
});

/**
 * An injected fetch serving both the token endpoint (mint n gives `tc_n`, after `mintDelay(n)`
 * ms) and an API whose status depends on the bearer token (`api(authorization)`).
 */
function world({ api, mintDelay = () => 0, apiDelay = () => 0 }) {
  const w = { mints: 0, calls: [] };
  w.fetch = async (input, init) => {
    const request = new Request(input, init);
    if (request.url.endsWith("/token")) {
      const n = ++w.mints;
      await sleep(mintDelay(n));
      return Response.json({ token: `tc_${n}`, created_at: "2026-01-01T00:00:00Z" });
    }
    const authorization = request.headers.get("authorization");
    w.calls.push(authorization);
    await sleep(apiDelay(w.calls.length));
    return new Response("{}", { status: api(authorization) });
  };
  return w;
}

test("fetch(): a renewed token replaces the refused one even when the refused one expires later (another host's clock)", async () => {
  const w = world({ api: (auth) => (auth === "Bearer tc_1" ? 401 : 200) });
  const store = fleetStore({ delay: 1 });
  // Host A's clock is 2 minutes ahead: the token it stores expires 2 minutes after ours would.
  await new TokenClient({ ...DEMO_CREDENTIALS, fetch: w.fetch, store, now: () => Date.now() + 120_000 }).getToken();
  const b = new TokenClient({ ...DEMO_CREDENTIALS, fetch: w.fetch, store });
  assert.equal(await b.getToken(), "tc_1");
  for (let i = 0; i < 5; i++) assert.equal((await b.fetch("https://api.example/x")).status, 200, `call ${i + 1}`);
  assert.equal(w.mints, 2, "one renewal");
  assert.equal(await b.getToken(), "tc_2");
  const stored = JSON.parse(store.map.get(`truecaller-token:v1:${DEMO_CREDENTIALS.clientAccountId}:${DEMO_CREDENTIALS.keyId}`).value);
  assert.deepEqual([stored.token, stored.after401], ["tc_2", true]);
});

test("fetch(): a 401 while a renewal is under way joins it, even when that renewal took the last slot", async () => {
  const w = world({
    api: (auth) => (auth === "Bearer tc_1" ? 401 : 200),
    mintDelay: (n) => (n > 1 ? 300 : 0),
    apiDelay: (i) => (i === 1 ? 100 : 10),
  });
  const c = new TokenClient({ ...DEMO_CREDENTIALS, fetch: w.fetch, quotaLimit: 2 });
  await c.getToken();
  const statuses = (await Promise.all([c.fetch("https://api.example/a"), c.fetch("https://api.example/b")])).map((r) => r.status);
  assert.deepEqual(statuses, [200, 200]);
  assert.equal(w.mints, 2);
});

test("fleet quota: 12 clients forcing re-mints on a store with reserve stay within quotaLimit per window", async (t) => {
  const key = id("fleetquota");
  const store = fleetStore({ claim: false });
  const clients = Array.from({ length: 12 }, () => client(`/t/${key}`, { store }));
  const outcomes = await Promise.allSettled(
    clients.map(async (c) => {
      c.invalidate();
      const first = await c.getToken();
      c.invalidate();
      return [first, await c.getToken()];
    }),
  );
  const made = await requests(key);
  const refused = outcomes.filter((o) => o.status === "rejected");
  t.diagnostic(`12 clients x 2 forced mints: ${made} requests, ${refused.length} refused locally`);
  assert.ok(made <= 10, `${made} requests in one window`);
  assert.ok(refused.length > 0);
  for (const { reason } of refused) {
    assert.ok(reason instanceof TruecallerError);
    assert.equal(reason.code, "quota_exhausted");
    assert.ok(reason.retryAfterMs > 0 && reason.retryAfterMs <= 1_800_000);
  }
  // The local window gave the refused slot back: nothing was sent for it.
  const used = clients.reduce((n, c) => n + c.quota().used, 0);
  assert.equal(used, made);
});

test("fleet quota: a reserve that fails leaves only the local window", async () => {
  const key = id("badreserve");
  const store = fleetStore({ claim: false });
  store.reserve = () => Promise.reject(new Error("down"));
  assert.match(await client(`/t/${key}`, { store }).getToken(), /^tc_/);
  assert.equal(await requests(key), 1);
});

test("waitUntil receives every background refresh and store write", async () => {
  const key = id("waituntil");
  const handed = [];
  const waitUntil = (p) => handed.push(p);
  const clock = fakeClock();
  const store = fleetStore({ delay: 1 });
  const c = client(`/t/${key}`, { store, now: clock.now, waitUntil, refreshWindowMs: 600_000 });
  const first = await c.getAccessToken();
  assert.equal(handed.length, 1, "the store write (and the lease release)");
  assert.ok(handed.every((p) => p instanceof Promise));
  await Promise.all(handed);
  assert.ok(store.map.has(`truecaller-token:v1:${DEMO_CREDENTIALS.clientAccountId}:${DEMO_CREDENTIALS.keyId}`));
  clock.t = first.expiresAt - 299_000;
  assert.equal(await c.getToken(), first.token);
  assert.equal(handed.length, 2, "the background refresh");
  await handed[1];
  assert.equal(await requests(key), 2);
  await until(() => handed.length === 3, "the refreshed token's store write");
  c.invalidate();
  assert.equal(handed.length, 4, "the delete");
  await Promise.all(handed);
});

test("invalidate() on a client with nothing in memory discards the stored copy too: the next call mints", async () => {
  const key = id("invalidate-cold");
  const store = mapStore();
  const first = await client(`/t/${key}`, { store }).getToken();
  const fresh = client(`/t/${key}`, { store });
  fresh.invalidate();
  const second = await fresh.getToken();
  assert.notEqual(second, first);
  assert.equal(await requests(key), 2);
  await sleep(10);
  assert.equal(JSON.parse(store.map.get(`truecaller-token:v1:${DEMO_CREDENTIALS.clientAccountId}:${DEMO_CREDENTIALS.keyId}`)).token, second);
  assert.equal(await fresh.getToken(), second, "and the one after is served from memory");
  assert.equal(await requests(key), 2);
});

test("fetch(): an init whose getters or Proxy traps throw rejects with that error; nothing escapes, the client still works", async () => {
  const c = client(`/t/${id("hostile-init")}`);
  const uncaught = [];
  const onUncaught = (e) => uncaught.push(e);
  process.on("uncaughtException", onUncaught);
  try {
    const inits = [
      { get method() { throw new Error("getter boom"); } },
      new Proxy({}, { ownKeys() { throw new Error("proxy boom"); } }),
      { get headers() { throw new Error("headers boom"); } },
      { body: new Proxy({}, { getPrototypeOf() { throw new Error("body boom"); } }) },
    ];
    for (const init of inits) {
      const outcome = await Promise.race([
        c.fetch("http://127.0.0.1:9/v1", init).then(() => "resolved", (e) => e),
        sleep(2000).then(() => "hung"),
      ]);
      assert.notEqual(outcome, "hung");
      assert.ok(outcome instanceof Error && !(outcome instanceof TruecallerError), String(outcome));
    }
    await sleep(20);
    assert.deepEqual(uncaught, []);
    assert.match(await c.getToken(), /^tc_/);
  } finally {
    process.off("uncaughtException", onUncaught);
  }
});

test("store: a promise whose constructor getter throws is a failed store call, not an escaped exception", async () => {
  const key = id("ctor-store");
  const hostile = () => {
    const p = Promise.resolve(null);
    Object.defineProperty(p, "constructor", { get() { throw new Error("ctor boom"); } });
    return p;
  };
  const uncaught = [];
  const onUncaught = (e) => uncaught.push(e);
  process.on("uncaughtException", onUncaught);
  try {
    const c = client(`/t/${key}`, { store: { get: hostile, set: hostile } });
    const started = Date.now();
    assert.match(await c.getToken(), /^tc_/);
    assert.ok(Date.now() - started < 1500, "no store timeout was waited for");
    await sleep(20);
    assert.deepEqual(uncaught, []);
    assert.equal(await requests(key), 1);
  } finally {
    process.off("uncaughtException", onUncaught);
  }
});

test("fleet quota: every request asks the shared window, even after the store's get failed", async () => {
  const key = id("reserve-after-failure");
  const store = fleetStore({ claim: false });
  store.get = () => {
    throw new Error("down");
  };
  const clients = Array.from({ length: 3 }, () => client(`/t/${key}`, { store, quotaLimit: 2 }));
  const outcomes = await Promise.allSettled(clients.map((c) => c.getToken()));
  assert.equal(await requests(key), 2, "the third was refused by the fleet's window");
  assert.equal(store.calls.reserve, 3);
  assert.deepEqual(outcomes.map((o) => o.status).sort(), ["fulfilled", "fulfilled", "rejected"]);
  assert.equal(outcomes.find((o) => o.status === "rejected").reason.code, "quota_exhausted");
});
