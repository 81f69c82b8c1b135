// `make demo`: serves the admin page (www/public), the package's browser entry
// (build/pkg at /pkg/) and the local token server (tests/server/token-server.mjs)
// from one origin. UPSTREAM=https://… relays the token call to the real API instead.
// /fleet/… is a second local token server for the page's "Fleet" panel: the same routes
// (/fleet/t/{run}/clients/{id}/token, /fleet/__stats?id={run}), with no rate limit, its own
// counts and a 100 ms answer time, so fleet runs never use the page's 10 tokens per 30 minutes.
import http from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createTokenHandler, DEMO_CREDENTIALS } from "../tests/server/token-server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const HOST = "127.0.0.1";
const PORT = Number(process.env.PORT || 8787);
const UPSTREAM = (process.env.UPSTREAM || "").replace(/\/+$/, "");
// https, or plain http to this machine (the same rule as the client's baseUrl; tests use it).
if (UPSTREAM && !/^(https:\/\/[^/?#@\s]+|http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?)$/.test(UPSTREAM)) {
  console.error("UPSTREAM must be an https:// origin, e.g. https://enterprise-portal-noneu.truecaller.com");
  process.exit(2);
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
};
const tokens = createTokenHandler({
  onRequest: (e) => console.log(`token request ${e.path.replace(/\/clients\/[^/]+/, "/clients/…")} key_id=${e.keyId ?? "-"}`),
});

const FLEET_LATENCY_MS = 100;
const fleetTokens = createTokenHandler({
  quotaLimit: Infinity,
  onRequest: (e) => console.log(`fleet token request ${e.path.replace(/\/clients\/[^/]+/, "/clients/…")}`),
});

async function serveFile(res, base, path) {
  const safe = normalize(path).replace(/^(\.\.[/\\])+/, "");
  try {
    const body = await readFile(join(base, safe));
    res.writeHead(200, { "content-type": TYPES[extname(safe)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(body);
  } catch {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }
}

// Relays the token call; logs the path and status only, never the body (API key) or the answer (token).
async function relay(req, res, path) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const started = Date.now();
  try {
    const up = await fetch(UPSTREAM + path, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "x-public-access": req.headers["x-public-access"] ?? "",
      },
      body: Buffer.concat(chunks),
      redirect: "manual",
    });
    const headers = { "content-type": up.headers.get("content-type") ?? "application/json" };
    const retryAfter = up.headers.get("retry-after");
    if (retryAfter) headers["retry-after"] = retryAfter;
    res.writeHead(up.status, headers);
    res.end(Buffer.from(await up.arrayBuffer()));
    console.log(`relay POST /clients/…/token -> ${up.status} (${Date.now() - started} ms)`);
  } catch (e) {
    console.log(`relay POST /clients/…/token -> failed: ${e.cause?.code ?? e.message}`);
    res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ slug: "relay-failed", message: "the demo server could not reach UPSTREAM" }));
  }
}

const server = http.createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  if (path === "/__demo") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ upstream: UPSTREAM || null, credentials: DEMO_CREDENTIALS }));
  }
  if (path.startsWith("/fleet/")) {
    req.url = req.url.slice("/fleet".length);
    // Token calls answer after 100 ms, about a real round trip to Truecaller (loopback would
    // answer before the slower instances of a fleet even looked in their store).
    return req.method === "POST" ? setTimeout(fleetTokens, FLEET_LATENCY_MS, req, res) : fleetTokens(req, res);
  }
  if (/^\/clients\/[^/]+\/token$/.test(path) && UPSTREAM) return relay(req, res, path);
  if (/\/clients\/[^/]+\/token$/.test(path) || path.startsWith("/__")) return tokens(req, res);
  if (path.startsWith("/pkg/")) return serveFile(res, join(root, "build/pkg"), path.slice(5));
  return serveFile(res, join(root, "www/public"), path === "/" ? "index.html" : path);
});

server.listen(PORT, HOST, () => {
  const url = `http://${HOST}:${server.address().port}/`;
  console.log(`\ntruecaller-token demo: ${url}`);
  if (UPSTREAM) {
    console.log(`token calls are relayed to ${UPSTREAM} (the API key and tokens are never logged)`);
  } else {
    console.log("demo credentials (the local token server accepts only these):");
    console.log(`  client account ID  ${DEMO_CREDENTIALS.clientAccountId}`);
    console.log(`  key ID             ${DEMO_CREDENTIALS.keyId}`);
    console.log(`  API key            ${DEMO_CREDENTIALS.apiKey}`);
  }
  console.log("Ctrl-C stops it.\n");
});

function stop() {
  tokens.close();
  fleetTokens.close();
  server.closeAllConnections?.();
  server.close(() => process.exit(0));
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
