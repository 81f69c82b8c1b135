// Fault injection against real local socket servers (node:net, so every byte and every reset is
// ours): requestToken through the runtime's own fetch, as users call it. Each fault gives its
// expected code within its timeout; redirects are never followed (the second server never sees a
// connection, so never the key); and the process's memory stays bounded over many rounds.
//
// FC_RUNS scales the number of memory rounds (make fuzz runs many more).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import v8 from "node:v8";
import vm from "node:vm";
import { inspect } from "node:util";
import { requestToken, TokenClient, TruecallerError } from "../../build/pkg/node.mjs";
import { CREDS, leak, settleWithin } from "../props/common.mjs";

const ROUNDS = process.env.FC_RUNS ? Math.max(10, Math.round(Number(process.env.FC_RUNS) / 10)) : 15;
const MB = 1024 * 1024;
const TOKEN_JSON = JSON.stringify({ token: "tc_fault_token", created_at: "2025-07-10T06:59:05.72Z" });

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");

/** A raw HTTP/1.1 server: reads one request (head and Content-Length body), then `behaviour` owns the socket. */
async function rawServer(behaviour) {
  // `closed` counts the connections that carried a request (undici may open a spare one after an abort).
  const stats = { connections: 0, requests: 0, written: 0, closed: 0, bodies: [] };
  const sockets = new Set();
  const server = net.createServer((socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.on("close", () => {
      if (socket.requested) stats.closed++;
      sockets.delete(socket);
    });
    socket.on("error", () => {});
    let buf = Buffer.alloc(0);
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buf.subarray(0, end).toString("latin1");
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      socket.off("data", onData);
      socket.requested = true;
      stats.requests++;
      stats.bodies.push(buf.subarray(end + 4, end + 4 + length).toString());
      behaviour(socket, stats, head);
    };
    socket.on("data", onData);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    stats,
    origin: `http://127.0.0.1:${server.address().port}`,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

const head = (status, headers = {}) =>
  `HTTP/1.1 ${status} X\r\n` + Object.entries({ "content-type": "application/json", ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";

/** Writes `total` bytes (forever when Infinity), respecting backpressure, until the peer goes away. */
function pump(socket, stats, total, chunked) {
  const piece = Buffer.alloc(64 * 1024, 0x78);
  let left = total;
  const step = () => {
    while (!socket.destroyed && left > 0) {
      const n = Math.min(piece.length, left);
      const data = chunked ? Buffer.concat([Buffer.from(n.toString(16) + "\r\n"), piece.subarray(0, n), Buffer.from("\r\n")]) : piece.subarray(0, n);
      left -= n;
      stats.written += n;
      if (!socket.write(data)) return socket.once("drain", step);
    }
    if (!socket.destroyed && left <= 0) socket.end(chunked ? "0\r\n\r\n" : undefined);
  };
  step();
}

const INVALID_UTF8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xed, 0xa0, 0x80]);

// name -> [behaviour, expected code, timeoutMs, expected status]
const FAULTS = {
  "reset before the status line": [(s) => s.resetAndDestroy(), "network", 5000],
  "reset mid-body (200)": [(s) => { s.write(head(200, { "content-length": 1000 }) + '{"token":"tc_'); setTimeout(() => s.resetAndDestroy(), 5); }, "network", 5000],
  "reset mid-body (500)": [(s) => { s.write(head(500, { "content-length": 1000 }) + '{"slug":"'); setTimeout(() => s.resetAndDestroy(), 5); }, "network", 5000],
  "reset mid-body (chunked)": [(s) => { s.write(head(200, { "transfer-encoding": "chunked" }) + "5\r\n{\"tok\r\n"); setTimeout(() => s.resetAndDestroy(), 5); }, "network", 5000],
  "closed without an answer": [(s) => s.end(), "network", 5000],
  "not HTTP at all": [(s) => s.end("SSH-2.0-OpenSSH\r\n\r\n"), "network", 5000],
  "Content-Length longer than the body, then close": [(s) => s.end(head(200, { "content-length": 100 }) + '{"token":'), "network", 5000],
  "Content-Length shorter than the body": [(s) => s.end(head(200, { "content-length": 5 }) + TOKEN_JSON), "invalid_response", 5000, 200],
  "headers, then silence": [(s) => s.write(head(200, { "content-length": 100 })), "timeout", 300],
  "headers, then silence (chunked)": [(s) => s.write(head(200, { "transfer-encoding": "chunked" })), "timeout", 300],
  "status line, then silence": [(s) => s.write("HTTP/1.1 200 OK\r\n"), "timeout", 300],
  "a byte every 40 ms": [(s) => { const b = Buffer.from(head(200, { "content-length": TOKEN_JSON.length }) + TOKEN_JSON); let i = 0; const t = setInterval(() => (s.destroyed || i >= b.length ? clearInterval(t) : s.write(b.subarray(i, ++i))), 40); }, "timeout", 300],
  "an endless chunked body (200)": [(s, st) => { s.write(head(200, { "transfer-encoding": "chunked" })); pump(s, st, Infinity, true); }, "invalid_response", 5000, 200],
  "an endless chunked body (500)": [(s, st) => { s.write(head(500, { "transfer-encoding": "chunked" })); pump(s, st, Infinity, true); }, "server_error", 5000, 500],
  "an endless body without length, until close": [(s, st) => { s.write(head(200, { connection: "close" })); pump(s, st, Infinity, false); }, "invalid_response", 5000, 200],
  "10 MB with Content-Length (200)": [(s, st) => { s.write(head(200, { "content-length": 10 * MB })); pump(s, st, 10 * MB, false); }, "invalid_response", 5000, 200],
  "10 MB with Content-Length (429)": [(s, st) => { s.write(head(429, { "content-length": 10 * MB, "retry-after": "7" })); pump(s, st, 10 * MB, false); }, "rate_limited", 5000, 429],
  "10 MB without Content-Length (200)": [(s, st) => { s.write(head(200, { connection: "close" })); pump(s, st, 10 * MB, false); }, "invalid_response", 5000, 200],
  "10 MB chunked (503)": [(s, st) => { s.write(head(503, { "transfer-encoding": "chunked" })); pump(s, st, 10 * MB, true); }, "server_error", 5000, 503],
  "invalid UTF-8 (200)": [(s) => s.end(Buffer.concat([Buffer.from(head(200, { "content-length": INVALID_UTF8.length })), INVALID_UTF8])), "invalid_response", 5000, 200],
  "invalid UTF-8 around a token (200)": [(s) => { const b = Buffer.concat([Buffer.from('{"token":"tc_x","created_at":"'), INVALID_UTF8, Buffer.from('"}')]); s.end(Buffer.concat([Buffer.from(head(200, { "content-length": b.length })), b])); }, "ok", 5000],
  "invalid UTF-8 and the key in an error body (401)": [(s) => { const b = Buffer.concat([Buffer.from('{"slug":"'), INVALID_UTF8, Buffer.from(CREDS.apiKey.toUpperCase() + '","message":"'), INVALID_UTF8, Buffer.from(CREDS.apiKey + '"}')]); s.end(Buffer.concat([Buffer.from(head(401, { "content-length": b.length })), b])); }, "unauthorized", 5000, 401],
  "the request body echoed in a 400": [(s, st) => { const b = JSON.stringify({ slug: "echo", message: st.bodies.at(-1) }); s.end(head(400, { "content-length": Buffer.byteLength(b) }) + b); }, "bad_request", 5000, 400],
};

let second;
before(async () => {
  // Redirects point here: it must never receive a connection.
  second = await rawServer((s) => s.end(head(200, { "content-length": TOKEN_JSON.length }) + TOKEN_JSON));
  for (const status of [301, 302, 303, 307, 308]) {
    FAULTS[`redirect ${status} to a second server`] = [
      (s) => s.end(head(status, { location: `${second.origin}/clients/${CREDS.clientAccountId}/token`, "content-length": 0, connection: "close" })),
      "unexpected_status",
      5000,
      status,
    ];
  }
});
after(() => second.close());

const servers = new Map(); // one server (one origin) per fault, for every round
after(() => Promise.all([...servers.values()].map((s) => s.close())));

/** Runs one fault: the outcome, how long it took, and what the server wrote. */
async function runFault(name) {
  const [behaviour, code, timeoutMs, status] = FAULTS[name];
  if (!servers.has(name)) servers.set(name, await rawServer(behaviour));
  const server = servers.get(name);
  const before = { ...server.stats };
  const started = performance.now();
  const out = await settleWithin(requestToken({ ...CREDS, baseUrl: server.origin, timeoutMs }), timeoutMs + 1000);
  const took = performance.now() - started;
  assert.ok(!out.late, `${name}: did not settle within ${timeoutMs} + 1000 ms`);
  if (code === "ok") {
    assert.ok(out.value, `${name}: ${out.error?.code} ${out.error?.message}`);
    assert.equal(out.value.token, "tc_x");
  } else {
    const e = out.error;
    assert.ok(e instanceof TruecallerError, `${name}: resolved or rejected with a non-TruecallerError: ${inspect(out.value ?? e)}`);
    assert.equal(e.code, code, `${name}: ${e.message}`);
    assert.equal(e.status, status, `${name}: status`);
    assert.equal(leak(e, inspect), null, `${name}: the key leaked`);
    if (code === "timeout") assert.ok(took >= timeoutMs - 5, `${name}: timed out early (${took} ms)`);
    else assert.ok(took < 3000, `${name}: took ${took} ms`);
  }
  assert.equal(server.stats.requests - before.requests, 1, `${name}: one request`);
  // The client lets go of the connection: an endless body stops being written.
  const open = () => server.stats.requests - server.stats.closed;
  for (let i = 0; i < 100 && open() > 0; i++) await new Promise((r) => setTimeout(r, 10));
  if (code !== "ok") assert.equal(open(), 0, `${name}: the connection was closed`);
  const written = server.stats.written - before.written;
  assert.ok(written < 64 * MB, `${name}: the server wrote ${written} B`);
  return { took, written };
}

test("each fault gives its code within its timeout", async (t) => {
  for (const name of Object.keys(FAULTS)) {
    await t.test(name, async () => {
      const { took, written } = await runFault(name);
      t.diagnostic(`${name}: ${Math.round(took)} ms${written ? `, server wrote ${(written / MB).toFixed(1)} MB` : ""}`);
    });
  }
  assert.equal(second.stats.connections, 0, "the redirect target never received a connection");
});

test("a TokenClient never follows a redirect either, and does not retry it", async () => {
  const server = await rawServer((s) => s.end(head(307, { location: second.origin + "/", "content-length": 0, connection: "close" })));
  try {
    const c = new TokenClient({ ...CREDS, baseUrl: server.origin, maxRetries: 3 });
    const e = await c.getToken().then(() => null, (e) => e);
    assert.equal(e?.code, "unexpected_status");
    assert.equal(server.stats.requests, 1);
    assert.equal(second.stats.connections, 0);
  } finally {
    await server.close();
  }
});

test(`memory stays bounded over ${ROUNDS} rounds of every fault`, { timeout: 30 * 60_000 }, async (t) => {
  const measure = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return { rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers };
  };
  // FAULTS_ONLY (a substring of fault names) narrows the rounds, to find which fault grows memory.
  const names = Object.keys(FAULTS).filter((n) => !process.env.FAULTS_ONLY || n.includes(process.env.FAULTS_ONLY));
  // One warm-up round: the wasm memory and the connection pool reach their working size.
  for (const name of names) await runFault(name);
  const start = measure();
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      // The slow faults (timeouts) every few rounds, the others every round.
      if (FAULTS[name][1] === "timeout" && round % 5 !== 0) continue;
      await runFault(name);
    }
  }
  const end = measure();
  const grown = { rss: end.rss - start.rss, heap: end.heap - start.heap, external: end.external - start.external };
  t.diagnostic(`after ${ROUNDS} rounds: rss ${(start.rss / MB).toFixed(1)} -> ${(end.rss / MB).toFixed(1)} MB, heap ${(start.heap / MB).toFixed(1)} -> ${(end.heap / MB).toFixed(1)} MB, external ${(start.external / MB).toFixed(1)} -> ${(end.external / MB).toFixed(1)} MB`);
  // Every round reads up to 64 KiB per fault and is offered ~50 MB: growth with the rounds would show.
  assert.ok(grown.heap < 24 * MB, `the JS heap grew by ${(grown.heap / MB).toFixed(1)} MB`);
  assert.ok(grown.external < 48 * MB, `external memory grew by ${(grown.external / MB).toFixed(1)} MB`);
  assert.ok(grown.rss < 128 * MB, `RSS grew by ${(grown.rss / MB).toFixed(1)} MB`);
  assert.equal(second.stats.connections, 0, "the redirect target never received a connection");
});

// ---- Many calls in memory: nothing is kept per call ----------------------------------------

/** Heap growth (bytes) over `n` calls of `call`, after `warm` calls; yields to the event loop. */
async function heapGrowth(call, warm, n) {
  const batch = async (count) => {
    for (let i = 0; i < count; i++) {
      const out = await settleWithin(call(), 5000);
      if (out.late) throw new Error(`call ${i} did not settle within 5 s`);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  };
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  await batch(warm);
  await new Promise((r) => setTimeout(r, 50));
  const before = heap();
  await batch(n);
  await new Promise((r) => setTimeout(r, 50));
  return heap() - before;
}

const tokenAnswer = async () => new Response(TOKEN_JSON);
const CALLS = process.env.FC_RUNS ? Math.max(40_000, Number(process.env.FC_RUNS) * 40) : 40_000;

test(`memory: ${CALLS} requestToken calls with a timeout keep nothing per call`, { timeout: 10 * 60_000 }, async (t) => {
  // A timer cleared before it fired must not leave its promise's callbacks behind (~0.8 KB each).
  const grown = await heapGrowth(() => requestToken({ ...CREDS, fetch: tokenAnswer, timeoutMs: 10_000, signal: new AbortController().signal }), 10_000, CALLS);
  t.diagnostic(`heap grew by ${(grown / MB).toFixed(1)} MB over ${CALLS} calls`);
  assert.ok(grown < 12 * MB, `the heap grew by ${(grown / MB).toFixed(1)} MB over ${CALLS} calls`);
});

test(`memory: ${CALLS / 4} TokenClient mints through a store keep nothing per call`, { timeout: 10 * 60_000 }, async (t) => {
  const map = new Map();
  const store = { get: async (k) => map.get(k), set: async (k, v) => void map.set(k, v), delete: (k) => void map.delete(k) };
  const client = new TokenClient({ ...CREDS, fetch: tokenAnswer, store, quotaLimit: 10_000, quotaWindowMs: 1 });
  const grown = await heapGrowth(
    () => {
      client.invalidate();
      return client.getToken();
    },
    5_000,
    CALLS / 4,
  );
  t.diagnostic(`heap grew by ${(grown / MB).toFixed(1)} MB over ${CALLS / 4} mints`);
  assert.ok(grown < 12 * MB, `the heap grew by ${(grown / MB).toFixed(1)} MB over ${CALLS / 4} mints`);
});

test(
  "memory: calls whose fetch never settles (and ignores the abort) keep nothing per call",
  { timeout: 10 * 60_000 },
  async (t) => {
    const grown = await heapGrowth(() => requestToken({ ...CREDS, fetch: () => new Promise(() => {}), timeoutMs: 1 }), 500, 5_000);
    t.diagnostic(`heap grew by ${(grown / MB).toFixed(1)} MB over 5000 calls`);
    assert.ok(grown < 2 * MB, `the heap grew by ${(grown / MB).toFixed(1)} MB over 5000 calls`);
  },
);
