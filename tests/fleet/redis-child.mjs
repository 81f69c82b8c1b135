// One process of a fleet (see runFleet in redis-harness.mjs): imports the built package, opens
// its own Redis connection, builds a TokenClient on redisStore, says "ready" and waits for the
// start instant on stdin; then calls getToken() once and reports. It stays up (as a real
// instance would) until stdin says "exit", then closes its connection and ends on its own:
// a pending timer or an unhandled rejection would show in its exit.
import { createInterface } from "node:readline";
import { TokenClient, redisStore } from "../../build/pkg/node.mjs";
import { DEMO_CREDENTIALS } from "../server/token-server.mjs";
import { connect, command } from "./redis-harness.mjs";

const { kind, redisPort, baseUrl, prefix, lease, extra } = JSON.parse(process.env.FLEET_CONFIG);
const out = (value) => process.stdout.write(JSON.stringify(value) + "\n");

const { client } = await connect(kind, redisPort);
let store = redisStore(client, { prefix });
if (!lease) store = { get: store.get, set: store.set, delete: store.delete }; // a plain shared cache
const tokens = new TokenClient({ ...DEMO_CREDENTIALS, baseUrl, store, ...extra });

const input = createInterface({ input: process.stdin });
const lines = input[Symbol.asyncIterator]();
out({ ready: true });

const at = Number((await lines.next()).value);
await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
const started = performance.now();
try {
  const token = await tokens.getToken();
  out({ token, ms: performance.now() - started });
} catch (e) {
  out({ error: { name: e?.name, code: e?.code, message: String(e?.message) }, ms: performance.now() - started });
}

await lines.next(); // "exit", or stdin closed
input.close();
const pause = (ms, value) => new Promise((r) => setTimeout(r, ms, value));
const alive = await Promise.race([command(client, "PING").then(() => true, () => false), pause(300, false)]);
if (alive) {
  // Graceful: pending commands (the holder's token write and lease release) complete first.
  await (kind === "node-redis" ? client.close() : client.quit());
} else {
  // Redis is gone or hung: dropping the connection rejects every command still queued, those
  // the TokenClient gave up on included. None of these rejections may go unhandled (it would
  // end this process with an error, which the parent checks).
  kind === "node-redis" ? client.destroy() : client.disconnect();
  await pause(100);
}
