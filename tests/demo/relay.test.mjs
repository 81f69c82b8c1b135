// `make demo UPSTREAM=…`: the token call is relayed, and neither the API key nor the token
// reaches the demo server's output. A local token server stands in for Truecaller's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startTokenServer, originOf, DEMO_CREDENTIALS } from "../server/token-server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

test("the relay forwards the token call and logs no secret", async () => {
  const upstream = await startTokenServer({ port: 0 });
  const demo = spawn(process.execPath, [join(root, "www/server.mjs")], {
    env: { ...process.env, PORT: "0", UPSTREAM: originOf(upstream) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  demo.stdout.on("data", (d) => (output += d));
  demo.stderr.on("data", (d) => (output += d));
  try {
    let url;
    for (let i = 0; i < 100 && !url; i++) {
      url = output.match(/demo: (http:\/\/127\.0\.0\.1:\d+)\//)?.[1];
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(url, output);
    assert.match(output, /relayed to http:\/\/127\.0\.0\.1/);
    assert.doesNotMatch(output, /demo credentials/, "no demo credentials are printed in relay mode");
    const call = (apiKey) =>
      fetch(`${url}/clients/${DEMO_CREDENTIALS.clientAccountId}/token`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-public-access": "allow" },
        body: JSON.stringify({ key_id: DEMO_CREDENTIALS.keyId, api_key: apiKey }),
      });
    const ok = await call(DEMO_CREDENTIALS.apiKey);
    assert.equal(ok.status, 200);
    const { token } = await ok.json();
    assert.match(token, /^tc_/);
    const denied = await call("bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    assert.equal(denied.status, 401, "upstream statuses pass through");
    assert.equal((await (await fetch(`${originOf(upstream)}/__stats?id=`)).json()).count, 2, "both calls reached the upstream");
    await new Promise((r) => setTimeout(r, 100));
    assert.match(output, /relay POST \/clients\/…\/token -> 200/);
    assert.ok(!output.includes(DEMO_CREDENTIALS.apiKey), "the API key is not logged");
    assert.ok(!output.includes("bbbbbbbb-bbbb"), "a wrong API key is not logged either");
    assert.ok(!output.includes(token), "the token is not logged");
  } finally {
    demo.kill("SIGINT");
    await new Promise((r) => demo.once("exit", r));
    await upstream.closeAll();
  }
});
