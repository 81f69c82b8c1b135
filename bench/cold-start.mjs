// One cold start in a fresh process: import the package, construct a client, and
// get the first token from a pre-filled store (no network). Prints milliseconds.
const started = performance.now();
const { TokenClient } = await import("../build/pkg/node.mjs");
const map = new Map([
  [
    "truecaller-token:v1:9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f:11111111-2222-4333-8444-555555555555",
    JSON.stringify({ token: "tc_cold", createdAt: "2025-07-10T06:59:05.72Z", expiresAt: Date.now() + 3_000_000 }),
  ],
]);
const client = new TokenClient({
  clientAccountId: "9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f",
  keyId: "11111111-2222-4333-8444-555555555555",
  apiKey: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
  baseUrl: "http://127.0.0.1:9",
  store: { get: (k) => map.get(k), set: () => {} },
});
const token = await client.getToken();
if (token !== "tc_cold") throw new Error("unexpected token");
console.log((performance.now() - started).toFixed(2));
