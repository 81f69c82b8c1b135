// The packed tarball in Deno 2 and Bun 1: installed into a scratch project with npm (offline,
// from dist/), then run from its node_modules as a user of each runtime would, against the local
// token server. The runtimes are the binaries shipped inside the npm packages @deno/linux-x64-glibc
// and @oven/bun-linux-x64 (pinned devDependencies; no download, no install script needed).
// Needs `make pack` first (make test does it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startTokenServer, originOf, DEMO_CREDENTIALS, requestCount } from "../server/token-server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version\s*=\s*"([^"]+)"/m)[1];
const tarball = join(root, "dist", `truecaller-token-${version}.tgz`);
const pins = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies;

/** The binary inside an npm package, made executable if the tarball lost its mode. */
function binary(pkg, path) {
  const file = join(root, "node_modules", pkg, path);
  try {
    accessSync(file, constants.X_OK);
  } catch {
    chmodSync(file, 0o755);
  }
  return file;
}
const DENO = binary("@deno/linux-x64-glibc", "deno");
const BUN = binary("@oven/bun-linux-x64", "bin/bun");

// What a Deno or Bun user writes; {{import}} is their ES `import` or CommonJS `require` line.
const PROGRAM = `{{import}}

const creds = ${JSON.stringify(DEMO_CREDENTIALS)};
const base = process.env.TC_SERVER;
const id = process.env.TC_ID;

async function main() {
  const out = { DEFAULT_BASE_URL };
  const ok = await requestToken({ ...creds, baseUrl: base + "/t/" + id });
  out.token = ok.token;
  out.createdAt = ok.createdAt;
  out.expiresAt = ok.expiresAt;

  const describe = (e) => ({
    isClass: e instanceof TruecallerError,
    isError: e instanceof Error,
    name: e.name,
    code: e.code,
    status: e.status,
    slug: e.slug,
    leaks: JSON.stringify([e.message, String(e), e.stack, JSON.stringify(e)]).includes(creds.apiKey),
  });
  try {
    await requestToken({ ...creds, baseUrl: base + "/s/401" });
    out.unauthorized = "resolved";
  } catch (e) {
    out.unauthorized = describe(e);
  }
  // The same error through TokenClient: a wrong key, refused by the server's real route.
  try {
    await new TokenClient({ ...creds, apiKey: "00000000-0000-4000-8000-000000000000", baseUrl: base + "/t/" + id + "-wrong" }).getToken();
    out.wrongKey = "resolved";
  } catch (e) {
    out.wrongKey = describe(e);
  }

  // Single flight: 100 concurrent calls on a cold client, then a cached one.
  const client = new TokenClient({ ...creds, baseUrl: base + "/t/" + id + "-flight" });
  const tokens = await Promise.all(Array.from({ length: 100 }, () => client.getToken()));
  const cached = await client.getToken();
  out.flight = { distinct: new Set(tokens).size, cachedSame: cached === tokens[0], quotaUsed: client.quota().used, header: (await client.authorizationHeader()) === "Bearer " + cached };

  // fileStore (node:fs in this runtime): a second client adopts the first one's token.
  const options = { ...creds, baseUrl: base + "/t/" + id + "-store", store: fileStore(process.env.TC_STORE_DIR) };
  const first = await new TokenClient(options).getToken();
  const second = await new TokenClient(options).getToken();
  out.store = { same: first === second };
  console.log(JSON.stringify(out));
}
main().catch((e) => {
  console.log(JSON.stringify({ failed: String(e && e.stack || e) }));
  process.exitCode = 1;
});
`;

const ESM = `import process from "node:process";
import { requestToken, TokenClient, TruecallerError, fileStore, DEFAULT_BASE_URL } from "truecaller-token";`;
const CJS = `const process = require("node:process");
const { requestToken, TokenClient, TruecallerError, fileStore, DEFAULT_BASE_URL } = require("truecaller-token");`;

let scratch, server, base;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "tc-runtimes-"));
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true }));
  execFileSync("npm", ["install", tarball, "--no-audit", "--no-fund", "--offline", "--silent"], { cwd: scratch, stdio: "inherit" });
  // Deno uses the npm packages in ./node_modules as they are: no registry, no download.
  writeFileSync(join(scratch, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }));
  writeFileSync(join(scratch, "usage.mjs"), PROGRAM.replace("{{import}}", ESM));
  writeFileSync(join(scratch, "usage.cjs"), PROGRAM.replace("{{import}}", CJS));
  server = await startTokenServer({ port: 0, quotaLimit: Infinity });
  base = originOf(server);
});

after(async () => {
  await server?.closeAll();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const requests = (id) => requestCount(base, id);

/** Runs `command args` in the scratch project (asynchronously: the server is in this process). */
async function runIn(command, args, id) {
  const store = join(scratch, "store-" + id);
  mkdirSync(store);
  const home = mkdtempSync(join(tmpdir(), "tc-runtimes-home-"));
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    TC_SERVER: base,
    TC_ID: id,
    TC_STORE_DIR: store,
    NO_COLOR: "1",
    // Deno: its own cache dir, no update check. Bun: its own cache dir, no telemetry.
    DENO_DIR: join(home, "deno"),
    DENO_NO_UPDATE_CHECK: "1",
    BUN_INSTALL_CACHE_DIR: join(home, "bun"),
    DO_NOT_TRACK: "1",
  };
  const started = Date.now();
  let stdout, stderr;
  try {
    ({ stdout, stderr } = await promisify(execFile)(command, args, { cwd: scratch, env, timeout: 60_000 }));
  } catch (e) {
    assert.fail(`${command} ${args.join(" ")} failed: ${e.message}\n${e.stdout}\n${e.stderr}`);
  }
  const result = JSON.parse(stdout.trim().split("\n").pop());
  assert.equal(result.failed, undefined, result.failed + "\n" + stderr);
  return { result, ms: Date.now() - started };
}

async function check({ result, ms }, id) {
  assert.equal(result.DEFAULT_BASE_URL, "https://enterprise-portal-noneu.truecaller.com");
  assert.match(result.token, /^tc_[0-9a-f]{32}$/);
  assert.equal(typeof result.createdAt, "string");
  assert.ok(result.expiresAt > Date.now() + 59 * 60_000 && result.expiresAt <= Date.now() + 60 * 60_000);
  assert.equal(await requests(id), 1, "requestToken: one request");
  const unauthorized = (status) => ({ isClass: true, isError: true, name: "TruecallerError", code: "unauthorized", status, slug: "unauthorized", leaks: false });
  assert.deepEqual(result.unauthorized, unauthorized(401), "requestToken: a typed unauthorized error");
  assert.deepEqual(result.wrongKey, unauthorized(401), "TokenClient: a typed unauthorized error");
  assert.equal(await requests(id + "-wrong"), 1, "unauthorized is not retried");
  assert.deepEqual(result.flight, { distinct: 1, cachedSame: true, quotaUsed: 1, header: true });
  assert.equal(await requests(id + "-flight"), 1, "100 concurrent getToken(): one request");
  assert.deepEqual(result.store, { same: true });
  assert.equal(await requests(id + "-store"), 1, "fileStore: the second client sent nothing");
  assert.ok(ms < 30_000, `the process exited by itself (${ms} ms)`);
}

test("the runtimes are the pinned Deno 2 and Bun 1 from their npm packages", () => {
  const deno = execFileSync(DENO, ["--version"], { encoding: "utf8", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } });
  assert.match(deno, new RegExp(`^deno ${pins["@deno/linux-x64-glibc"].replaceAll(".", "\\.")} `));
  assert.match(pins["@deno/linux-x64-glibc"], /^2\.\d+\.\d+$/, "an exact Deno 2 pin");
  const bun = execFileSync(BUN, ["--version"], { encoding: "utf8" }).trim();
  assert.equal(bun, pins["@oven/bun-linux-x64"]);
  assert.match(bun, /^1\.\d+\.\d+$/, "an exact Bun 1 pin");
});

test("Deno 2: import from node_modules (nodeModulesDir manual, --cached-only: no network but the token server)", async () => {
  const args = ["run", "--cached-only", "--no-prompt", "--allow-read", "--allow-write", "--allow-env", "--allow-net=127.0.0.1", "usage.mjs"];
  await check(await runIn(DENO, args, "deno-esm"), "deno-esm");
});

test("Bun 1: import", async () => {
  await check(await runIn(BUN, ["--no-install", "usage.mjs"], "bun-esm"), "bun-esm");
});

test("Bun 1: require", async () => {
  await check(await runIn(BUN, ["--no-install", "usage.cjs"], "bun-cjs"), "bun-cjs");
});
