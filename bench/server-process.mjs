// The local token server in its own process, so that its work does not share
// the benchmark's event loop. Prints its origin on the first line.
import { startTokenServer, originOf } from "../tests/server/token-server.mjs";

const server = await startTokenServer({ port: 0, quotaLimit: Infinity });
console.log(originOf(server));
process.on("SIGTERM", () => server.closeAll().then(() => process.exit(0)));
