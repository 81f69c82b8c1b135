// Fleets on Cloudflare Workers, on the real engine: the packed tarball installed into a scratch
// project, Workers bundled by `wrangler deploy --dry-run`, run by workerd through miniflare with
// every Worker of a `workers: [...]` array in its own isolate. A broker Worker hosts the
// TokenBroker Durable Object (the README snippet: tests/fleet/workers/worker.js and
// wrangler.toml); client Workers reach it through a durableObjects binding with scriptName.
// Needs `make pack` first (make test does it). Timings belong to `make bench`, not here.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTokenServer, originOf } from "../server/token-server.mjs";
import { prepareWorkers, snippetFleet, startFleet, requests, STORE_KEY } from "./workers/harness.mjs";

const LEASE = STORE_KEY + ":lease";
const QUOTA = STORE_KEY + ":quota";
const MINUTE = 60 * 1000;
const TOKEN = /^tc_[0-9a-f]{32}$/;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const names = (prefix, n) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

let prepared, server, base;

before(async () => {
  prepared = await prepareWorkers();
  server = await startTokenServer({ port: 0, quotaLimit: Infinity }); // the tests count requests themselves
  base = originOf(server);
});

after(async () => {
  await server?.closeAll();
  prepared?.cleanup();
});

// Polls `read` until `ok(value)` or `ms` pass; returns the last value.
async function eventually(read, ok, ms = 5000) {
  const until = Date.now() + ms;
  let value = await read();
  while (!ok(value) && Date.now() < until) {
    await sleep(50);
    value = await read();
  }
  return value;
}

// The token the broker holds for the account (through client `via`), or null.
async function storedToken(fleet, via) {
  const [{ value, error }] = await fleet.rpc(via, STORE_KEY, [["get", STORE_KEY]]);
  assert.equal(error, undefined, error);
  return value === null ? null : JSON.parse(value).token;
}

test("README snippet: 10 workerd isolates started together share brokerStore: exactly 1 request, one token", async () => {
  const { count, results } = await snippetFleet(prepared, base, "snippet", 10, async (broker) => {
    // The account's broker (named by the store key) holds the token, and the lease was released
    // (the holder's write and release went to waitUntil; they may land just after the responses).
    const stored = await eventually(() => broker.get(STORE_KEY), (v) => v !== null);
    assert.match(JSON.parse(stored).token, TOKEN);
    assert.equal(await eventually(() => broker.get(LEASE), (v) => v === null), null, "the lease is released");
    assert.equal(JSON.parse(await broker.get(QUOTA)).length, 1, "one request counted in the fleet's window");
  });
  assert.deepEqual(results.map((r) => r.status), Array(10).fill(200), JSON.stringify(results));
  const sent = results.map((r) => JSON.parse(r.body).authorization);
  assert.equal(new Set(sent).size, 1, "every isolate called the API with the same token");
  assert.match(sent[0], /^Bearer tc_[0-9a-f]{32}$/);
  assert.equal(count, 1, "exactly one request reached the token endpoint");
});

test("control: the same 10 isolates without claim (and with Workers KV) mint more than once", async (t) => {
  const fleetOf = async (id, env) => {
    const fleet = await startFleet(prepared, base, { id, clients: names("c", 10).map((name) => ({ name, env })) });
    try {
      const results = await Promise.all(names("c", 10).map((name) => fleet.token(name)));
      assert.deepEqual(results.filter((r) => r.error), [], "no getToken() failed");
      return { count: await requests(base, id), isolates: new Set(results.map((r) => r.isolate)).size, tokens: new Set(results.map((r) => r.token)).size };
    } finally {
      await fleet.dispose();
    }
  };
  // The test Worker with brokerStore: 10 isolates, 1 request (the same result as the snippet).
  const broker = await fleetOf("ctl-broker", { STORE: "broker" });
  assert.deepEqual(broker, { count: 1, isolates: 10, tokens: 1 });
  // The broker with claim, release and reserve hidden: a shared cache only.
  const hidden = await fleetOf("ctl-noclaim", { STORE: "get-set-only" });
  t.diagnostic(`get/set only (claim hidden): ${hidden.count} requests, ${hidden.tokens} tokens for ${hidden.isolates} isolates`);
  assert.equal(hidden.isolates, 10);
  assert.ok(hidden.count > 1, `a shared cache alone does not coordinate a cold fleet (${hidden.count})`);
  // Workers KV: miniflare's is strongly consistent; production's takes up to 60 s to propagate
  // (kv-delayed: each write becomes visible 1 s later). Printed, not asserted.
  const kv = await fleetOf("ctl-kv", { STORE: "kv" });
  t.diagnostic(`kvStore (miniflare's KV, strongly consistent): ${kv.count} requests for 10 isolates`);
  const delayed = await fleetOf("ctl-kv-delayed", { STORE: "kv-delayed", DELAY_SET_MS: "1000" });
  t.diagnostic(`kvStore with writes visible after 1 s: ${delayed.count} requests for 10 isolates`);
});

test("TokenBroker over RPC: get/set with TTL, delete, claim held/own/lapsed, release by owner only, reserve; state survives a restart", async () => {
  const persist = mkdtempSync(join(tmpdir(), "tc-broker-state-"));
  const clients = [{ name: "a", env: { STORE: "none" } }, { name: "b", env: { STORE: "none" } }];
  let fleet = await startFleet(prepared, base, { id: "rpc", clients, persist });
  // Each call goes through a new stub to the object named "rpc-broker", from Worker `via`;
  // "sleep" waits in the Worker and answers nothing.
  const call = async (via, calls, parallel = false) => {
    const results = await fleet.rpc(via, "rpc-broker", calls, parallel);
    return results.filter((_, i) => calls[i][0] !== "sleep").map((r) => ("error" in r ? { error: r.error } : r.value));
  };
  try {
    // get/set/delete, with TTLs in ms (the broker's own clock).
    assert.deepEqual(
      await call("a", [["get", "k"], ["set", "k", "v1", MINUTE], ["get", "k"], ["set", "short", "s", 150], ["get", "short"], ["sleep", 400], ["get", "short"]]),
      [null, null, "v1", null, "s", null],
    );
    assert.deepEqual(await call("b", [["get", "k"], ["delete", "k"], ["get", "k"], ["delete", "k"]]), ["v1", null, null, null], "another isolate's stub sees the same object");
    // Leases: held by another, renewed by its owner, released only by it, claimed again once lapsed.
    assert.deepEqual(await call("a", [["claim", "L", "a", MINUTE]]), [true], "absent: claimed");
    assert.deepEqual(await call("b", [["claim", "L", "b", MINUTE], ["release", "L", "b"], ["claim", "L", "b", MINUTE]]), [false, null, false], "held by a; b cannot release it");
    assert.deepEqual(await call("a", [["claim", "L", "a", MINUTE]]), [true], "its owner may claim it again");
    assert.equal((await call("b", [["get", "L"]]))[0], "a", "a lease is an entry holding its owner");
    assert.deepEqual(await call("a", [["release", "L", "a"], ["get", "L"]]), [null, null], "released by its owner");
    assert.deepEqual(await call("b", [["claim", "L", "b", MINUTE]]), [true]);
    assert.deepEqual(await call("a", [["claim", "L2", "a", 150], ["claim", "L2", "b", MINUTE], ["sleep", 400], ["claim", "L2", "b", MINUTE]]), [true, false, true], "a lapsed lease is claimed again");
    assert.deepEqual(await call("a", [["release", "L2", "a"], ["claim", "L2", "c", MINUTE]]), [null, false], "a's late release leaves b's lease");
    // The fleet's window: up to the limit, then the wait until the oldest entry leaves it.
    const t0 = Date.now();
    assert.deepEqual(
      await call("a", [["reserve", "Q", 3, MINUTE, t0], ["reserve", "Q", 3, MINUTE, t0 + 1], ["reserve", "Q", 3, MINUTE, t0 + 2], ["reserve", "Q", 3, MINUTE, t0 + 3]]),
      [0, 0, 0, MINUTE - 3],
    );
    assert.deepEqual(
      await call("b", [["reserve", "Q", 3, MINUTE, t0 + 10], ["reserve", "Q", 3, MINUTE, t0 + MINUTE], ["reserve", "Q", 3, MINUTE, t0 + MINUTE]]),
      [MINUTE - 10, 0, 1],
      "full for another isolate too; t0 leaves the window at t0 + windowMs, t0 + 1 a ms later",
    );
    // Atomic under concurrency: 20 claims at once, one holder; 20 reservations at once, 5 counted.
    const claims = await call("a", names("owner-", 20).map((owner) => ["claim", "L3", owner, MINUTE]), true);
    assert.equal(claims.filter((held) => held === true).length, 1, JSON.stringify(claims));
    const waits = await call("b", Array.from({ length: 20 }, () => ["reserve", "Q2", 5, MINUTE, t0]), true);
    assert.equal(waits.filter((w) => w === 0).length, 5, JSON.stringify(waits));
    assert.ok(waits.every((w) => w === 0 || w === MINUTE), JSON.stringify(waits));
    await call("a", [["set", "kept", "token-json", 60 * MINUTE]]);
  } finally {
    await fleet.dispose();
  }
  // A new workerd over the same storage (an evicted and restarted object): nothing was in memory only.
  fleet = await startFleet(prepared, base, { id: "rpc", clients, persist });
  try {
    assert.deepEqual(await call("b", [["get", "kept"], ["claim", "L", "z", MINUTE], ["reserve", "Q2", 5, MINUTE, Date.now()]]).then((r) => [r[0], r[1], r[2] > 0]), ["token-json", false, true]);
  } finally {
    await fleet.dispose();
    rmSync(persist, { recursive: true, force: true });
  }
});

test("12 instances forcing re-mints through the broker stay within quotaLimit requests per window", async (t) => {
  // A token server enforcing the real limit (10 per 30 minutes, answered with 429), its own.
  const run = async (store) => {
    const limited = await startTokenServer({ port: 0 });
    const limitedBase = originOf(limited);
    // Half the instances reach the broker by getByName, half by idFromName + get: one object.
    const clients = names("q", 12).map((name, i) => ({ name, env: { STORE: store === "broker" && i % 2 ? "broker-by-id" : store } }));
    const fleet = await startFleet(prepared, limitedBase, { id: "quota", clients });
    try {
      const cold = await Promise.all(clients.map(({ name }) => fleet.token(name)));
      // Then each instance in turn forces a re-mint (invalidate, then getToken): 13 mints wanted.
      const forced = [];
      for (const { name } of clients) forced.push(await fleet.token(name, { invalidate: 1 }));
      const outcomes = [...cold, ...forced];
      const window = store === "broker" ? JSON.parse((await fleet.rpc("q0", STORE_KEY, [["get", QUOTA]]))[0].value) : null;
      return { outcomes, count: await requests(limitedBase, "quota"), window };
    } finally {
      await fleet.dispose();
      await limited.closeAll();
    }
  };
  const { outcomes, count, window } = await run("broker");
  const errors = outcomes.filter((o) => o.error).map((o) => o.error);
  t.diagnostic(`brokerStore: ${count} requests, ${outcomes.length - errors.length} tokens, ${errors.length} quota_exhausted refusals`);
  assert.ok(count <= 10, `at most quotaLimit requests in the window (${count})`);
  assert.equal(window.length, count, "the broker's window counted every request sent");
  assert.ok(errors.length > 0, "the fleet's window refused the mints over the limit");
  for (const e of errors) {
    // Refused before sending: quota_exhausted with the wait, never the server's 429.
    assert.equal(e.isTruecallerError, true);
    assert.equal(e.code, "quota_exhausted", JSON.stringify(e));
    assert.ok(e.retryAfterMs > 0 && e.retryAfterMs <= 30 * MINUTE, JSON.stringify(e));
  }
  assert.equal(new Set(outcomes.slice(0, 12).map((o) => o.token)).size, 1, "the cold fleet shared one token");
  // Control: the same without reserve (and claim) overruns the account's limit and meets 429s.
  const control = await run("get-set-only");
  const rateLimited = control.outcomes.filter((o) => o.error?.code === "rate_limited").length;
  t.diagnostic(`get/set only: ${control.count} requests sent, ${rateLimited} getToken() calls failed with rate_limited`);
  assert.ok(control.count > 10, `without reserve the fleet overruns the limit (${control.count})`);
});

test("a broker that fails (stubs that reject, a Durable Object that throws or hangs) does not fail getToken()", async (t) => {
  for (const [label, env] of [
    ["stubs that reject", { STORE: "rejecting" }],
    ["a TokenBroker stand-in that throws", { STORE: "broken-do", BROKEN_BROKER: "ThrowingBroker" }],
    ["a TokenBroker stand-in that never answers", { STORE: "broken-do", BROKEN_BROKER: "HangingBroker" }],
  ]) {
    const id = "broken-" + (env.BROKEN_BROKER ?? env.STORE);
    const fleet = await startFleet(prepared, base, { id, clients: [{ name: "x", env }, { name: "y", env }] });
    try {
      const started = Date.now();
      const first = await Promise.all([fleet.token("x"), fleet.token("y")]);
      const took = Date.now() - started;
      for (const r of first) {
        assert.equal(r.error, undefined, `${label}: ${JSON.stringify(r.error)}`);
        assert.match(r.token, TOKEN);
      }
      // Memory-only behaviour: each isolate mints its own, then serves it from its cache.
      assert.equal(await requests(base, id), 2, label);
      const again = await Promise.all([fleet.token("x"), fleet.token("y")]);
      assert.deepEqual(again.map((r) => r.token), first.map((r) => r.token), label);
      assert.equal(await requests(base, id), 2, label);
      t.diagnostic(`${label}: first getToken() in ${took} ms`);
    } finally {
      await fleet.dispose();
    }
  }
});

test("brokerStore() on a missing binding or a KV namespace throws at once, naming the problem; nothing is sent", async () => {
  for (const store of ["broker-missing", "broker-on-kv"]) {
    const id = "bad-binding-" + store;
    const fleet = await startFleet(prepared, base, { id, clients: [{ name: "x", env: { STORE: store } }] });
    try {
      const r = await fleet.token("x");
      assert.equal(r.error?.name, "TypeError", JSON.stringify(r));
      assert.match(r.error.message, /brokerStore\(\) needs the Durable Object namespace binding of TokenBroker/);
      assert.equal(await requests(base, id), 0);
    } finally {
      await fleet.dispose();
    }
  }
});

test("waitUntil: the store write and the background refresh outlive the request that started them", async (t) => {
  // The test Worker's store writes land 0.7 s late and its token requests leave 0.7 s late, so
  // each response returns first; `offset` moves the client's clock into its refresh window.
  const env = { STORE: "broker-slow-set", DELAY_SET_MS: "700", DELAY_FETCH_MS: "700" };
  // 45 s before expiry: past every refresh point (each client refreshes 60-120 s before expiry,
  // jittered) and before the last 30 s (when callers wait): served at once, refreshed behind.
  const refreshAt = 60 * MINUTE - 45 * 1000;
  const run = async (id, waitUntil) => {
    const clients = [{ name: "w", env: { ...env, WAIT_UNTIL: waitUntil } }, { name: "late", env: { STORE: "broker" } }];
    const fleet = await startFleet(prepared, base, { id, clients });
    try {
      const first = await fleet.token("w");
      const afterFirst = await storedToken(fleet, "w"); // the write is still on its way
      const stored = await eventually(() => storedToken(fleet, "w"), (v) => v !== null, 2000);
      // The first request's work is over: the refresh below belongs to the second request
      // (the module-scope client's waitUntil was bound to the first request's ctx).
      await sleep(300);
      const served = await fleet.token("w", { offset: refreshAt });
      const countAtResponse = await requests(base, id);
      const refreshed = await eventually(() => storedToken(fleet, "w"), (v) => v !== null && v !== first.token, 2500);
      const late = waitUntil !== "0" ? await fleet.token("late") : null; // a new isolate adopts what the broker holds
      return { first, afterFirst, stored, served, countAtResponse, refreshed, late, count: await requests(base, id) };
    } finally {
      await fleet.dispose();
    }
  };
  // "ctx": ctx.waitUntil.bind(ctx), as in the README; "module": waitUntil from "cloudflare:workers".
  for (const how of ["ctx", "module"]) {
    const r = await run("wu-" + how, how);
    assert.match(r.first.token, TOKEN, how);
    assert.equal(r.afterFirst, null, `${how}: the response came before the store write`);
    assert.equal(r.stored, r.first.token, `${how}: the write went on after the response`);
    assert.equal(r.served.token, r.first.token, `${how}: in the refresh window the cached token is served at once`);
    assert.equal(r.countAtResponse, 1, `${how}: the response came before the refresh's request`);
    assert.match(r.refreshed ?? "", TOKEN, `${how}: the background refresh finished after the response and was stored`);
    assert.notEqual(r.refreshed, r.first.token, how);
    assert.equal(r.count, 2, how);
    assert.equal(r.late.token, r.refreshed, `${how}: another isolate adopts the refreshed token from the broker`);
  }
  // Control, without waitUntil: workerd cancels what a request left running once it has answered.
  const c = await run("wu-none", "0");
  t.diagnostic(`without waitUntil: the broker got ${c.stored === null ? "nothing" : "the token"}; ${c.count} request(s) sent in all`);
  assert.equal(c.stored, null, "without waitUntil the store write is dropped");
  assert.equal(c.count, 1, "without waitUntil the background refresh never leaves");
});
