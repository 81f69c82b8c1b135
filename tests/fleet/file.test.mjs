// fileStore (pkg-template/stores/file.js) through the built package (build/pkg), each test in a
// fresh temporary directory: the adapter's semantics in this process, then fleets of real Node
// processes (child processes importing build/pkg/node.mjs) against the local token server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileStore, TokenClient, TruecallerError } from "../../build/pkg/node.mjs";
import { startTokenServer, originOf, DEMO_CREDENTIALS, requestCount } from "../server/token-server.mjs";

const PKG = new URL("../../build/pkg/node.mjs", import.meta.url).href;
const KEY = `truecaller-token:v1:${DEMO_CREDENTIALS.clientAccountId}:${DEMO_CREDENTIALS.keyId}`;
const LEASE = KEY + ":lease";
const QUOTA = KEY + ":quota";
const FLEET = 12;

let server, base, seq = 0;
const arrivals = new Map(); // id -> times the server saw a request for /t/{id}/

before(async () => {
  // The server's own 10-per-30-minutes limit is off: these tests count requests themselves.
  server = await startTokenServer({
    port: 0,
    quotaLimit: Infinity,
    onRequest: (entry) => {
      const id = entry.path.match(/^\/t\/([^/]+)\//)?.[1];
      if (id) arrivals.set(id, [...(arrivals.get(id) ?? []), entry.at]);
    },
  });
  base = originOf(server);
});
after(() => server.closeAll());

const id = (name) => `${name}-${++seq}`;
const requests = (key) => requestCount(base, key);
function client(prefix, extra = {}) {
  return new TokenClient({ ...DEMO_CREDENTIALS, baseUrl: `${base}${prefix}`, ...extra });
}
/** A fresh temporary directory, removed after the test. */
function scratch(t) {
  const dir = mkdtempSync(join(tmpdir(), "tc-filestore-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
/** The file name of a key made of [a-z0-9:-] (':' is %3A; the test "safe file names" checks it). */
const fileOf = (key) => key.replaceAll(":", "%3A");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mode = (path) => statSync(path).mode & 0o777;
/** Every file under `dir`, recursively, as paths. */
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? [join(dir, e.name), ...walk(join(dir, e.name))] : [join(dir, e.name)],
  );
}
/** Names the store uses only while it works: none may be left behind. */
const leftovers = (dir) => readdirSync(dir).filter((n) => /\.(tmp|lock|break)$/.test(n));

// ---- The adapter's semantics, in this process ----

test("get/set/delete with a TTL: an expired entry reads as absent", async (t) => {
  const store = fileStore(scratch(t));
  assert.equal(await store.get("k:a"), null, "absent");
  await store.set("k:a", "one", 1000);
  assert.equal(await store.get("k:a"), "one");
  await store.set("k:a", "two", 1000);
  assert.equal(await store.get("k:a"), "two", "overwritten");
  assert.equal(await store.get("k:b"), null, "another key");
  await sleep(1050);
  assert.equal(await store.get("k:a"), null, "expired");
  await store.set("k:a", "three", 60_000);
  await store.delete("k:a");
  assert.equal(await store.get("k:a"), null, "deleted");
  await store.delete("k:a"); // deleting an absent key is fine
  await store.set("k:a", "zero", 0);
  assert.equal(await store.get("k:a"), null, "a TTL of 0 stores nothing readable");
});

test("the directory is created 0700 and every file 0600, whatever the umask", async (t) => {
  const dir = join(scratch(t), "nested", "cache");
  const old = process.umask(0);
  try {
    const store = fileStore(dir);
    await store.set("k:token", "v", 60_000);
    assert.equal(await store.claim("k:lease", "owner", 60_000), true);
    assert.equal(await store.reserve("k:quota", 5, 60_000, Date.now()), 0);
  } finally {
    process.umask(old);
  }
  assert.equal(mode(dir), 0o700);
  const files = readdirSync(dir);
  assert.deepEqual(files.sort(), ["k%3Alease", "k%3Aquota", "k%3Atoken"]);
  for (const f of files) assert.equal(mode(join(dir, f)), 0o600, f);
});

test("no temporary or lock file is left behind, also when a write fails", async (t) => {
  const dir = scratch(t);
  const store = fileStore(dir);
  await Promise.all(
    Array.from({ length: 200 }, (_, i) => [
      store.set(`k:${i % 7}`, "v" + i, 60_000),
      store.claim(`k:lease`, "o" + (i % 3), 60_000),
      store.reserve(`k:quota`, 50, 60_000, Date.now()),
      store.release(`k:lease`, "o" + (i % 3)),
    ]).flat(),
  );
  assert.deepEqual(leftovers(dir), []);
  // A rename that fails (a directory sits where the entry goes): the write fails, and its
  // temporary file is removed.
  mkdirSync(join(dir, fileOf("k:blocked")));
  await assert.rejects(store.set("k:blocked", "v", 60_000));
  assert.deepEqual(leftovers(dir), []);
  // A directory removed under the store (a cache cleaner) is created again.
  rmSync(dir, { recursive: true });
  await store.set("k:again", "v", 60_000);
  assert.equal(await store.get("k:again"), "v");
  assert.equal(mode(dir), 0o700);
});

test("keys map to safe, distinct file names inside the directory", async (t) => {
  const dir = scratch(t);
  const store = fileStore(dir);
  const keys = [
    KEY,
    "a:b",
    "A:B", // a case-insensitive file system must not merge it with "a:b"
    "a%3Ab",
    "../escape",
    "x/y\\z",
    "a.lock", // not the lock file of "a"
    "nul",
    "ключ:ü",
    "long:" + "x".repeat(400),
    "long:" + "x".repeat(399) + "y",
  ];
  for (const [i, k] of keys.entries()) await store.set(k, "value " + i, 60_000);
  for (const [i, k] of keys.entries()) assert.equal(await store.get(k), "value " + i, k);
  const names = readdirSync(dir);
  assert.equal(names.length, keys.length, "one file per key, all inside the directory");
  assert.ok(names.includes(fileOf(KEY)), "the client's key: ':' becomes %3A");
  for (const n of names) {
    assert.match(n, /^(?:[a-z0-9_~-]|%[0-9A-F]{2})+$/, "no separator, dot, colon or letter capital");
    assert.ok(Buffer.byteLength(n) <= 255, "within every file system's name limit");
    assert.notEqual(n.toLowerCase(), "nul");
  }
  assert.equal(new Set(names.map((n) => n.toLowerCase())).size, names.length, "distinct even case-folded");
  // The lock of "a" is not the entry "a.lock".
  assert.equal(await store.claim("a", "me", 60_000), true);
  assert.equal(await store.get("a.lock"), "value 6");
});

test("claim: held by another, renewed by its owner, taken when lapsed; release only by the owner", async (t) => {
  const store = fileStore(scratch(t));
  assert.equal(await store.claim("k:lease", "a", 1000), true, "absent: claimed");
  assert.equal(await store.claim("k:lease", "b", 1000), false, "held by a");
  assert.equal(await store.claim("k:lease", "a", 1000), true, "its own: renewed");
  await store.release("k:lease", "b");
  assert.equal(await store.claim("k:lease", "b", 1000), false, "a release by another does nothing");
  await store.release("k:lease", "a");
  assert.equal(await store.claim("k:lease", "b", 1000), true, "released by its owner: free");
  await sleep(1050);
  assert.equal(await store.claim("k:lease", "c", 60_000), true, "b's lapsed: taken over");
  assert.equal(await store.claim("k:lease", "b", 60_000), false);
  await store.release("k:lease", "nobody");
  await store.release("k:absent", "nobody");
  // Many claimants at once: one holds it.
  const wins = await Promise.all(Array.from({ length: 30 }, (_, i) => store.claim("k:race", "o" + i, 60_000)));
  assert.equal(wins.filter(Boolean).length, 1);
});

test("reserve counts up to the limit, then answers the wait until a slot frees", async (t) => {
  const store = fileStore(scratch(t));
  const t0 = 1_000_000;
  assert.equal(await store.reserve("k:quota", 3, 1000, t0), 0);
  assert.equal(await store.reserve("k:quota", 3, 1000, t0 + 100), 0);
  assert.equal(await store.reserve("k:quota", 3, 1000, t0 + 200), 0);
  assert.equal(await store.reserve("k:quota", 3, 1000, t0 + 300), 700, "full: the oldest leaves at t0 + 1000");
  assert.equal(await store.reserve("k:quota", 3, 1000, t0 + 950), 50, "a refusal is not counted");
  assert.equal(await store.reserve("k:quota", 3, 1000, t0 + 1001), 0, "the oldest left the window");
  assert.equal(await store.reserve("k:quota", 3, 1000, t0 + 1002), 98);
  assert.equal(await store.reserve("k:other", 3, 1000, t0 + 1002), 0, "windows are per key");
  // The window's times are the caller's (`now`), not the file's age: a second of this host's
  // time later, a caller whose clock says t0 + 1003 still finds the window full.
  await sleep(1050);
  assert.equal(await store.reserve("k:quota", 3, 1000, t0 + 1003), 97);
  // Many at once: exactly `limit` are counted.
  const waits = await Promise.all(Array.from({ length: 25 }, () => store.reserve("k:burst", 5, 60_000, Date.now())));
  assert.equal(waits.filter((w) => w === 0).length, 5);
  for (const w of waits.filter((w) => w !== 0)) assert.ok(w > 59_000 && w <= 60_000, String(w));
});

test("a stale lock file (older than 1 s) is taken over; a live one is waited for, never stolen", async (t) => {
  const dir = scratch(t);
  const store = fileStore(dir);
  await store.set("k:warm", "v", 60_000); // creates the directory
  const lock = join(dir, fileOf("k:lease") + ".lock");
  const old = (path) => utimesSync(path, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));

  writeFileSync(lock, "a process that died");
  old(lock);
  let started = Date.now();
  assert.equal(await store.claim("k:lease", "a", 60_000), true);
  assert.ok(Date.now() - started < 1000, "taken over at once, not after the 1.5 s a live lock gets");
  assert.ok(!existsSync(lock));

  // A stale lock and a stale breaker (a process died while breaking a lock).
  writeFileSync(lock, "dead");
  writeFileSync(join(dir, fileOf("k:lease") + ".break"), "dead too");
  old(lock);
  old(join(dir, fileOf("k:lease") + ".break"));
  assert.equal(await store.claim("k:lease", "a", 60_000), true);
  assert.deepEqual(leftovers(dir), []);

  // A live lock: the claim waits for it.
  writeFileSync(lock, "someone else");
  started = Date.now();
  setTimeout(() => rmSync(lock), 300);
  assert.equal(await store.claim("k:lease", "a", 60_000), true);
  assert.ok(Date.now() - started >= 290, "it waited for the holder");

  // A lock that is not released within 1 s belongs to a process that died holding it (a
  // holder keeps it for a few file operations): taken over before the client's 2 s guard.
  writeFileSync(lock, "a process killed while holding it");
  started = Date.now();
  assert.equal(await store.reserve("k:lease", 5, 60_000, Date.now()), 0);
  const waited = Date.now() - started;
  assert.ok(waited >= 900 && waited < 2000, `taken over after ${waited} ms`);
  assert.ok(!existsSync(lock));
});

test("a fleet starting over locks a killed process left behind stays coordinated: one request, counted in the shared window", async (t) => {
  const dir = scratch(t);
  const store = fileStore(dir);
  await store.set("k:warm", "v", 60_000); // creates the directory
  // Fresh lock files of the lease and of the quota window, as a process killed in them leaves.
  writeFileSync(join(dir, fileOf(LEASE) + ".lock"), "dead");
  writeFileSync(join(dir, fileOf(QUOTA) + ".lock"), "dead");
  const key = id("orphanlocks");
  const clients = Array.from({ length: 8 }, () => client(`/t/${key}`, { store, quotaLimit: 3 }));
  const tokens = await Promise.all(clients.map((c) => c.getToken()));
  assert.equal(new Set(tokens).size, 1, "every client has the one token");
  assert.equal(await requests(key), 1);
  const window = JSON.parse(JSON.parse(readFileSync(join(dir, fileOf(QUOTA)), "utf8")).value);
  assert.equal(window.length, 1, "the request is in the shared window");
});

test("a corrupt entry, lease or window file reads as absent and does not fail getToken()", async (t) => {
  const garbage = ["", "not json", "null", "[]", '{"value":5}', '{"value":"{broken","expiresAt":9e15}', '{"value":"[\\"x\\"]","expiresAt":9e15}', "\u0000\u0001"];
  for (const junk of garbage) {
    const dir = scratch(t);
    const store = fileStore(dir);
    await store.set("k:warm", "v", 60_000);
    for (const k of ["k:e", KEY, LEASE, QUOTA]) writeFileSync(join(dir, fileOf(k)), junk, { mode: 0o600 });
    if (junk.startsWith('{"value":"')) {
      assert.notEqual(await store.get("k:e"), null, "a well-formed entry with a bad value is the client's to judge");
    } else {
      assert.equal(await store.get("k:e"), null, JSON.stringify(junk));
    }
    const key = id("corrupt");
    const c = client(`/t/${key}`, { store });
    const token = await c.getToken();
    assert.match(token, /^tc_/);
    assert.equal(await requests(key), 1, JSON.stringify(junk));
    // The client wrote its token over the junk and counted its request in a fresh window.
    await sleep(50);
    assert.equal(JSON.parse(await store.get(KEY)).token, token);
    assert.equal(JSON.parse(await store.get(QUOTA)).length, 1);
    assert.equal(await store.get(LEASE), null, "the lease was claimed and released");
  }
  // A directory where a file should be: every call fails, getToken() does not.
  const dir = scratch(t);
  for (const k of [KEY, LEASE, QUOTA]) mkdirSync(join(dir, fileOf(k)), { recursive: true });
  const key = id("corruptdir");
  assert.match(await client(`/t/${key}`, { store: fileStore(dir) }).getToken(), /^tc_/);
  assert.equal(await requests(key), 1);
});

test("the API key is never written to the directory (the token is, in a 0600 file)", async (t) => {
  const dir = scratch(t);
  const store = fileStore(dir);
  const key = id("secret");
  const c = client(`/t/${key}`, { store });
  const first = await c.getToken();
  c.invalidate();
  const second = await c.getToken();
  await sleep(50);
  // A second client finds the token in the store without a request.
  assert.equal(await client(`/t/${key}`, { store: fileStore(dir) }).getToken(), second);
  assert.equal(await requests(key), 2);
  const files = walk(dir);
  assert.ok(files.length > 0);
  let tokens = 0;
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    for (const s of [DEMO_CREDENTIALS.apiKey, DEMO_CREDENTIALS.apiKey.replaceAll("-", "")]) {
      assert.ok(!text.includes(s) && !f.includes(s), "the API key in " + f);
    }
    if (text.includes(second)) tokens++;
    assert.ok(!text.includes(first), "the invalidated token was replaced");
    assert.equal(mode(f), 0o600);
  }
  assert.equal(tokens, 1, "the token is stored once");
});

// ---- Fleets of processes ----

// A child process: imports the package, builds a TokenClient (or just a store) on a fileStore
// of config.dir, says "ready", and runs its scenario on each "go" (a barrier: the parent sends
// "go" to all at once), answering with the outcome.
const CHILD = `
const { fileStore, TokenClient } = await import(process.env.TC_PKG);
const config = JSON.parse(process.env.TC_CONFIG);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const full = config.dir === null ? fileStore() : fileStore(config.dir);
let store = full;
if (config.hide) {
  store = {};
  for (const m of ["get", "set", "delete", "claim", "release", "reserve"]) {
    if (!config.hide.includes(m)) store[m] = full[m].bind(full);
  }
}
// Every reserve call's \`now\` and answer, when asked for.
const reservations = [];
if (config.logReserve) {
  const reserve = store.reserve;
  store.reserve = async (key, limit, windowMs, now) => {
    const wait = await reserve(key, limit, windowMs, now);
    reservations.push({ now, wait });
    return wait;
  };
}
const client = new TokenClient({ ...config.client, store });
const error = (e) => ({ name: e?.name, code: e?.code, retryAfterMs: e?.retryAfterMs, isError: e instanceof Error, message: String(e?.message) });
const scenarios = {
  async token() {
    return { token: await client.getToken() };
  },
  async remint() {
    const outcomes = [];
    // config.mints forced mints, or as many as fit in config.forMs.
    const deadline = config.forMs ? Date.now() + config.forMs : null;
    for (let i = 0; deadline ? Date.now() < deadline : i < config.mints; i++) {
      client.invalidate();
      try {
        outcomes.push({ token: await client.getToken() });
      } catch (e) {
        outcomes.push({ error: error(e) });
        if (config.forMs) await sleep(Math.min(e.retryAfterMs ?? 100, Math.max(0, deadline - Date.now())) + Math.random() * 20);
      }
    }
    return { outcomes, used: client.quota().used, reservations };
  },
  async claim() {
    return { held: await full.claim(config.key, String(process.pid) + ":" + Math.random(), 60_000) };
  },
};
process.on("message", async (message) => {
  if (message === "exit") return process.exit(0);
  let result;
  try {
    result = await scenarios[config.scenario]();
  } catch (e) {
    result = { error: error(e) };
  }
  process.send(result);
});
process.send("ready");
`;

/**
 * Starts `n` children with `config` (and `env`), waits for all to be ready, then runs `rounds`
 * rounds: "go" to all at once, and their answers. Resolves to the answers of each round.
 */
async function fleet(t, n, config, { env = {}, cwd, rounds = 1, between } = {}) {
  const children = Array.from({ length: n }, () => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      cwd,
      env: { ...process.env, ...env, TC_PKG: PKG, TC_CONFIG: JSON.stringify(config) },
    });
    const messages = [];
    const waiters = [];
    child.on("message", (m) => (waiters.length ? waiters.shift()(m) : messages.push(m)));
    child.next = () => (messages.length ? Promise.resolve(messages.shift()) : new Promise((r) => waiters.push(r)));
    child.exited = new Promise((r) => child.on("exit", r));
    return child;
  });
  t.after(() => children.forEach((c) => c.exitCode === null && c.kill()));
  const readyBy = Date.now();
  for (const c of children) assert.equal(await c.next(), "ready");
  t.diagnostic(`${n} processes ready in ${Date.now() - readyBy} ms`);
  const results = [];
  for (let r = 0; r < rounds; r++) {
    if (between) await between(r);
    const answers = children.map((c) => c.next());
    for (const c of children) c.send("go");
    results.push(await Promise.all(answers));
  }
  for (const c of children) c.send("exit");
  await Promise.all(children.map((c) => c.exited));
  return results;
}

const clientConfig = (prefix, extra = {}) => ({ ...DEMO_CREDENTIALS, baseUrl: `${base}${prefix}`, ...extra });

test(`${FLEET} processes started together on one fileStore directory make exactly 1 request; without claim, more`, async (t) => {
  const dir = scratch(t);
  const key = id("procs");
  let started = Date.now();
  const [answers] = await fleet(t, FLEET, { scenario: "token", dir, client: clientConfig(`/t/${key}`) });
  const took = Date.now() - started;
  for (const a of answers) assert.match(a.token ?? JSON.stringify(a), /^tc_/);
  assert.equal(new Set(answers.map((a) => a.token)).size, 1, "every process has the same token");
  const made = await requests(key);
  t.diagnostic(`with the lease: ${made} request(s) for ${FLEET} processes (${took} ms with start-up)`);
  assert.equal(made, 1);
  assert.deepEqual(leftovers(dir), []);
  assert.equal(JSON.parse(readFileSync(join(dir, fileOf(KEY)), "utf8")).value.includes(answers[0].token), true);
  assert.ok(!existsSync(join(dir, fileOf(LEASE))), "the holder released the lease");

  // The control: the same fleet on a store whose claim/release are hidden. (quotaLimit 50 so
  // that the fleet window, still shared through reserve, refuses nobody.)
  const control = scratch(t);
  const naive = id("procs-naive");
  started = Date.now();
  const [plain] = await fleet(t, FLEET, {
    scenario: "token",
    dir: control,
    hide: ["claim", "release"],
    client: clientConfig(`/t/${naive}`, { quotaLimit: 50 }),
  });
  for (const a of plain) assert.match(a.token ?? JSON.stringify(a), /^tc_/);
  const without = await requests(naive);
  t.diagnostic(`without the lease: ${without} requests for ${FLEET} processes (${Date.now() - started} ms)`);
  assert.ok(without > 1, "the race the lease prevents is real in this setup");
});

test(`${FLEET} processes forcing re-mints through reserve stay within quotaLimit requests per window`, async (t) => {
  const dir = scratch(t);
  const key = id("quota");
  // No lease (hidden), so that every forced mint goes through reserve: 2 each, 24 in all.
  const [answers] = await fleet(t, FLEET, {
    scenario: "remint",
    dir,
    hide: ["claim", "release"],
    mints: 2,
    client: clientConfig(`/t/${key}`),
  });
  const made = await requests(key);
  const outcomes = answers.flatMap((a) => a.outcomes);
  const refused = outcomes.filter((o) => o.error);
  t.diagnostic(`${FLEET} processes x 2 forced mints, quotaLimit 10: ${made} requests, ${refused.length} refused`);
  assert.equal(outcomes.length, FLEET * 2);
  assert.ok(made >= 1 && made <= 10, `${made} requests in one window`);
  assert.ok(refused.length > 0);
  for (const { error } of refused) {
    assert.equal(error.name, "TruecallerError");
    assert.equal(error.isError, true);
    assert.equal(error.code, "quota_exhausted", JSON.stringify(error));
    assert.ok(error.retryAfterMs > 0 && error.retryAfterMs <= 1_800_000, String(error.retryAfterMs));
  }
  // Every slot counted in the shared window went to one request, and nothing else was sent.
  const window = JSON.parse(JSON.parse(readFileSync(join(dir, fileOf(QUOTA)), "utf8")).value);
  assert.equal(window.length, made);
  assert.equal(answers.reduce((n, a) => n + a.used, 0), made, "the local windows agree");
  assert.deepEqual(leftovers(dir), []);
});

test(`${FLEET} processes re-minting for 4 s on a 1 s window of 3: never more than 3 slots in any window`, async (t) => {
  const dir = scratch(t);
  const key = id("rolling");
  const limit = 3;
  const windowMs = 1000;
  const forMs = 4000;
  const [answers] = await fleet(t, FLEET, {
    scenario: "remint",
    dir,
    hide: ["claim", "release"],
    forMs,
    logReserve: true,
    client: clientConfig(`/t/${key}`, { quotaLimit: limit, quotaWindowMs: windowMs }),
  });
  const outcomes = answers.flatMap((a) => a.outcomes);
  for (const o of outcomes) if (o.error) assert.equal(o.error.code, "quota_exhausted", JSON.stringify(o.error));
  const made = await requests(key);
  // The slots the shared window counted, at the times the clients counted them.
  const slots = answers
    .flatMap((a) => a.reservations)
    .filter((r) => r.wait === 0)
    .map((r) => r.now)
    .sort((a, b) => a - b);
  const busiest = (times, span) =>
    Math.max(0, ...times.map((at, i) => times.slice(i).filter((u) => u < at + span).length));
  // The server sees a request a little after its slot was counted, later under load: its
  // arrival times are reported, not asserted.
  const arrived = (arrivals.get(key) ?? []).sort((a, b) => a - b);
  t.diagnostic(
    `${made} requests in ${forMs} ms (${outcomes.length} forced mints, ${outcomes.filter((o) => o.error).length} refused); ` +
      `busiest ${windowMs} ms: ${busiest(slots, windowMs)} slots counted, ${busiest(arrived, windowMs)} requests arrived`,
  );
  assert.equal(slots.length, made, "one counted slot per request sent, none sent without");
  assert.equal(arrived.length, made);
  assert.ok(busiest(slots, windowMs) <= limit, `${busiest(slots, windowMs)} slots within one window`);
  // Refused callers waited retryAfterMs and took the freed slots: the window kept turning over.
  assert.ok(made >= limit * 3, `${made} requests`);
});

test(`${FLEET} processes claiming at once over a stale lock file: exactly one holds the lease, every round`, async (t) => {
  const dir = scratch(t);
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, fileOf(LEASE) + ".lock");
  const rounds = await fleet(
    t,
    FLEET,
    { scenario: "claim", dir, key: LEASE, client: clientConfig("/unused") },
    {
      rounds: 20,
      between: () => {
        rmSync(join(dir, fileOf(LEASE)), { force: true });
        writeFileSync(lock, "a process that died");
        utimesSync(lock, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
      },
    },
  );
  for (const [r, answers] of rounds.entries()) {
    assert.deepEqual(answers.filter((a) => a.error), [], `round ${r}`);
    assert.equal(answers.filter((a) => a.held).length, 1, `round ${r}: ${JSON.stringify(answers)}`);
  }
  assert.deepEqual(leftovers(dir), []);
});

test("the default directory honours XDG_CACHE_HOME (and ignores a relative one)", { skip: process.platform !== "linux" && "Linux's cache dir" }, async (t) => {
  const cache = scratch(t);
  const home = scratch(t);
  const key = id("xdg");
  const [[a]] = await fleet(t, 1, { scenario: "token", dir: null, client: clientConfig(`/t/${key}`) }, { env: { XDG_CACHE_HOME: cache, HOME: home } });
  assert.match(a.token ?? JSON.stringify(a), /^tc_/);
  const dir = join(cache, "truecaller-token");
  assert.equal(mode(dir), 0o700);
  assert.ok(readFileSync(join(dir, fileOf(KEY)), "utf8").includes(a.token));
  assert.deepEqual(readdirSync(home), [], "nothing under HOME");

  // A second process with the same XDG_CACHE_HOME reuses the token: no request.
  const [[b]] = await fleet(t, 1, { scenario: "token", dir: null, client: clientConfig(`/t/${key}`) }, { env: { XDG_CACHE_HOME: cache, HOME: home } });
  assert.equal(b.token, a.token);
  assert.equal(await requests(key), 1);

  // A relative XDG_CACHE_HOME is not a cache dir (XDG spec): ~/.cache is.
  const other = id("xdg-relative");
  const [[c]] = await fleet(t, 1, { scenario: "token", dir: null, client: clientConfig(`/t/${other}`) }, {
    env: { XDG_CACHE_HOME: "relative/cache", HOME: home },
    cwd: scratch(t),
  });
  assert.match(c.token ?? JSON.stringify(c), /^tc_/);
  assert.ok(existsSync(join(home, ".cache", "truecaller-token", fileOf(KEY))));
});
