// `make bench` row "20 Node processes started together sharing redisStore (real redis-server)":
// starts redis-server on a free loopback port and the local token server, runs 20 Node
// processes (each importing build/pkg/node.mjs, with its own Redis connection and a TokenClient
// on redisStore) that call getToken() at the same instant, and answers how many requests
// reached the token server (budget: exactly 1). `node bench/fleet-redis.mjs` prints it.
import { fileURLToPath } from "node:url";
import { startTokenServer, originOf } from "../tests/server/token-server.mjs";
import { startRedis, runFleet } from "../tests/fleet/redis-harness.mjs";

/**
 * The number of token requests made by `count` processes started together sharing redisStore,
 * through `kind` ("node-redis" or "ioredis"). Throws if a process failed to get a token.
 */
export async function redisFleetRequests({ count = 20, kind = "node-redis" } = {}) {
  const server = await startTokenServer({ port: 0, quotaLimit: Infinity });
  const redis = await startRedis().catch(async (e) => {
    await server.closeAll();
    throw e;
  });
  try {
    const reports = await runFleet({ count, kind, redisPort: redis.port, baseUrl: `${originOf(server)}/t/fleet` });
    const failed = reports.filter((r) => r.error || r.exit.code !== 0);
    if (failed.length) throw new Error(`${failed.length} of ${count} processes failed: ${JSON.stringify(failed[0])}`);
    const stats = await (await fetch(`${originOf(server)}/__stats?id=fleet`)).json();
    return stats.count;
  } finally {
    await redis.stop();
    await server.closeAll();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const kind of ["node-redis", "ioredis"]) {
    console.log(`20 Node processes started together sharing redisStore (${kind}): ${await redisFleetRequests({ kind })} request(s)`);
  }
}
