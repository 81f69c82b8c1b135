// Starts the local token servers, then runs the wasm-bindgen tests in Node and
// in headless Chromium (ChromeDriver from Debian). Usage: node tests/run-wasm-tests.mjs [node|chrome]...
import { spawn } from "node:child_process";
import { startTokenServer, originOf } from "./server/token-server.mjs";

const targets = process.argv.slice(2).length ? process.argv.slice(2) : ["node", "chrome"];
const second = await startTokenServer({ port: 0 });
// The 10-per-30-minutes limit is real time; these suites count requests themselves.
const main = await startTokenServer({ port: 0, redirectTo: originOf(second), quotaLimit: Infinity });
const closed = await startTokenServer({ port: 0 });
const closedUrl = originOf(closed);
await closed.closeAll();

const env = {
  ...process.env,
  TC_TOKEN_SERVER: originOf(main),
  TC_SECOND_SERVER: originOf(second),
  TC_CLOSED_PORT_URL: closedUrl,
  WASM_BINDGEN_TEST_TIMEOUT: "60",
};
let failed = false;
for (const target of targets) {
  const args =
    target === "node"
      ? ["test", "--mode", "no-install", "--node"]
      : ["test", "--mode", "no-install", "--headless", "--chrome", "--chromedriver", process.env.CHROMEDRIVER ?? "/usr/bin/chromedriver"];
  console.log(`\n== wasm-bindgen tests in ${target} ==`);
  // Asynchronous: the servers live in this process and must keep answering.
  // The suite is written for both runtimes; WASM_BINDGEN_USE_BROWSER runs it in the browser.
  const childEnv = target === "node" ? env : { ...env, WASM_BINDGEN_USE_BROWSER: "1" };
  const child = spawn("wasm-pack", [...args, "--", "--features", "js-api", "--test", "web"], { stdio: "inherit", env: childEnv });
  const code = await new Promise((resolve) => child.on("close", resolve));
  if (code !== 0) failed = true;
}
await main.closeAll();
await second.closeAll();
process.exit(failed ? 1 : 0);
