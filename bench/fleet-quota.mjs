// `make bench` row "12 instances sharing a store with reserve, each forcing re-mints": 12
// TokenClients, each with its own connection to a real redis-server and redisStore, each forcing
// 3 re-mints (invalidate, then getToken) against the default quota (10 per 30 minutes); answers
// how many requests reached the token server (budget: <= quotaLimit) and how many calls the
// fleet's window refused. `node bench/fleet-quota.mjs` prints it.
import { fileURLToPath } from "node:url";
import { startTokenServer, originOf } from "../tests/server/token-server.mjs";
import { startRedis, connect } from "../tests/fleet/redis-harness.mjs";
import { TokenClient, redisStore } from "../build/pkg/node.mjs";

const CREDS = {
  clientAccountId: "9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f",
  keyId: "11111111-2222-4333-8444-555555555555",
  apiKey: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
};

export async function reserveFleetRequests({ instances = 12, remints = 3 } = {}) {
  const server = await startTokenServer({ port: 0, quotaLimit: Infinity });
  const redis = await startRedis();
  const connections = [];
  try {
    const clients = [];
    for (let i = 0; i < instances; i++) {
      const c = await connect("node-redis", redis.port);
      connections.push(c);
      clients.push(new TokenClient({ ...CREDS, baseUrl: `${originOf(server)}/t/quota`, store: redisStore(c.client) }));
    }
    let refused = 0;
    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; i < remints; i++) {
          client.invalidate();
          try {
            await client.getToken();
          } catch (e) {
            if (e.code !== "quota_exhausted") throw e;
            refused++;
          }
        }
      }),
    );
    const stats = await (await fetch(`${originOf(server)}/__stats?id=quota`)).json();
    return { requests: stats.count, refused, wanted: instances * remints };
  } finally {
    for (const c of connections) await c.close();
    await redis.stop();
    await server.closeAll();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await reserveFleetRequests();
  console.log(`12 instances forcing 3 re-mints each: ${r.requests} request(s), ${r.refused} refused of ${r.wanted}`);
  process.exit(0);
}
