// The command line (SPEC section 9), as a user runs it: the packed tarball installed into a
// scratch project, its bin node_modules/.bin/truecaller-token run with a clean environment
// (HOME and XDG_CACHE_HOME in temporary directories) against the local token server.
// Needs `make pack` first (make test does it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import http from "node:http";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startTokenServer, originOf, DEMO_CREDENTIALS, requestCount } from "../server/token-server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version\s*=\s*"([^"]+)"/m)[1];
const tarball = join(root, "dist", `truecaller-token-${version}.tgz`);
const KEY = DEMO_CREDENTIALS.apiKey;
const TOKEN = /^tc_[0-9a-f]{32}$/;

let scratch, bin, server, base, echo, echoBase, seq = 0;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "tc-cli-"));
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true }));
  execFileSync("npm", ["install", tarball, "--no-audit", "--no-fund", "--offline", "--silent"], { cwd: scratch, stdio: "inherit" });
  bin = join(scratch, "node_modules/.bin/truecaller-token");
  // The server's own 10-per-30-minutes limit is off: these tests count requests themselves.
  server = await startTokenServer({ port: 0, quotaLimit: Infinity });
  base = originOf(server);
  // A careless server that puts the API key it received in every answer.
  echo = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      let key = "";
      try {
        key = JSON.parse(body).api_key;
      } catch {}
      const status = Number(req.url.split("/")[1]) || 400;
      const text =
        status === 200
          ? JSON.stringify({ token_missing: true, api_key: key })
          : status === 500
            ? `<html><body>Internal error for key ${key} (${key.toUpperCase()})</body></html>`
            : JSON.stringify({ slug: "invalid-input", message: `api_key ${key} is wrong; ${key.toUpperCase()}; ${key.replaceAll("-", "")}` });
      res.writeHead(status, { "content-type": status === 500 ? "text/html" : "application/json" });
      res.end(text);
    });
  });
  await new Promise((r) => echo.listen(0, "127.0.0.1", r));
  echoBase = `http://127.0.0.1:${echo.address().port}`;
});

after(async () => {
  await server?.closeAll();
  echo?.closeAllConnections();
  await new Promise((r) => (echo ? echo.close(r) : r()));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const id = (name) => `cli-${name}-${++seq}`;
const requests = (key) => requestCount(base, key);

/** A fresh home: HOME and XDG_CACHE_HOME in a new temporary directory. */
function home() {
  const dir = mkdtempSync(join(tmpdir(), "tc-cli-home-"));
  return { HOME: dir, XDG_CACHE_HOME: join(dir, "cache") };
}

/** The environment of a user who exported the demo credentials (and a base URL). */
function creds(baseUrl, h = home()) {
  return {
    ...h,
    TC_CLIENT_ACCOUNT_ID: DEMO_CREDENTIALS.clientAccountId,
    TC_KEY_ID: DEMO_CREDENTIALS.keyId,
    TC_API_KEY: KEY,
    ...(baseUrl === undefined ? {} : { TC_BASE_URL: baseUrl }),
  };
}

/**
 * Runs the installed bin with `args` and only `env` (plus PATH); resolves to its exit status,
 * stdout, stderr and wall time. Asynchronous: the token server runs in this process.
 */
function run(args, env = {}, { input, signalAfterMs, command = bin, commandArgs } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, commandArgs ?? args, {
      cwd: scratch,
      env: { PATH: process.env.PATH, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    if (signalAfterMs !== undefined) setTimeout(() => child.kill("SIGINT"), signalAfterMs);
    child.on("close", (status, signal) => {
      clearTimeout(killer);
      resolve({ status, signal, stdout, stderr, ms: Date.now() - started });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** Asserts a successful run that printed a token in the default form; returns the token. */
function token(r) {
  assert.equal(r.stderr, "", "nothing on stderr");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^tc_[0-9a-f]{32}\n$/, "stdout holds the token alone");
  return r.stdout.trim();
}

/** Asserts a failed run: nothing on stdout, one line on stderr naming `code`; returns the line. */
function failure(r, code, status) {
  assert.equal(r.stdout, "", "nothing on stdout");
  assert.equal(r.status, status, r.stderr);
  const lines = r.stderr.split("\n");
  assert.equal(lines.length, 2, `one line on stderr: ${JSON.stringify(r.stderr)}`);
  assert.equal(lines[1], "");
  assert.ok(lines[0].startsWith(`truecaller-token: ${code}: `), lines[0]);
  return lines[0];
}

/** The exit statuses as --help documents them: code name -> status. */
let documented;
async function statuses() {
  if (documented) return documented;
  const r = await run(["--help"]);
  documented = {};
  for (const m of r.stdout.matchAll(/^ *(\d+) +([a-z_]+)\b/gm)) documented[m[2]] = Number(m[1]);
  return documented;
}

// --- output modes ---

test("default: the token alone on stdout, exit 0, nothing on stderr, one request", async () => {
  const t = id("plain");
  const r = await run([], creds(`${base}/t/${t}`));
  token(r);
  assert.equal(await requests(t), 1);
  assert.ok(r.ms < 5000, `exited promptly (${r.ms} ms) although the server keeps the connection alive`);
});

test("--json: the AccessToken as one JSON line, and nothing else", async () => {
  const t = id("json");
  const before = Date.now();
  const r = await run(["--json"], creds(`${base}/t/${t}`));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.match(r.stdout, /^\{.*\}\n$/);
  const access = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(access).sort(), ["createdAt", "expiresAt", "token"]);
  assert.match(access.token, TOKEN);
  assert.equal(typeof access.createdAt, "string");
  assert.ok(access.expiresAt >= before + 60 * 60_000 && access.expiresAt <= Date.now() + 60 * 60_000, "expiresAt: receive time + 60 min");
});

test("--header: `Authorization: Bearer <token>`, ready for curl -H", async () => {
  const r = await run(["--header"], creds(`${base}/t/${id("header")}`));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.match(r.stdout, /^Authorization: Bearer tc_[0-9a-f]{32}\n$/);
});

test("--json and --header together: a usage error (exit 2), nothing sent", async () => {
  const t = id("both");
  const line = failure(await run(["--json", "--header"], creds(`${base}/t/${t}`)), "usage", 2);
  assert.match(line, /--json.*--header/);
  assert.equal(await requests(t), 0);
});

// --- credentials ---

test("credentials from the environment only", async () => {
  token(await run([], creds(`${base}/t/${id("env")}`)));
});

test("credentials from flags only, the key from --api-key-file (its final newline dropped)", async () => {
  const h = home();
  const file = join(h.HOME, "api-key");
  writeFileSync(file, KEY + "\n", { mode: 0o600 });
  const t = id("flags");
  const args = ["--client-account-id", DEMO_CREDENTIALS.clientAccountId, "--key-id", DEMO_CREDENTIALS.keyId, "--api-key-file", file, "--base-url", `${base}/t/${t}`];
  token(await run(args, h));
  assert.equal(await requests(t), 1);
});

test("flags win over the environment (--key-id, --base-url, --api-key-file over TC_*)", async () => {
  const h = home();
  const file = join(h.HOME, "api-key");
  writeFileSync(file, KEY);
  const t = id("override");
  const env = {
    ...h,
    TC_CLIENT_ACCOUNT_ID: DEMO_CREDENTIALS.clientAccountId,
    TC_KEY_ID: "00000000-0000-4000-8000-000000000000",
    TC_API_KEY: "00000000-0000-4000-8000-000000000001",
    TC_BASE_URL: `${base}/s/401`,
  };
  token(await run(["--key-id", DEMO_CREDENTIALS.keyId, "--api-key-file", file, "--base-url", `${base}/t/${t}`], env));
  assert.equal(await requests(t), 1);
  assert.equal(await requests("401"), 0, "TC_BASE_URL was not used");
});

test("--api-key-stdin: the key read from standard input", async () => {
  const t = id("stdin");
  const env = { ...creds(`${base}/t/${t}`), TC_API_KEY: "" };
  token(await run(["--api-key-stdin"], env, { input: KEY + "\n" }));
  assert.equal(await requests(t), 1);
  failure(await run(["--api-key-stdin"], env, { input: "" }), "usage", 2);
});

test("--api-key-file: a missing or empty file, or with --api-key-stdin, is a usage error", async () => {
  const h = home();
  const env = { ...creds(`${base}/t/${id("file")}`, h) };
  assert.match(failure(await run(["--api-key-file", join(h.HOME, "nope")], env), "usage", 2), /cannot read the API key file .*nope.*ENOENT/);
  writeFileSync(join(h.HOME, "empty"), "\n");
  assert.match(failure(await run(["--api-key-file", join(h.HOME, "empty")], env), "usage", 2), /is empty/);
  failure(await run(["--api-key-file", join(h.HOME, "empty"), "--api-key-stdin"], env, { input: KEY }), "usage", 2);
});

test("an API key on the command line is refused, with the reason, and never echoed", async () => {
  const t = id("argv");
  const env = { ...creds(`${base}/t/${t}`), TC_API_KEY: "" };
  for (const args of [["--api-key", KEY], [`--api-key=${KEY}`], ["--apikey", KEY], [`--api_key=${KEY}`]]) {
    const r = await run(args, env);
    const line = failure(r, "usage", 2);
    assert.match(line, /not accepted on the command line/);
    assert.match(line, /other users can read/);
    assert.match(line, /TC_API_KEY.*--api-key-file.*--api-key-stdin/);
    assert.ok(!line.includes(KEY), "the key is not echoed");
  }
  // A stray argument (a key typed in the wrong place) is not echoed either.
  const r = await run([KEY], env);
  assert.ok(!failure(r, "usage", 2).includes(KEY));
  assert.equal(await requests(t), 0, "nothing was sent");
});

test("missing credentials: a usage error naming the variable and the flag, nothing sent", async () => {
  const t = id("missing");
  const full = creds(`${base}/t/${t}`);
  for (const [variable, pattern] of [
    ["TC_CLIENT_ACCOUNT_ID", /TC_CLIENT_ACCOUNT_ID.*--client-account-id/],
    ["TC_KEY_ID", /TC_KEY_ID.*--key-id/],
    ["TC_API_KEY", /TC_API_KEY.*--api-key-file.*--api-key-stdin/],
  ]) {
    const env = { ...full };
    delete env[variable];
    assert.match(failure(await run([], env), "usage", 2), pattern);
  }
  assert.match(failure(await run(["--bogus"], full), "usage", 2), /--bogus/);
  assert.equal(await requests(t), 0);
});

// --- the cache ---

test("cache: a second run reuses the token from the cache dir and sends nothing", async () => {
  const h = home();
  const t = id("cache");
  const env = creds(`${base}/t/${t}`, h);
  const first = token(await run([], env));
  assert.equal(await requests(t), 1);
  const second = token(await run([], env));
  const third = JSON.parse((await run(["--json"], env)).stdout).token;
  assert.equal(second, first);
  assert.equal(third, first);
  assert.equal(await requests(t), 1, "the second and third runs sent nothing");
  // The cache is in $XDG_CACHE_HOME/truecaller-token, private to the user, and no lease is left behind.
  const dir = join(h.XDG_CACHE_HOME, "truecaller-token");
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const files = readdirSync(dir);
  assert.ok(files.length > 0);
  for (const f of files) {
    assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
    assert.ok(!readFileSync(join(dir, f), "utf8").includes(KEY), `${f} does not hold the key`);
  }
  assert.deepEqual(files.filter((f) => /lease|\.lock$|\.tmp$/.test(f)), [], "the lease was released before exit");
  // Another cache dir is another cache.
  token(await run([], creds(`${base}/t/${t}`)));
  assert.equal(await requests(t), 2);
});

test("cache: an unusable cache dir is said once on stderr; the token still comes", async () => {
  const h = home();
  // A file where the cache dir should be: XDG_CACHE_HOME/truecaller-token cannot be made.
  writeFileSync(h.XDG_CACHE_HOME, "not a directory");
  const t = id("badcache");
  const env = creds(`${base}/t/${t}`, h);
  for (let i = 0; i < 2; i++) {
    const r = await run([], env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^tc_\S+\n$/);
    const lines = r.stderr.split("\n").filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^truecaller-token: warning: the token cache \S+ is unusable \(ENOTDIR\); each run asks for a new token$/);
    assert.ok(!r.stderr.includes(KEY));
  }
  assert.equal(await requests(t), 2, "nothing cached: one request per run");
});

test("--no-cache: one request per run; the cache is neither read nor written", async () => {
  const h = home();
  const t = id("nocache");
  const env = creds(`${base}/t/${t}`, h);
  const cached = token(await run([], env));
  const a = token(await run(["--no-cache"], env));
  assert.equal(await requests(t), 2);
  const b = token(await run(["--no-cache"], env));
  assert.equal(await requests(t), 3);
  assert.notEqual(a, cached);
  assert.notEqual(b, a);
  assert.equal(token(await run([], env)), cached, "the cached token is still the first one");
  assert.equal(await requests(t), 3);
  // With an empty cache dir, --no-cache creates nothing in it.
  const fresh = home();
  token(await run(["--no-cache"], creds(`${base}/t/${t}`, fresh)));
  assert.throws(() => readdirSync(join(fresh.XDG_CACHE_HOME, "truecaller-token")), { code: "ENOENT" });
});

test("--force: one request for a new token, which replaces the cached one", async () => {
  const h = home();
  const t = id("force");
  const env = creds(`${base}/t/${t}`, h);
  const old = token(await run([], env));
  const forced = await run(["--force"], env);
  const fresh = token(forced);
  assert.notEqual(fresh, old);
  assert.equal(await requests(t), 2, "exactly one request for --force");
  assert.ok(forced.ms < 5000, `no wait for a lease (${forced.ms} ms)`);
  assert.equal(token(await run([], env)), fresh, "the next run gets the forced token from the cache");
  assert.equal(await requests(t), 2);
  // On an empty cache, --force makes one request too (not two).
  const t2 = id("force-cold");
  token(await run(["--force"], creds(`${base}/t/${t2}`)));
  assert.equal(await requests(t2), 1);
});

// --- errors: one line on stderr, the documented exit status ---

test("--help documents one distinct exit status per error code", async () => {
  const table = await statuses();
  const codes = ["bad_request", "unauthorized", "rate_limited", "quota_exhausted", "server_error", "unexpected_status", "invalid_response", "network", "timeout", "aborted"];
  for (const code of codes) assert.equal(typeof table[code], "number", `--help documents ${code}`);
  const values = codes.map((c) => table[c]);
  assert.equal(new Set(values).size, codes.length, "distinct");
  for (const v of values) assert.ok(v !== 0 && v !== 2, "neither success nor usage");
  assert.equal(table.usage, 2);
  assert.equal(table.invalid_options, undefined, "invalid_options shares the usage line");
  const help = (await run(["--help"])).stdout;
  assert.match(help, /^ +2 +usage, or invalid_options/m);
});

test("invalid_options: exit 2, one line, nothing sent (a malformed id, a plain-http remote URL, a bad --timeout-ms)", async () => {
  const t = id("invalid");
  const env = creds(`${base}/t/${t}`);
  assert.match(failure(await run(["--key-id", "not-a-uuid"], env), "invalid_options", 2), /keyId/);
  assert.match(failure(await run(["--timeout-ms", "soon"], env), "invalid_options", 2), /timeoutMs/);
  assert.match(failure(await run(["--base-url", "http://example.com"], env), "invalid_options", 2), /https/);
  assert.match(failure(await run([], { ...env, TC_API_KEY: "hunter2" }), "invalid_options", 2), /apiKey/);
  assert.equal(await requests(t), 0);
});

for (const [scenario, code, pattern] of [
  ["400", "bad_request", /HTTP 400/],
  ["401", "unauthorized", /HTTP 401/],
  ["403", "unauthorized", /HTTP 403/],
  ["429", "rate_limited", /HTTP 429.*retry in 7 s/],
  ["500", "server_error", /HTTP 500/],
  ["404", "unexpected_status", /HTTP 404/],
  ["notjson", "invalid_response", /not JSON/],
]) {
  test(`/s/${scenario}: ${code}, its exit status, one line on stderr`, async () => {
    const status = (await statuses())[code];
    const line = failure(await run([], creds(`${base}/s/${scenario}`)), code, status);
    assert.match(line, pattern);
  });
}

test("quota_exhausted: the cache dir's quota window (10 per 30 min) stops a --force loop locally", async () => {
  const h = home();
  const t = id("quota");
  const env = creds(`${base}/t/${t}`, h);
  token(await run([], env));
  for (let i = 0; i < 9; i++) token(await run(["--force"], env));
  assert.equal(await requests(t), 10);
  const line = failure(await run(["--force"], env), "quota_exhausted", (await statuses()).quota_exhausted);
  assert.match(line, /quota/i);
  assert.equal(await requests(t), 10, "the eleventh was refused without a request");
});

test("network: a closed port", async () => {
  const closed = http.createServer();
  await new Promise((r) => closed.listen(0, "127.0.0.1", r));
  const port = closed.address().port;
  await new Promise((r) => closed.close(r));
  failure(await run([], creds(`http://127.0.0.1:${port}`)), "network", (await statuses()).network);
});

test("timeout: a server that never answers, --timeout-ms 200; the process exits promptly", async () => {
  const r = await run(["--timeout-ms", "200"], creds(`${base}/s/hang`));
  assert.match(failure(r, "timeout", (await statuses()).timeout), /200 ms/);
  // Two attempts of 200 ms (one retry) and the backoff between them; no timer keeps it alive.
  assert.ok(r.ms < 6000, `${r.ms} ms`);
});

test("aborted: Ctrl-C (SIGINT) during a request ends it with the documented status", async () => {
  const r = await run(["--timeout-ms", "0"], creds(`${base}/s/hang`), { signalAfterMs: 1000 });
  failure(r, "aborted", (await statuses()).aborted);
  assert.equal(r.status, 130);
});

test("the API key is never printed, even by a server that echoes it back", async () => {
  const spellings = [KEY, KEY.toUpperCase(), KEY.replaceAll("-", "")];
  for (const [status, code] of [[400, "bad_request"], [401, "unauthorized"], [500, "server_error"], [200, "invalid_response"]]) {
    const r = await run([], creds(`${echoBase}/${status}`));
    failure(r, code, (await statuses())[code]);
    for (const s of spellings) assert.ok(!(r.stdout + r.stderr).toLowerCase().includes(s.toLowerCase()), `${status}: ${r.stderr}`);
  }
  // The same through --api-key-file and --api-key-stdin.
  const h = home();
  writeFileSync(join(h.HOME, "k"), KEY);
  const env = { ...creds(`${echoBase}/401`, h), TC_API_KEY: "" };
  for (const [args, input] of [[["--api-key-file", join(h.HOME, "k")]], [["--api-key-stdin"], KEY]]) {
    const r = await run(args, env, { input });
    failure(r, "unauthorized", 4);
    assert.ok(!(r.stdout + r.stderr).toLowerCase().includes(KEY), r.stderr);
  }
});

// --- --help, --version ---

test("--help: usage, every option, examples, on stdout, exit 0, nothing sent", async () => {
  for (const flag of ["--help", "-h"]) {
    const r = await run([flag]);
    assert.equal(r.status, 0);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^Usage: truecaller-token \[options\]/);
    for (const o of ["--client-account-id", "--key-id", "--api-key-file", "--api-key-stdin", "--base-url", "--timeout-ms", "--json", "--header", "--no-cache", "--force", "--version", "TC_CLIENT_ACCOUNT_ID", "TC_KEY_ID", "TC_API_KEY", "TC_BASE_URL", "XDG_CACHE_HOME"]) {
      assert.ok(r.stdout.includes(o), `--help mentions ${o}`);
    }
    assert.ok(r.stdout.includes('curl -H "$(npx truecaller-token --header)"'), "the curl example");
    assert.match(r.stdout, /never accepted as an argument/);
  }
});

test("--version: the installed package's version", async () => {
  const installed = JSON.parse(readFileSync(join(scratch, "node_modules/truecaller-token/package.json"), "utf8")).version;
  assert.equal(installed, version);
  const r = await run(["--version"]);
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, `${version}\n`, ""]);
});

// --- the status line ---

test("a slow request on a terminal: a status line on stderr, cleared afterwards; stdout still the token alone", async () => {
  // util-linux `script` gives the command a terminal; stdout goes to a file, stderr to the terminal.
  const h = home();
  const out = join(h.HOME, "out.txt");
  const env = creds(`${base}/s/slow`, h);
  const r = await run([], env, {
    command: "script",
    commandArgs: ["-qfec", `'${bin}' > '${out}'`, "/dev/null"],
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(readFileSync(out, "utf8"), /^tc_[0-9a-f]{32}\n$/, "stdout holds the token alone");
  const tty = r.stdout;
  const shown = tty.indexOf("truecaller-token: waiting for a token from 127.0.0.1:");
  assert.ok(shown >= 0, JSON.stringify(tty));
  assert.ok(tty.indexOf("\r\x1b[2K", shown) > shown, "the line is cleared afterwards");
  assert.ok(tty.trimEnd().endsWith("\r\x1b[2K"), `nothing is left on the terminal: ${JSON.stringify(tty)}`);
});

test("a slow request without a terminal: nothing on stderr", async () => {
  const r = await run([], creds(`${base}/s/slow`));
  assert.ok(r.ms >= 1400, "the request was slow");
  token(r);
});

test("a quick request on a terminal: no status line", async () => {
  const h = home();
  const out = join(h.HOME, "out.txt");
  const r = await run([], creds(`${base}/t/${id("quick-tty")}`, h), {
    command: "script",
    commandArgs: ["-qfec", `'${bin}' > '${out}'`, "/dev/null"],
  });
  assert.equal(r.status, 0, r.stdout);
  assert.equal(r.stdout, "");
  assert.match(readFileSync(out, "utf8"), /^tc_[0-9a-f]{32}\n$/);
});
