// `make bench` row "10 workerd isolates started together sharing brokerStore: exactly 1 request":
// the README snippet (tests/fleet/workers/worker.js + wrangler.toml) from the packed tarball,
// bundled by wrangler and run by workerd through miniflare as a broker Worker hosting TokenBroker
// and 10 client Workers (each its own isolate), one cold request to each, all at once, against
// the local token server. Needs `make pack` first (make bench does it).
//   node bench/fleet-workers.mjs   prints the figure alone
import { fileURLToPath } from "node:url";
import { startTokenServer, originOf } from "../tests/server/token-server.mjs";
import { prepareWorkers, snippetFleet } from "../tests/fleet/workers/harness.mjs";

/** Requests the token endpoint received from 10 cold isolates started together (budget: 1). */
export async function brokerFleetRequests() {
  const server = await startTokenServer({ port: 0, quotaLimit: Infinity });
  let prepared;
  try {
    prepared = await prepareWorkers();
    const { count, results } = await snippetFleet(prepared, originOf(server), "bench-fleet", 10);
    const failed = results.filter((r) => r.status !== 200);
    if (failed.length) throw new Error(`${failed.length} of 10 isolates failed: ${failed[0].body}`);
    return count;
  } finally {
    prepared?.cleanup();
    await server.closeAll();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`10 workerd isolates started together sharing brokerStore: ${await brokerFleetRequests()} request(s)`);
}
