// The demo as a newcomer runs it: `make demo`, then the page in headless Chromium (Playwright).
// Screenshots go to test-output/demo/ (ignored by git).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import net from "node:net";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../support.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const shots = join(root, "test-output/demo");
let demo, url, browser, page, output = "";

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  const port = await freePort();
  demo = spawn("make", ["-s", "demo", `PORT=${port}`], { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  demo.stdout.on("data", (d) => (output += d));
  demo.stderr.on("data", (d) => (output += d));
  for (let i = 0; i < 600 && !url; i++) {
    url = output.match(/truecaller-token demo: (http:\/\/127\.0\.0\.1:\d+\/)/)?.[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(url, "make demo printed its URL:\n" + output);
  assert.equal(url, `http://127.0.0.1:${port}/`);
  assert.match(output, /API key\s+aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee/, "the demo credentials are printed");
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  page.errors = errors;
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]");
});

after(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null && demo.signalCode === null) {
    process.kill(-demo.pid, "SIGINT");
    await new Promise((r) => demo.once("exit", r));
  }
});

const text = (sel) => page.textContent(sel);

async function press(button) {
  await page.click(button);
  await page.waitForFunction(() => ![...document.querySelectorAll("#creds button")].some((b) => b.disabled));
}

test("the form is prefilled, so the first click gets a token", async () => {
  assert.equal(await page.inputValue("#baseUrl"), url.replace(/\/$/, ""));
  assert.equal(await page.getAttribute("#apiKey", "type"), "password");
  await press("#getToken");
  assert.match(await text("#status"), /token ready/);
  const masked = await text("#token");
  assert.match(masked, /^tc_.•+.{4}$/u, "the token is masked");
  assert.equal(await text("#quotaText"), "1 of 10 used");
  const first = await text("#countdown");
  assert.match(first, /^(59|60):\d\d$/);
  await page.waitForFunction((f) => document.getElementById("countdown").textContent !== f, first, { timeout: 5000 });
  await page.screenshot({ path: join(shots, "1-token.png"), fullPage: true });
});

test("reveal shows the token; the API key toggle shows the key", async () => {
  await page.click("#revealToken");
  assert.match(await text("#token"), /^tc_[0-9a-f]{32}$/);
  await page.click("#revealToken");
  await page.click("#revealKey");
  assert.equal(await page.getAttribute("#apiKey", "type"), "text");
  await page.click("#revealKey");
  assert.equal(await page.getAttribute("#apiKey", "type"), "password");
});

test("Force new token mints again: 2 of 10", async () => {
  const before = await page.evaluate(() => document.getElementById("log").textContent);
  await press("#forceToken");
  assert.equal(await text("#quotaText"), "2 of 10 used");
  assert.notEqual(await page.evaluate(() => document.getElementById("log").textContent), before);
  assert.match(await text("#quotaReset"), /Next slot frees in (29|30) min/);
});

test("each simulated error is shown with its code, status and slug", async () => {
  const cases = [
    ["400", "bad_request", "400", "invalid-input"],
    ["401", "unauthorized", "401", "unauthorized"],
    ["429", "rate_limited", "429", "rate-limited"],
    ["500", "server_error", "500", "—"],
  ];
  for (const [sim, code, status, slug] of cases) {
    await page.selectOption("#simKind", sim);
    await page.click("#arm");
    await page.waitForFunction(() => document.getElementById("armed").textContent.includes("next token request"));
    await press("#oneRequest");
    assert.equal(await text("#errCode"), code, sim);
    assert.equal(await text("#errStatus"), status);
    assert.equal(await text("#errSlug"), slug);
    assert.ok((await text("#errPlain")).length > 20, "a plain-words explanation");
    if (sim === "429") assert.equal(await text("#errRetry"), "30 s");
    await page.screenshot({ path: join(shots, `2-error-${sim}.png`), fullPage: true });
  }
  await page.selectOption("#simKind", "slow");
  await page.click("#arm");
  await page.waitForFunction(() => document.getElementById("armed").textContent.includes("Slow"));
  await page.click("#oneRequest");
  await page.waitForFunction(() => document.getElementById("status").textContent.includes("One request…"));
  await page.waitForFunction(() => document.getElementById("status").textContent.includes("token ready"), null, { timeout: 10000 });
  assert.equal(await page.isHidden("#error"), true, "the error clears after a success");
});

test("a wrong API key is unauthorized", async () => {
  await page.fill("#apiKey", "bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  await press("#getToken");
  assert.equal(await text("#errCode"), "unauthorized");
  assert.equal(await text("#errStatus"), "401");
  await page.screenshot({ path: join(shots, "3-wrong-key.png"), fullPage: true });
});

test("readable at 360 px: no horizontal scrolling", async () => {
  await page.setViewportSize({ width: 360, height: 800 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `page is ${width} px wide`);
  await page.screenshot({ path: join(shots, "4-360px.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
});

test("keyboard: the actions are reachable with Tab and work with Enter", async () => {
  await page.setViewportSize({ width: 1100, height: 900 });
  await page.fill("#apiKey", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  await page.focus("#apiKey");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("status").textContent.includes("token ready"));
  const order = [];
  await page.focus("#baseUrl");
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    order.push(await page.evaluate(() => document.activeElement.id));
  }
  for (const id of ["clientAccountId", "keyId", "apiKey", "revealKey", "getToken", "forceToken", "oneRequest"]) {
    assert.ok(order.includes(id), `${id} is reachable by Tab: ${order}`);
  }
});

test("fleet: N instances sharing a store make 1 request with the lease and N without, off the page's quota", async () => {
  const N = 8;
  const quotaBefore = await text("#quotaText");
  const mainBefore = (await (await fetch(`${url}__stats?id=`)).json()).count;
  assert.equal(await page.inputValue("#fleetSize"), String(N), "the default fleet size");
  // Out of bounds: nothing runs.
  await page.fill("#fleetSize", "500");
  await page.click("#fleetRun");
  assert.equal(await page.getAttribute("#fleetPanel", "data-state"), null, "500 instances are refused");
  assert.equal(await page.evaluate(() => document.getElementById("fleetSize").validity.valid), false);
  // By keyboard: type N, Tab to the button, Enter.
  await page.fill("#fleetSize", String(N));
  await page.focus("#fleetSize");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "fleetRun");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("fleetPanel").dataset.state === "done", null, { timeout: 20000 });
  assert.match(await text("#fleetStatus"), /^Done: 8 instances made 1 request with the lease .* and 8 requests without it/);

  const result = (id) =>
    page.$eval(id, (el) => ({
      requests: Number(el.dataset.requests),
      served: Number(el.dataset.served),
      tokens: Number(el.dataset.tokens),
      run: el.dataset.run,
      shown: el.querySelector("[data-field=requests]").textContent,
      meaning: el.querySelector("[data-field=meaning]").textContent,
      instances: [...el.querySelectorAll("[data-field=instances] li")].map((li) => li.className),
    }));
  const lease = await result("#fleetLease");
  assert.equal(lease.requests, 1, "the page counted 1 request with the lease");
  assert.equal(lease.served, 1, "the token server counted 1 request with the lease");
  assert.equal(lease.shown, "1");
  assert.equal(lease.tokens, 1, "all instances got the same token");
  assert.deepEqual(lease.instances.sort(), [...Array(N - 1).fill("adopted"), "minted"].sort());
  assert.match(lease.meaning, /One request served all 8 instances/);
  const plain = await result("#fleetPlain");
  assert.equal(plain.requests, N, "the page counted N requests without the lease");
  assert.equal(plain.served, N, "the token server counted N requests without the lease");
  assert.equal(plain.shown, String(N));
  assert.equal(plain.tokens, N, "each instance minted its own token");
  assert.deepEqual(plain.instances, Array(N).fill("minted"));
  assert.notEqual(lease.run, plain.run, "each fleet has its own server scenario");
  // The server's own counts, per run, match what the page shows.
  for (const [r, n] of [[lease, 1], [plain, N]]) {
    assert.equal((await (await fetch(`${url}fleet/__stats?id=${r.run}`)).json()).count, n);
  }
  // The fleets used none of the page's 10 per 30 minutes.
  assert.equal(await text("#quotaText"), quotaBefore);
  assert.equal((await (await fetch(`${url}__stats?id=`)).json()).count, mainBefore, "no request on the rate-limited server");
  await page.locator("#fleetPanel").screenshot({ path: join(shots, "5-fleet.png") });
  await page.screenshot({ path: join(shots, "5-fleet-page.png"), fullPage: true });

  await page.setViewportSize({ width: 360, height: 800 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `page is ${width} px wide`);
  await page.locator("#fleetPanel").screenshot({ path: join(shots, "5-fleet-360px.png") });
  await page.setViewportSize({ width: 1100, height: 900 });
  assert.deepEqual(page.errors, []);
});

test("Ctrl-C stops the demo cleanly", async () => {
  process.kill(-demo.pid, "SIGINT");
  const code = await new Promise((r) => demo.once("exit", (c, sig) => r(c ?? sig)));
  assert.ok(code !== null);
  await assert.rejects(fetch(url), "the port is closed");
});
