// Property (b), hostile answers from an injected fetch, in the other runtimes whose fetch, streams
// and Response differ from Node's: headless Chromium (the package's browser entry, served locally)
// and workerd (the package's workerd entry, through miniflare). Fewer runs than in Node.
import { test, before, after } from "node:test";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic, launchChromium } from "../support.mjs";
import { runs, selected, config, assertSummary } from "./config.mjs";

const FILE = "tests/props/runtimes.test.mjs";
const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const esbuild = join(root, "node_modules/.bin/esbuild");
let dir;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "tc-props-"));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function bundle(entry, args) {
  execFileSync(esbuild, [join(root, "tests/props", entry), "--bundle", "--format=esm", "--log-level=warning", ...args], { cwd: root, stdio: "inherit" });
}

const BROWSER = "hostile answers (chromium)";
test(BROWSER, { skip: !selected(BROWSER), timeout: 20 * 60_000 }, async (t) => {
  const site = join(dir, "site");
  mkdirSync(site, { recursive: true });
  cpSync(join(root, "build/pkg"), join(site, "pkg"), { recursive: true });
  bundle("entry-browser.mjs", ["--platform=browser", "--external:/pkg/*", `--outfile=${join(site, "props.js")}`]);
  writeFileSync(join(site, "index.html"), '<!doctype html><meta charset="utf-8"><title>props</title><script type="module" src="/props.js"></script>');
  const server = await serveStatic(site);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
    await page.waitForFunction(() => typeof window.runAnswers === "function", null, { timeout: 20_000 });
    const summary = await page.evaluate((cfg) => window.runAnswers(cfg), { ...config(BROWSER, runs(150, 0.25)), margin: 1000 });
    assertSummary(t, BROWSER, FILE, summary);
    if (errors.length) throw new Error(`errors on the page: ${errors.join("; ")}`);
  } finally {
    await browser.close();
    await new Promise((r) => server.close(r));
  }
});

const WORKERD = "hostile answers (workerd)";
test(WORKERD, { skip: !selected(WORKERD), timeout: 20 * 60_000 }, async (t) => {
  const out = join(dir, "worker");
  mkdirSync(join(out, "wasm"), { recursive: true });
  cpSync(join(root, "build/pkg/wasm/truecaller_token_bg.wasm"), join(out, "wasm/truecaller_token_bg.wasm"));
  bundle("entry-workerd.mjs", [
    "--platform=neutral",
    "--conditions=workerd,worker,browser",
    "--main-fields=module,main",
    `--alias:truecaller-token=${join(root, "build/pkg/workerd.js")}`,
    "--external:*.wasm",
    "--external:cloudflare:*",
    `--outfile=${join(out, "index.js")}`,
  ]);
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(out, "index.js"),
    modulesRoot: out,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2025-09-01",
  });
  try {
    const res = await mf.dispatchFetch("http://props.test/", { method: "POST", body: JSON.stringify({ ...config(WORKERD, runs(150, 0.25)), margin: 1000 }) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`the worker answered ${res.status}: ${text.slice(0, 2000)}`);
    assertSummary(t, WORKERD, FILE, JSON.parse(text));
  } finally {
    await mf.dispose();
  }
});
