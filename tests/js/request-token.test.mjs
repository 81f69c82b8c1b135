// requestToken and TruecallerError from the built package (build/pkg) in Node,
// against a real local HTTP server: what a user sees of errors, and that no secret leaks.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { inspect } from "node:util";
import { createRequire } from "node:module";
import { requestToken, TruecallerError, DEFAULT_BASE_URL } from "../../build/pkg/node.mjs";
import { startTokenServer, originOf, DEMO_CREDENTIALS } from "../server/token-server.mjs";

const require = createRequire(import.meta.url);
const API_KEY = DEMO_CREDENTIALS.apiKey;
let server, base;

let closedOrigin;
before(async () => {
  server = await startTokenServer({ port: 0 });
  base = originOf(server);
  const closed = await startTokenServer({ port: 0 });
  closedOrigin = originOf(closed);
  await closed.closeAll();
});
after(() => server.closeAll());

function renderings(err) {
  return [
    err.message,
    err.stack,
    String(err),
    JSON.stringify(err),
    inspect(err, { showHidden: true, depth: 5 }),
    JSON.stringify(Object.getOwnPropertyNames(err).map((k) => [k, String(err[k])])),
  ];
}

function assertNoSecret(err, ...secrets) {
  for (const text of renderings(err)) {
    for (const s of [API_KEY, ...secrets]) {
      assert.ok(!String(text).toLowerCase().includes(s.toLowerCase()), `secret leaked in: ${text}`);
    }
  }
}

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof TruecallerError, "instanceof TruecallerError");
    assert.ok(e instanceof Error, "instanceof Error");
    assert.equal(e.name, "TruecallerError");
    return e;
  }
  assert.fail("expected a rejection");
}

test("DEFAULT_BASE_URL is the production origin", () => {
  assert.equal(DEFAULT_BASE_URL, "https://enterprise-portal-noneu.truecaller.com");
});

test("a token: string token, verbatim createdAt, expiry from our clock", async () => {
  const before = Date.now();
  const t = await requestToken({ ...DEMO_CREDENTIALS, baseUrl: base + "/s/old" });
  assert.deepEqual(Object.keys(t), ["token", "createdAt", "expiresAt"]);
  assert.equal(t.createdAt, "2025-07-10T06:59:05.72Z");
  assert.ok(t.expiresAt >= before + 3600_000 && t.expiresAt <= Date.now() + 3600_000);
});

test("errors carry code, status, slug and a plain message", async () => {
  const e = await rejection(requestToken({ ...DEMO_CREDENTIALS, baseUrl: base + "/s/429" }));
  assert.equal(e.code, "rate_limited");
  assert.equal(e.status, 429);
  assert.equal(e.slug, "rate-limited");
  assert.equal(e.retryAfterMs, 7000);
  assert.match(e.message, /rate limit/);
  assert.match(String(e), /^TruecallerError: /);
  assert.match(e.stack, /^TruecallerError: /);
  const json = JSON.parse(JSON.stringify(e));
  assert.deepEqual(json, { code: "rate_limited", status: 429, slug: "rate-limited", retryAfterMs: 7000 });
});

test("the API key never appears in any error", async () => {
  const echo = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ slug: "unauthorized", message: "bad key: " + body }));
    });
  });
  await new Promise((r) => echo.listen(0, "127.0.0.1", r));
  try {
    const cases = [
      () => requestToken({ ...DEMO_CREDENTIALS, baseUrl: originOf(echo) }),
      () => requestToken({ ...DEMO_CREDENTIALS, baseUrl: base + "/s/hang", timeoutMs: 50 }),
      () => requestToken({ ...DEMO_CREDENTIALS, baseUrl: closedOrigin }),
      () => requestToken({ ...DEMO_CREDENTIALS, fetch: async (_url, init) => { throw new Error("refused " + init.body); } }),
      () => requestToken({ ...DEMO_CREDENTIALS, fetch: (_url, init) => Promise.reject("string " + init.body) }),
      () => requestToken({ ...DEMO_CREDENTIALS, fetch: () => Promise.reject({ not: "an error" }) }),
      () => requestToken({ ...DEMO_CREDENTIALS, keyId: API_KEY + "x" }),
      () => requestToken({ ...DEMO_CREDENTIALS, baseUrl: "http://" + API_KEY + "@example.com" }),
    ];
    const codes = [];
    for (const p of cases) {
      const e = await rejection(p());
      assertNoSecret(e);
      codes.push(e.code);
    }
    assert.deepEqual(codes, ["unauthorized", "timeout", "network", "network", "network", "network", "invalid_options", "invalid_options"]);
  } finally {
    echo.close();
  }
});

test("a rejection that is neither Error nor string is described, not lost", async () => {
  const e = await rejection(requestToken({ ...DEMO_CREDENTIALS, fetch: () => Promise.reject(42) }));
  assert.equal(e.code, "network");
  assert.match(e.message, /non-Error value/);
  const s = await rejection(requestToken({ ...DEMO_CREDENTIALS, fetch: () => Promise.reject("socket hang up") }));
  assert.match(s.message, /socket hang up/);
  const c = await rejection(requestToken({ ...DEMO_CREDENTIALS, baseUrl: closedOrigin }));
  assert.match(c.message, /fetch failed \(.*ECONNREFUSED/, "the cause is kept in the message");
});

test("the CommonJS entry has the same API and its own working error class", async () => {
  const cjs = require("../../build/pkg/node.cjs");
  assert.equal(cjs.DEFAULT_BASE_URL, DEFAULT_BASE_URL);
  const t = await cjs.requestToken({ ...DEMO_CREDENTIALS, baseUrl: base });
  assert.match(t.token, /^tc_/);
  try {
    await cjs.requestToken({ ...DEMO_CREDENTIALS, baseUrl: base + "/s/400" });
    assert.fail("expected a rejection");
  } catch (e) {
    assert.ok(e instanceof cjs.TruecallerError);
    assert.equal(e.code, "bad_request");
  }
});

test("nothing reachable from JS panics: hostile inputs give invalid_options", async () => {
  const hostile = [
    undefined,
    null,
    "string",
    [],
    { get clientAccountId() { throw new Error("getter"); } },
    { ...DEMO_CREDENTIALS, clientAccountId: { toString: () => DEMO_CREDENTIALS.clientAccountId } },
    { ...DEMO_CREDENTIALS, baseUrl: "https://" + "a".repeat(100_000) + ".com?x" },
    { ...DEMO_CREDENTIALS, baseUrl: "https://é.com" },
    { ...DEMO_CREDENTIALS, timeoutMs: 2 ** 40 },
    { ...DEMO_CREDENTIALS, timeoutMs: 10n },
    { ...DEMO_CREDENTIALS, signal: "abort" },
  ];
  for (const options of hostile) {
    const e = await rejection(requestToken(options));
    assert.equal(e.code, "invalid_options", inspect(options).slice(0, 80));
  }
  // The module still works afterwards.
  const t = await requestToken({ ...DEMO_CREDENTIALS, baseUrl: base });
  assert.match(t.token, /^tc_/);
});

test("repeated calls reuse the last validation, yet every option change is honoured", async () => {
  const ok = { ...DEMO_CREDENTIALS, baseUrl: base };
  const a = await requestToken(ok);
  const b = await requestToken({ ...ok });
  assert.notEqual(a.token, b.token, "each call is a request of its own");
  const wrongKey = await rejection(requestToken({ ...ok, apiKey: "bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee" }));
  assert.equal(wrongKey.code, "unauthorized");
  const badBase = await rejection(requestToken({ ...ok, baseUrl: "http://example.com" }));
  assert.equal(badBase.code, "invalid_options");
  const badTimeout = await rejection(requestToken({ ...ok, timeoutMs: -5 }));
  assert.equal(badTimeout.code, "invalid_options");
  const elsewhere = await rejection(requestToken({ ...ok, baseUrl: base + "/s/400" }));
  assert.equal(elsewhere.code, "bad_request");
  assert.match((await requestToken(ok)).token, /^tc_/);
});

test("an injected fetch may call requestToken again (re-entrancy does not break the module)", async () => {
  let inner;
  const reentrant = (url, init) => {
    inner = requestToken({ ...DEMO_CREDENTIALS, baseUrl: base });
    return fetch(url, init);
  };
  const outer = await requestToken({ ...DEMO_CREDENTIALS, baseUrl: base, fetch: reentrant });
  assert.match(outer.token, /^tc_/);
  assert.match((await inner).token, /^tc_/);
});

// ---- Hostile transports: the defects these tests were written for ----------------------

const HEX_KEY = API_KEY.replace(/-/g, "").toLowerCase();
function assertNoKeyInAnySpelling(err) {
  for (const text of renderings(err)) {
    const squeezed = String(text).toLowerCase().replace(/[^0-9a-z]/g, "");
    assert.ok(!squeezed.includes(HEX_KEY), `the key's digits leaked in: ${text}`);
  }
}

async function settlesWithin(ms, promise) {
  const started = Date.now();
  const late = Symbol("late");
  const result = await Promise.race([
    promise.then((v) => ({ v }), (e) => ({ e })),
    new Promise((r) => setTimeout(() => r(late), ms)),
  ]);
  assert.notEqual(result, late, `did not settle within ${ms} ms`);
  return { ...result, took: Date.now() - started };
}

test("timeoutMs wins on its own clock, whatever an injected fetch does with the signal", async () => {
  const token = JSON.stringify({ token: "tc_late", created_at: "2025-07-10T06:59:05.72Z" });
  const fetches = {
    "never settles": () => new Promise(() => {}),
    "resolves after the timeout": () => new Promise((r) => setTimeout(() => r(new Response(token)), 400)),
    "text() never settles": async () => ({ status: 200, headers: new Headers(), text: () => new Promise(() => {}) }),
    "the body stream never ends": async () =>
      new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("{")); } })),
  };
  for (const [what, fetch] of Object.entries(fetches)) {
    const { e, took } = await settlesWithin(1500, requestToken({ ...DEMO_CREDENTIALS, fetch, timeoutMs: 100 }));
    assert.ok(e instanceof TruecallerError, what);
    assert.equal(e.code, "timeout", what);
    assert.ok(took >= 95 && took < 1000, `${what}: settled after ${took} ms`);
  }
});

test("the caller's signal wins too, even when the fetch ignores it", async () => {
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(new Error("user gave up")), 50);
  const { e } = await settlesWithin(1000, requestToken({ ...DEMO_CREDENTIALS, signal: ctl.signal, timeoutMs: 0, fetch: () => new Promise(() => {}) }));
  assert.equal(e.code, "aborted");
  assert.match(e.message, /user gave up/);
});

// A server that streams a 200 without Content-Length and never stops (or stops at `limit` bytes).
async function endlessServer(status = 200) {
  const stats = { written: 0, closed: 0 };
  const chunk = Buffer.alloc(64 * 1024, "x");
  const server = http.createServer((req, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) stats.written += chunk.length;
      if (!res.destroyed) res.once("drain", pump);
    };
    res.on("close", () => stats.closed++);
    pump();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, stats, base: originOf(server) };
}

test("an endless body without Content-Length is read only up to 64 KiB, with or without a timeout", async () => {
  for (const [status, code] of [[200, "invalid_response"], [500, "server_error"]]) {
    const { server, stats, base: endless } = await endlessServer(status);
    try {
      for (const timeoutMs of [10_000, 0]) {
        const before = process.memoryUsage().rss;
        const { e, took } = await settlesWithin(5000, requestToken({ ...DEMO_CREDENTIALS, baseUrl: endless, timeoutMs }));
        assert.equal(e.code, code, `status ${status}, timeoutMs ${timeoutMs}`);
        if (status === 200) assert.match(e.message, /exceeds 64 KiB/);
        const grown = process.memoryUsage().rss - before;
        assert.ok(grown < 64 * 1024 * 1024, `memory grew by ${grown} B`);
        assert.ok(took < 5000);
      }
      // The client hung up: the server stops writing soon after (not hundreds of MB later).
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(stats.closed >= 2, "the connections were closed");
      assert.ok(stats.written < 64 * 1024 * 1024, `the server wrote ${stats.written} B`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }
});

test("the API key is redacted in every spelling an upstream may echo it in", async () => {
  const spellings = [
    API_KEY,
    API_KEY.toUpperCase(),
    API_KEY.replace(/-/g, ""),
    API_KEY.replace(/-/g, "_"),
    API_KEY.toUpperCase().replace(/-/g, " "),
    API_KEY.replace(/-/g, "%2D"),
    encodeURIComponent(JSON.stringify(API_KEY)),
  ];
  let which = 0;
  const echo = http.createServer((req, res) => {
    const s = spellings[which];
    res.writeHead(401, { "content-type": "application/json" });
    res.end(JSON.stringify({ slug: s, message: `no such key: ${s} (${s.split("").reverse().join("")})` }));
  });
  await new Promise((r) => echo.listen(0, "127.0.0.1", r));
  try {
    for (which = 0; which < spellings.length; which++) {
      const e = await rejection(requestToken({ ...DEMO_CREDENTIALS, baseUrl: originOf(echo) }));
      assert.equal(e.code, "unauthorized");
      assert.match(e.slug, /\[redacted\]/, spellings[which]);
      assertNoKeyInAnySpelling(e);
    }
    // And from an injected fetch's own error.
    for (const s of spellings) {
      const e = await rejection(requestToken({ ...DEMO_CREDENTIALS, fetch: async () => { throw new TypeError("cannot send " + s); } }));
      assert.equal(e.code, "network");
      assertNoKeyInAnySpelling(e);
    }
  } finally {
    echo.close();
  }
});

test("a compressed body is read whole, whatever its Content-Length (the bytes on the wire)", async () => {
  const { gzipSync } = await import("node:zlib");
  const json = JSON.stringify({ token: "tc_" + "z".repeat(200), created_at: "2025-07-10T06:59:05.72Z", padding: "p".repeat(100) });
  const zipped = gzipSync(json);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": String(zipped.length) });
      res.end(zipped);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    assert.ok(zipped.length < json.length);
    const t = await requestToken({ ...DEMO_CREDENTIALS, baseUrl: originOf(server) });
    assert.equal(t.token, "tc_" + "z".repeat(200));
  } finally {
    server.close();
  }
});
