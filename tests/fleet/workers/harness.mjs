// Shared by tests/fleet/workers.test.mjs and bench/fleet-workers.mjs: installs the packed tarball
// into a scratch project, bundles the README snippet (worker.js + wrangler.toml) and the test
// Worker (fleet-worker.js) with `wrangler deploy --dry-run`, and runs them in miniflare (workerd),
// each Worker of a `workers: [...]` array in its own isolate.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");
const bin = (name) => join(root, "node_modules/.bin", name);
const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version\s*=\s*"([^"]+)"/m)[1];
export const tarball = join(root, "dist", `truecaller-token-${version}.tgz`);

export const CREDS = Object.freeze({
  TC_CLIENT_ACCOUNT_ID: "9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f",
  TC_KEY_ID: "11111111-2222-4333-8444-555555555555",
  TC_API_KEY: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
});
/** The store key of the account above (SPEC 4.8): also the name of its TokenBroker. */
export const STORE_KEY = `truecaller-token:v1:${CREDS.TC_CLIENT_ACCOUNT_ID}:${CREDS.TC_KEY_ID}`;
export const BROKER = "tc-broker"; // the name in the snippet's wrangler.toml
const UPSTREAM = "https://enterprise-portal-noneu.truecaller.com"; // DEFAULT_BASE_URL
const API_URL = "https://api.test/echo"; // what the snippet calls with the token

function wrangler(dir) {
  execFileSync(bin("wrangler"), ["deploy", "--dry-run", "--outdir", "out"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_UPDATE_NOTIFIER: "1" },
  });
  return join(dir, "out");
}

/**
 * The scratch project with both Workers bundled. Returns { scratch, snippet, fleet, cleanup }:
 * `snippet` is the miniflare options of the snippet Worker as wrangler reads its wrangler.toml,
 * `fleet` the modules options of the test Worker.
 */
export async function prepareWorkers() {
  const scratch = mkdtempSync(join(tmpdir(), "tc-workers-"));
  try {
    writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true }));
    execFileSync("npm", ["install", tarball, "--no-audit", "--no-fund", "--offline", "--silent"], { cwd: scratch, stdio: "inherit" });
    const snippetDir = join(scratch, "snippet");
    mkdirSync(join(snippetDir, "src"), { recursive: true });
    cpSync(join(here, "wrangler.toml"), join(snippetDir, "wrangler.toml"));
    cpSync(join(here, "worker.js"), join(snippetDir, "src/index.js"));
    const fleetDir = join(scratch, "fleet");
    mkdirSync(join(fleetDir, "src"), { recursive: true });
    cpSync(join(here, "fleet-worker.js"), join(fleetDir, "src/fleet-worker.js"));
    writeFileSync(join(fleetDir, "wrangler.toml"), 'name = "tc-fleet"\nmain = "src/fleet-worker.js"\ncompatibility_date = "2025-09-01"\n');
    const snippetOut = wrangler(snippetDir);
    const fleetOut = wrangler(fleetDir);
    // The bindings as wrangler reads them from the snippet's wrangler.toml (durable_objects + migrations).
    const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
    const { workerOptions } = unstable_getMiniflareWorkerOptions(join(snippetDir, "wrangler.toml"));
    const modules = (out, script) => ({
      modules: true,
      scriptPath: join(out, script),
      modulesRoot: out,
      modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    });
    return {
      scratch,
      snippet: {
        ...modules(snippetOut, "index.js"),
        compatibilityDate: workerOptions.compatibilityDate,
        compatibilityFlags: workerOptions.compatibilityFlags,
        durableObjects: workerOptions.durableObjects,
      },
      fleet: { ...modules(fleetOut, "fleet-worker.js"), compatibilityDate: "2025-09-01" },
      cleanup: () => rmSync(scratch, { recursive: true, force: true }),
    };
  } catch (e) {
    rmSync(scratch, { recursive: true, force: true });
    throw e;
  }
}

/** The snippet's binding, pointing at the broker Worker's class (another Worker of the fleet). */
export function remoteBindings(durableObjects, scriptName = BROKER) {
  return Object.fromEntries(
    Object.entries(durableObjects).map(([binding, d]) => [binding, { ...d, scriptName }]),
  );
}

/**
 * Workers' outbound fetch, as the Internet they would see: the token endpoint is the local
 * token server (requests counted under `id`), and API_URL echoes the Authorization it got.
 */
export function outbound(base, id) {
  return async (request) => {
    const url = new URL(request.url);
    if (url.origin === UPSTREAM) {
      const body = await request.text();
      return fetch(`${base}/t/${id}${url.pathname}`, { method: request.method, headers: request.headers, body, redirect: "manual" });
    }
    if (request.url === API_URL) return Response.json({ authorization: request.headers.get("authorization") });
    return new Response("no such host in this test", { status: 502 });
  };
}

/** Requests the token server counted under `id`. */
export async function requests(base, id) {
  const r = await fetch(`${base}/__stats?id=${encodeURIComponent(id)}`);
  return (await r.json()).count;
}

/**
 * The README snippet as a fleet: the broker Worker (hosting TokenBroker) and `n` client Workers,
 * each its own isolate bound to the broker's namespace, all running the snippet. One cold
 * request to each client Worker, all at once. Returns { count, results } (results: the
 * Authorization each request sent to the API). `inspect(broker)`, if given, runs before the
 * Workers stop, with a stub of the account's TokenBroker (called by RPC from Node).
 */
export async function snippetFleet(prepared, base, id, n = 10, inspect = null) {
  const { Miniflare } = await import("miniflare");
  const env = { ...CREDS, API_URL };
  const clients = Array.from({ length: n }, (_, i) => `client-${i}`);
  const mf = new Miniflare({
    workers: [
      { name: BROKER, ...prepared.snippet, bindings: env, outboundService: outbound(base, id) },
      ...clients.map((name) => ({
        name,
        ...prepared.snippet,
        durableObjects: remoteBindings(prepared.snippet.durableObjects),
        bindings: env,
        outboundService: outbound(base, id),
      })),
    ],
  });
  try {
    await mf.ready;
    const fetchers = await Promise.all(clients.map((name) => mf.getWorker(name)));
    const results = await Promise.all(
      fetchers.map(async (worker) => {
        const r = await worker.fetch("http://fleet.test/", { method: "POST", body: "{}" });
        return { status: r.status, body: await r.text() };
      }),
    );
    const count = await requests(base, id);
    if (inspect) {
      const ns = await mf.getDurableObjectNamespace("TOKENS", BROKER);
      await inspect(ns.get(ns.idFromName(STORE_KEY)));
    }
    return { count, results };
  } finally {
    await mf.dispose();
  }
}

/**
 * A miniflare of the test Worker: the broker Worker (the snippet, hosting TokenBroker), a
 * Worker hosting the failing brokers (BROKEN_BROKER: ThrowingBroker or HangingBroker), and
 * client Workers running fleet-worker.js, each its own isolate: `clients` is
 * [{ name, env }] (env: STORE, QUOTA_LIMIT, WAIT_UNTIL, DELAY_FETCH_MS, DELAY_SET_MS,
 * BROKEN_BROKER), all sharing one KV namespace and the broker's namespace (TOKENS).
 * `persist`: a directory for the Durable Objects' storage (survives dispose).
 */
export async function startFleet(prepared, base, { id, clients, persist }) {
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    ...(persist ? { durableObjectsPersist: persist } : {}),
    workers: [
      { name: BROKER, ...prepared.snippet, bindings: { ...CREDS, API_URL } },
      { name: "tc-broken", ...prepared.fleet, durableObjects: { THROWING: "ThrowingBroker", HANGING: "HangingBroker" } },
      ...clients.map(({ name, env = {} }) => ({
        name,
        ...prepared.fleet,
        bindings: { ...CREDS, TC_BASE_URL: `${base}/t/${id}`, ...env },
        durableObjects: {
          ...remoteBindings(prepared.snippet.durableObjects),
          BROKEN: { className: env.BROKEN_BROKER ?? "ThrowingBroker", scriptName: "tc-broken" },
        },
        kvNamespaces: { KV: "fleet-kv" },
      })),
    ],
  });
  await mf.ready;
  const fetchers = new Map();
  const worker = async (name) => {
    if (!fetchers.has(name)) fetchers.set(name, await mf.getWorker(name));
    return fetchers.get(name);
  };
  return {
    mf,
    /** GET /token on client `name`; query: { offset, invalidate }. */
    async token(name, query = {}) {
      const r = await (await worker(name)).fetch(`http://fleet.test/token?${new URLSearchParams(query)}`);
      if (r.status !== 200) throw new Error(`${name}: ${r.status} ${await r.text()}`);
      return r.json();
    },
    /** Calls on the TokenBroker named `name`, through client `via`, a new stub for each. */
    async rpc(via, name, calls, parallel = false) {
      const r = await (await worker(via)).fetch("http://fleet.test/rpc", { method: "POST", body: JSON.stringify({ name, calls, parallel }) });
      if (r.status !== 200) throw new Error(`rpc: ${r.status} ${await r.text()}`);
      return r.json();
    },
    dispose: () => mf.dispose(),
  };
}
