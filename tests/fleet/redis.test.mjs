// redisStore on a real redis-server (Debian's package, started here on a free loopback port, one
// per test), with both clients users have: node-redis v5 and ioredis v5. The adapter's own
// semantics, a fleet of 20 Node processes started together, 12 instances forcing re-mints
// against the shared quota window, and Redis dying or hanging mid-flight.
// Each fleet assertion has its control in the same setup (the same fleet without the lease,
// without reserve) showing that the race or the overrun it prevents is real.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { TokenClient, TruecallerError, redisStore } from "../../build/pkg/node.mjs";
import { startTokenServer, originOf, DEMO_CREDENTIALS, requestCount } from "../server/token-server.mjs";
import { CLIENT_KINDS, startRedis, connect, command, runFleet } from "./redis-harness.mjs";

const KEY = `truecaller-token:v1:${DEMO_CREDENTIALS.clientAccountId}:${DEMO_CREDENTIALS.keyId}`;
const HOUR = 3600_000;
// A store call that does not answer is given up on after 2 s (STORE_READ_TIMEOUT_MS); a mint
// makes at most three of them (read, claim, reserve) before it goes to the endpoint alone.
const DEGRADED_WITHIN_MS = 3 * 2_000 + 3_000;

let server, base, seq = 0;
before(async () => {
  // The server's own 10-per-30-minutes limit is off: these tests count requests themselves.
  server = await startTokenServer({ port: 0, quotaLimit: Infinity });
  base = originOf(server);
});
after(() => server.closeAll());

const id = (name) => `${name}-${++seq}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const requests = (key) => requestCount(base, key);
/** A redis-server of this test's own, stopped when the test ends. */
async function ownRedis(t) {
  const redis = await startRedis();
  t.after(() => redis.stop());
  return redis;
}
/** A connection of `kind`, closed when the test ends. */
async function ownConnection(t, kind, port) {
  const conn = await connect(kind, port);
  t.after(() => conn.close());
  return conn.client;
}
function assertCleanExits(reports) {
  for (const r of reports) {
    assert.deepEqual(r.exit, { code: 0, signal: null }, `a fleet process ended badly: ${r.stderr}`);
    assert.equal(r.stderr, "", "nothing on a fleet process's stderr (an unhandled rejection would be there)");
  }
}

// ---- The adapter's own semantics ----

for (const kind of CLIENT_KINDS) {
  test(`redisStore with ${kind}: get/set with TTL, delete, claim, release, reserve, prefix`, async (t) => {
    const redis = await ownRedis(t);
    const client = await ownConnection(t, kind, redis.port);
    const store = redisStore(client, { prefix: "app:" });
    const raw = (...args) => command(client, ...args);

    await t.test("get/set with a TTL that expires; delete", async () => {
      assert.equal(await store.get("k"), null, "a missing key reads as null");
      assert.equal(await store.set("k", '{"v":1}', 300), undefined);
      assert.equal(await store.get("k"), '{"v":1}');
      const pttl = Number(await raw("PTTL", "app:k"));
      assert.ok(pttl > 0 && pttl <= 300, `PTTL ${pttl}`);
      await store.set("frac", "x", 0.4); // a sub-ms TTL is rounded up to PX 1, not refused
      await sleep(350);
      assert.equal(await store.get("k"), null, "expired after its TTL");
      await store.set("k", "again", 60_000);
      assert.equal(await store.delete("k"), undefined);
      assert.equal(await store.get("k"), null, "deleted");
    });

    await t.test("claim: held, own, lapsed after its TTL; release only by its owner", async () => {
      assert.equal(await store.claim("lease", "a", 300), true, "absent: claimed");
      assert.equal(await store.claim("lease", "b", 300), false, "held by another");
      assert.equal(await store.claim("lease", "a", 300), true, "its own");
      assert.equal(await raw("GET", "app:lease"), "a");
      const pttl = Number(await raw("PTTL", "app:lease"));
      assert.ok(pttl > 0 && pttl <= 300, `the lease has a TTL (PTTL ${pttl})`);
      await store.release("lease", "b");
      assert.equal(await raw("GET", "app:lease"), "a", "a release by another owner leaves it");
      await store.release("lease", "a");
      assert.equal(await raw("GET", "app:lease"), null, "released by its owner");
      assert.equal(await store.claim("lease", "b", 300), true, "free again");
      await sleep(350);
      assert.equal(await store.claim("lease", "c", 300), true, "lapsed after its TTL: claimed by another");
      await store.release("lease", "b");
      assert.equal(await raw("GET", "app:lease"), "c", "the old owner cannot release the new owner's lease");
    });

    await t.test("reserve: counts up to the limit, then the ms until a slot frees; frees after the window", async () => {
      // The same answers as the core's stored window (core::lease::reserve tests).
      assert.equal(await store.reserve("w", 2, 1000, 10), 0);
      assert.equal(await store.reserve("w", 2, 1000, 20), 0);
      assert.equal(await store.reserve("w", 2, 1000, 30), 980);
      assert.equal(await store.reserve("w", 2, 1000, 1010), 0, "the request at 10 left the window");
      assert.equal(Number(await raw("ZCARD", "app:w")), 2, "refusals are not counted");

      // Real time: a window of 400 ms with room for 3.
      const first = Date.now();
      assert.equal(await store.reserve("q", 3, 400, first), 0, "slot 1");
      for (let i = 2; i <= 3; i++) assert.equal(await store.reserve("q", 3, 400, Date.now()), 0, `slot ${i}`);
      const now = Date.now();
      const wait = await store.reserve("q", 3, 400, now);
      assert.equal(wait, Math.max(1, first + 400 - now), "full: the ms until the oldest entry leaves the window");
      const pttl = Number(await raw("PTTL", "app:q"));
      // Kept twice the window on Redis's clock (the scores are the callers' times).
      assert.ok(pttl > 400 && pttl <= 800, `the window outlives its last entry (PTTL ${pttl})`);
      await sleep(wait + 5);
      assert.equal(await store.reserve("q", 3, 400, Date.now()), 0, "a slot freed after the window");
    });

    await t.test("every key carries the prefix", async () => {
      await store.set("p", "v", 60_000);
      const keys = (await raw("KEYS", "*")).sort();
      for (const k of ["app:p", "app:q", "app:w"]) assert.ok(keys.includes(k), `${k} in ${keys}`);
      for (const k of keys) assert.ok(k.startsWith("app:"), `key ${k} has the prefix`);
      const bare = redisStore(client);
      assert.equal(await bare.get("p"), null, "without the prefix it is another key");
      await bare.set("p", "bare", 60_000);
      assert.equal(await store.get("p"), "v");
      assert.equal(await raw("GET", "p"), "bare");
    });
  });
}

// ---- 20 Node processes started together ----

for (const kind of CLIENT_KINDS) {
  test(`fleet (${kind}): 20 Node processes started together sharing redisStore make exactly 1 request; without the lease, many`, { timeout: 180_000 }, async (t) => {
    const redis = await ownRedis(t);
    const key = id("fleet");
    const started = Date.now();
    const reports = await runFleet({ count: 20, kind, redisPort: redis.port, baseUrl: `${base}/t/${key}`, prefix: `${key}:` });
    const wall = Date.now() - started;
    assertCleanExits(reports);
    assert.deepEqual(reports.filter((r) => r.error), [], "every process got a token");
    const tokens = new Set(reports.map((r) => r.token));
    const made = await requests(key);
    const slowest = Math.max(...reports.map((r) => r.ms));
    t.diagnostic(`${kind}: 20 processes, ${made} request(s), ${tokens.size} distinct token(s), slowest getToken ${slowest.toFixed(0)} ms, run ${wall} ms`);
    assert.equal(made, 1);
    assert.equal(tokens.size, 1, "all 20 got the same token");
    const conn = await ownConnection(t, kind, redis.port);
    const stored = JSON.parse(await command(conn, "GET", `${key}:${KEY}`));
    assert.equal(stored.token, [...tokens][0], "the holder wrote its token to Redis");
    const pttl = Number(await command(conn, "PTTL", `${key}:${KEY}`));
    assert.ok(pttl > HOUR - 60_000 && pttl <= HOUR, `stored for its time to expiry (PTTL ${pttl})`);
    assert.equal(await command(conn, "GET", `${key}:${KEY}:lease`), null, "the holder released the lease");

    // Control: the same fleet on the same Redis, with a get/set store (no claim).
    const naive = id("naive");
    const plain = await runFleet({ count: 20, kind, redisPort: redis.port, baseUrl: `${base}/t/${naive}`, prefix: `${naive}:`, lease: false });
    assertCleanExits(plain);
    const without = await requests(naive);
    t.diagnostic(`${kind}: without the lease, ${without} requests for 20 processes`);
    assert.ok(without > 1, "the race the lease prevents is real in this setup");
  });
}

// ---- 12 instances forcing re-mints against the fleet's quota window ----

for (const kind of CLIENT_KINDS) {
  test(`fleet quota (${kind}): 12 instances forcing re-mints on redisStore stay within quotaLimit; without reserve they do not`, async (t) => {
    const redis = await ownRedis(t);
    async function run(name, withReserve) {
      const key = id(name);
      const clients = [];
      for (let i = 0; i < 12; i++) {
        const full = redisStore(await ownConnection(t, kind, redis.port), { prefix: `${key}:` });
        const store = withReserve ? full : { ...full, reserve: undefined };
        clients.push(new TokenClient({ ...DEMO_CREDENTIALS, baseUrl: `${base}/t/${key}`, store }));
      }
      const outcomes = await Promise.all(
        clients.map(async (c) => {
          const results = [];
          for (let round = 0; round < 3; round++) {
            c.invalidate();
            results.push(await c.getToken().then((token) => ({ token }), (error) => ({ error })));
          }
          return results;
        }),
      );
      return { key, clients, outcomes: outcomes.flat(), made: await requests(key) };
    }

    const { key, clients, outcomes, made } = await run("quota", true);
    const refused = outcomes.filter((o) => o.error);
    t.diagnostic(`${kind}: 12 instances x 3 forced mints: ${made} requests, ${refused.length} refused`);
    assert.ok(made >= 1 && made <= 10, `${made} requests in one window (quotaLimit 10)`);
    assert.ok(refused.length > 0, "some forced re-mints were refused");
    for (const { error } of refused) {
      assert.ok(error instanceof TruecallerError, String(error));
      assert.equal(error.code, "quota_exhausted");
      assert.ok(error.retryAfterMs > 0 && error.retryAfterMs <= 1_800_000, `retryAfterMs ${error.retryAfterMs}`);
    }
    const conn = await ownConnection(t, kind, redis.port);
    assert.equal(Number(await command(conn, "ZCARD", `${key}:${KEY}:quota`)), made, "the shared window counted every request sent, and only those");
    assert.equal(clients.reduce((n, c) => n + c.quota().used, 0), made, "each local window gave a refused slot back");

    // Control: the same instances and the lease, but no reserve.
    const control = await run("noreserve", false);
    t.diagnostic(`${kind}: without reserve, ${control.made} requests`);
    assert.ok(control.made > 10, "the overrun reserve prevents is real in this setup");
  });
}

// ---- Redis dying or hanging mid-flight ----

for (const kind of CLIENT_KINDS) {
  test(`redis down (${kind}): killed while 3 processes wait on a lease, they mint on their own within seconds, no unhandled rejection`, { timeout: 60_000 }, async (t) => {
    const redis = await ownRedis(t);
    const key = id("killed");
    // A holder that died: the processes poll for its token until Redis dies under them.
    await command(await ownConnection(t, kind, redis.port), "SET", `${key}:${KEY}:lease`, "a-holder-that-died", "PX", 60_000);
    const KILL_AFTER_MS = 500;
    const reports = await runFleet({
      count: 3, kind, redisPort: redis.port, baseUrl: `${base}/t/${key}`, prefix: `${key}:`,
      onStart: (at) => setTimeout(() => redis.stop(), at + KILL_AFTER_MS - Date.now()),
    });
    assertCleanExits(reports);
    assert.deepEqual(reports.filter((r) => r.error), [], "every getToken() resolved");
    const times = reports.map((r) => Math.round(r.ms));
    t.diagnostic(`${kind}: getToken took ${times.join(", ")} ms (Redis killed at ${KILL_AFTER_MS} ms); ${await requests(key)} requests`);
    for (const ms of times) {
      assert.ok(ms > KILL_AFTER_MS, "they were still waiting on the lease when Redis died");
      assert.ok(ms < KILL_AFTER_MS + DEGRADED_WITHIN_MS, `${ms} ms: nothing hangs`);
    }
    assert.ok((await requests(key)) <= 3, "at most one mint per process (memory-only behaviour)");
  });

  test(`redis hung (${kind}): a server that stops answering before a cold start degrades to memory within seconds`, { timeout: 60_000 }, async (t) => {
    const redis = await ownRedis(t);
    const key = id("hung");
    const reports = await runFleet({
      count: 3, kind, redisPort: redis.port, baseUrl: `${base}/t/${key}`, prefix: `${key}:`,
      onStart: () => redis.pause(), // SIGSTOP: connections stay open, nothing answers
    });
    assertCleanExits(reports);
    assert.deepEqual(reports.filter((r) => r.error), [], "every getToken() resolved");
    const times = reports.map((r) => Math.round(r.ms));
    t.diagnostic(`${kind}: getToken took ${times.join(", ")} ms with a hung Redis; ${await requests(key)} requests`);
    for (const ms of times) {
      assert.ok(ms >= 1_900, "they waited for the hung store (the guard, not a fast path, let them go)");
      assert.ok(ms < DEGRADED_WITHIN_MS, `${ms} ms: nothing hangs`);
    }
    assert.ok((await requests(key)) <= 3, "at most one mint per process");
  });
}

test("redis down: clients whose commands reject or throw, and closed node-redis and ioredis clients, leave getToken() memory-only", async (t) => {
  const redis = await ownRedis(t);
  const unhandled = [];
  const onUnhandled = (reason) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  t.after(() => process.off("unhandledRejection", onUnhandled));

  const closedNodeRedis = await connect("node-redis", redis.port);
  await closedNodeRedis.client.close();
  const closedIoredis = await connect("ioredis", redis.port);
  await closedIoredis.client.quit();
  const down = () => new Error("connect ECONNREFUSED 127.0.0.1:6379");
  const clients = {
    "sendCommand rejects": { sendCommand: async () => Promise.reject(down()) },
    "sendCommand throws": {
      sendCommand: () => {
        throw down();
      },
    },
    "call rejects": { call: async () => Promise.reject(down()) },
    "call throws": {
      call: () => {
        throw down();
      },
    },
    "node-redis, closed": closedNodeRedis.client,
    "ioredis, closed": closedIoredis.client,
  };
  for (const [name, client] of Object.entries(clients)) {
    const key = id("rejects");
    const store = redisStore(client);
    for (const method of ["get", "set", "delete", "claim", "release", "reserve"]) {
      const args = { get: ["k"], set: ["k", "v", 1000], delete: ["k"], claim: ["k", "o", 1000], release: ["k", "o"], reserve: ["k", 10, 1000, 0] }[method];
      let result;
      try {
        result = store[method](...args);
      } catch (e) {
        assert.fail(`${name}: ${method}() threw instead of rejecting: ${e}`);
      }
      await assert.rejects(result, `${name}: ${method}() rejects`);
    }
    const started = Date.now();
    const clientsOfFleet = Array.from({ length: 3 }, () => new TokenClient({ ...DEMO_CREDENTIALS, baseUrl: `${base}/t/${key}`, store }));
    const tokens = await Promise.all(clientsOfFleet.map((c) => c.getToken()));
    const took = Date.now() - started;
    for (const token of tokens) assert.match(token, /^tc_/, name);
    assert.ok(took < 1_500, `${name}: a store that rejects at once costs no wait (${took} ms)`);
    assert.equal(await requests(key), 3, `${name}: one mint per instance, as without a store`);
  }
  await sleep(50);
  assert.deepEqual(unhandled, [], "no unhandled rejection");
});
