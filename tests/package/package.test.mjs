// The packed tarball, installed into a scratch project the way a user gets it,
// then used from Node ESM, Node CJS, an esbuild bundle, a Worker (wrangler + workerd)
// and a page in headless Chromium; its declarations checked by tsc (with and without the DOM lib),
// publint and @arethetypeswrong/cli. Needs `make pack` first (make test does it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startTokenServer, originOf, requestCount } from "../server/token-server.mjs";
import { serveStatic, launchChromium } from "../support.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const fixtures = join(root, "tests/package/fixtures");
const bin = (name) => join(root, "node_modules/.bin", name);
const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version\s*=\s*"([^"]+)"/m)[1];
const tarball = join(root, "dist", `truecaller-token-${version}.tgz`);

let scratch, server, base;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "tc-scratch-"));
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true }));
  execFileSync("npm", ["install", tarball, "--no-audit", "--no-fund", "--offline", "--silent"], { cwd: scratch, stdio: "inherit" });
  for (const f of readdirSync(fixtures)) cpSync(join(fixtures, f), join(scratch, f));
  server = await startTokenServer({ port: 0 });
  base = originOf(server);
});

after(async () => {
  await server?.closeAll();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const requests = (id) => requestCount(base, id);

async function checkResult(result, id) {
  assert.match(result.token, /^tc_[0-9a-f]{32}$/);
  assert.ok(result.expiresAt > Date.now() + 59 * 60 * 1000, "expiresAt is about an hour ahead");
  assert.ok(result.expiresAt <= Date.now() + 60 * 60 * 1000);
  assert.equal(typeof result.createdAt, "string");
  assert.deepEqual(result.bad, {
    isClass: true,
    isError: true,
    name: "TruecallerError",
    code: "bad_request",
    status: 400,
    slug: "invalid-input",
  });
  assert.equal(await requests(id), 1, "exactly one request reached the server");
  if (result.clientCalls) {
    assert.deepEqual(result.clientCalls, { same: true, quotaUsed: 1 });
    assert.equal(await requests(id + "-client"), 1, "TokenClient: two concurrent calls and a cached one, one request");
  }
}

// Asynchronous: the token server runs in this process and must keep answering.
async function runNode(file, id, cwd = scratch) {
  const { stdout } = await promisify(execFile)(process.execPath, [file], { cwd, env: { ...process.env, TC_SERVER: base, TC_ID: id } });
  return JSON.parse(stdout.trim().split("\n").pop());
}

test("Node ESM: import from the tarball, no init call", async () => {
  const result = await runNode("usage.mjs", "esm");
  await checkResult(result, "esm");
  assert.equal(result.DEFAULT_BASE_URL, "https://enterprise-portal-noneu.truecaller.com");
});

test("Node CommonJS: require from the tarball", async () => {
  await checkResult(await runNode("usage.cjs", "cjs"), "cjs");
});

test("esbuild: a bundle for Node, with the .wasm copied beside it", async () => {
  const out = join(scratch, "esbuild-out");
  execFileSync(bin("esbuild"), ["usage.mjs", "--bundle", "--platform=node", "--format=esm", `--outfile=${join(out, "app.mjs")}`, "--log-level=warning"], { cwd: scratch, stdio: "inherit" });
  mkdirSync(join(out, "wasm"), { recursive: true });
  cpSync(join(scratch, "node_modules/truecaller-token/wasm/truecaller_token_bg.wasm"), join(out, "wasm/truecaller_token_bg.wasm"));
  await checkResult(await runNode(join(out, "app.mjs"), "esbuild", out), "esbuild");
});

test("Cloudflare Workers: bundled by wrangler, run by workerd through miniflare", async () => {
  // worker.js also checks TokenClient's single flight and cache.
  const dir = join(scratch, "worker");
  mkdirSync(join(dir, "src"), { recursive: true });
  cpSync(join(scratch, "worker.js"), join(dir, "src/index.js"));
  writeFileSync(join(dir, "wrangler.toml"), 'name = "tc-test"\nmain = "src/index.js"\ncompatibility_date = "2025-09-01"\n');
  execFileSync(bin("wrangler"), ["deploy", "--dry-run", "--outdir", "out"], {
    cwd: dir,
    stdio: "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_UPDATE_NOTIFIER: "1" },
  });
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(dir, "out/index.js"),
    modulesRoot: join(dir, "out"),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2025-09-01",
  });
  try {
    const res = await mf.dispatchFetch(`http://worker.test/?base=${encodeURIComponent(base)}&id=worker`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const result = JSON.parse(text);
    assert.ok(result.clientCalls, "the worker exercised TokenClient");
    await checkResult(result, "worker");
    // Three concurrent requests to the isolate: one mint, one token, across request contexts.
    const shared = await Promise.all(
      [1, 2, 3].map(async (i) => {
        const r = await mf.dispatchFetch(`http://worker.test/?base=${encodeURIComponent(base)}&shared=worker-shared&i=${i}`);
        return [r.status, await r.text()];
      }),
    );
    assert.deepEqual(shared.map(([status]) => status), [200, 200, 200], JSON.stringify(shared));
    assert.equal(new Set(shared.map(([, token]) => token)).size, 1);
    assert.equal(await requests("worker-shared"), 1);
  } finally {
    await mf.dispose();
  }
});

test("browser: native ES modules in headless Chromium (Playwright)", async () => {
  const site = await serveStatic(scratch);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${originOf(site)}/index.html?base=${encodeURIComponent(base)}&id=browser`);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 20000 });
    const result = await page.evaluate(() => window.result);
    assert.deepEqual(errors, []);
    assert.equal(result.failed, undefined, result.failed);
    assert.ok(result.clientCalls, "the page exercised TokenClient");
    await checkResult(result, "browser");
  } finally {
    await browser.close();
    await new Promise((r) => site.close(r));
  }
});

// Runs a tool of the repo's node_modules/.bin; returns its exit status and output (no network:
// every tool here reads the local tarball or the scratch project).
function tool(name, args, cwd = root) {
  const r = spawnSync(bin(name), args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, out: r.stdout + r.stderr };
}

const tscStrict = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022"];

test("TypeScript: the declarations type-check under --strict", () => {
  // types.ts is CommonJS in the scratch project (no "type" in its package.json), so its
  // `import` resolves the "require" types; the .mts and .cts fixtures cover both explicitly.
  execFileSync(bin("tsc"), [...tscStrict, "--lib", "es2022,dom", "types.ts", "types-node.mts", "types-node.cts"], { cwd: scratch, stdio: "inherit" });
  const dts = readFileSync(join(scratch, "node_modules/truecaller-token/wasm/truecaller_token.d.ts"), "utf8");
  const publicPart = dts.split("export type InitInput")[0];
  assert.doesNotMatch(publicPart, /\bany\b/, "no `any` in the public declarations");
});

// A Node project without the DOM lib: only the globals that @types/node declares (for Node 20,
// the oldest Node in "engines"). @types/node is a devDependency of the repo (installed by
// `npm ci`), reached through --typeRoots: the scratch project installs nothing from the network.
for (const [fixture, declarations] of [
  ["types-node.mts", "index.d.ts"], // ESM: `import`
  ["types-node.cts", "index.d.cts"], // CommonJS: `import x = require(...)` and `import` compiled to require
]) {
  test(`TypeScript: ${fixture} type-checks without the DOM lib (--lib es2022 --types node), through ${declarations}`, () => {
    const typesNode = JSON.parse(readFileSync(join(root, "node_modules/@types/node/package.json"), "utf8"));
    assert.equal(typesNode.version.split(".")[0], "20", "@types/node for Node 20");
    const { status, out } = tool(
      "tsc",
      [...tscStrict, "--lib", "es2022", "--types", "node", "--typeRoots", join(root, "node_modules/@types"), "--listFiles", fixture],
      scratch,
    );
    const files = out.split("\n").filter((l) => /\.[cm]?ts$/.test(l));
    assert.equal(status, 0, out.split("\n").filter((l) => !l.startsWith("/")).join("\n"));
    // The fixture went through the declarations of its own condition, and nothing pulled in the DOM lib.
    const own = files.filter((f) => f.includes("/node_modules/truecaller-token/"));
    assert.deepEqual(own, [join(scratch, "node_modules/truecaller-token", declarations)]);
    assert.deepEqual(files.filter((f) => /\/lib\.(dom|webworker)[.\w]*\.d\.ts$/.test(f)), [], "no DOM lib in the program");
  });
}

test("TypeScript: the README's Worker type-checks against @cloudflare/workers-types (Durable Object bindings, typed or not)", () => {
  // The Workers globals instead of the DOM lib or @types/node, as in a wrangler project.
  const { status, out } = tool(
    "tsc",
    [...tscStrict, "--lib", "es2022", "--types", "workers-types", "--typeRoots", join(root, "node_modules/@cloudflare"), "worker-types.ts"],
    scratch,
  );
  assert.equal(status, 0, out);
});

test("publint --strict: no problem in the tarball", () => {
  // --strict turns warnings into errors; suggestions are printed too, and "All good!" only when there is
  // none at all. (The "sideEffects" suggestion is answered in pkg-template/package.json: the entries
  // instantiate the .wasm at import time, so they are listed as having side effects; `false` would let a
  // bundler skip an entry and reach the wasm-bindgen glue before initSync ran.)
  const { status, out } = tool("publint", ["--strict", tarball]);
  assert.equal(status, 0, out);
  assert.match(out, /All good!/, out);
});

test("@arethetypeswrong/cli: no problem in the tarball", () => {
  // `./truecaller_token_bg.wasm` is an asset subpath (for require.resolve, or to copy the .wasm beside a
  // bundle), not a module with one type: importing it yields a WebAssembly.Module under wrangler/workerd,
  // a URL with a bundler's asset loader, and the instance's raw exports (wasm-bindgen's internal ABI)
  // under the ES module integration of Wasm. No declaration would be accurate everywhere, so it is left
  // untyped and excluded with attw's documented --exclude-entrypoints; "." and "./package.json" are checked.
  const { status, stdout, out } = tool("attw", [tarball, "--format", "json", "--exclude-entrypoints", "./truecaller_token_bg.wasm"]);
  let result;
  try {
    result = JSON.parse(stdout);
  } catch {
    assert.fail(out);
  }
  const problems = result.analysis.problems;
  assert.deepEqual(problems, [], JSON.stringify(problems, null, 2));
  assert.equal(status, 0, out.slice(0, 2000));
  assert.deepEqual(Object.keys(result.analysis.entrypoints), [".", "./package.json"]);
  // `require` gets the .d.cts (CommonJS types, not ESM masquerading as CJS), `import` the .d.ts.
  const resolved = Object.fromEntries(
    Object.entries(result.analysis.entrypoints["."].resolutions).map(([kind, r]) => [kind, r.resolution?.fileName]),
  );
  assert.deepEqual(resolved, {
    node10: "/node_modules/truecaller-token/index.d.ts",
    "node16-cjs": "/node_modules/truecaller-token/index.d.cts",
    "node16-esm": "/node_modules/truecaller-token/index.d.ts",
    bundler: "/node_modules/truecaller-token/index.d.ts",
  });
});
