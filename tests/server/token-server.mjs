// A local stand-in for Truecaller's "Generate Access Token" endpoint (SPEC section 1),
// used by the tests, the benchmarks and the demo. Plain node:http, no dependencies.
//
//   POST {prefix}/clients/{clientAccountId}/token
//
// The prefix selects a behaviour, so one server serves every test:
//   /                 the real behaviour: checks headers, body, credentials, quota
//   /s/400 /s/401 /s/403 /s/404 /s/429 /s/500 /s/503
//                     that error (429 with Retry-After; 500 with an HTML body)
//   /s/hang           never answers
//   /s/slow           answers after 1.5 s
//   /s/redirect       307 to the same path on `redirectTo`
//   /s/notjson /s/array /s/notoken /s/big /s/bigutf8   malformed 200s
//   /s/old            a 200 whose created_at is from 2025
//   /t/{id}/...       the real behaviour, counted separately under {id} (the 10-per-30-minutes
//                     limit, when on, is the server's, shared by every route)
//   /d/{ms}/...       whatever the rest of the path does, answered {ms} ms (0-60000) after the
//                     request's body arrived, to the microsecond (benchmarks: a real round trip)
//   /q/{id}/{a,b,c}/... a script: the n-th request to {id} answers with the n-th status
//                     (the last one repeats); 200 mints a token
// GET /__stats?id=X   {"count": requests to X, "last": {...}} (no secrets in it)
// POST /__next        body {"status":400|401|429|500|"slow"}: the next real request answers so (demo)
import http from "node:http";
import { randomUUID } from "node:crypto";

export const DEMO_CREDENTIALS = Object.freeze({
  clientAccountId: "9f3c2f5e-7a4b-4c1d-8e2f-0a1b2c3d4e5f",
  keyId: "11111111-2222-4333-8444-555555555555",
  apiKey: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function send(res, status, body, headers = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": typeof body === "string" ? "text/html" : "application/json",
    ...headers,
  });
  res.end(text);
}

/**
 * A request handler for the token routes above. Options: credentials (default: the demo ones),
 * quotaLimit/quotaWindowMs (default 10 per 30 min; Infinity turns the limit off),
 * redirectTo (origin for /s/redirect), createdAt (function giving created_at),
 * onRequest (called with a log entry that holds no secret).
 * The handler has `close()` to end the requests it holds open (/s/hang).
 */
export function createTokenHandler(options = {}) {
  const credentials = options.credentials ?? DEMO_CREDENTIALS;
  const quotaLimit = options.quotaLimit ?? 10; // Infinity turns the limit off (tests count requests themselves)
  const quotaWindowMs = options.quotaWindowMs ?? 30 * 60 * 1000;
  const counts = new Map();
  const last = new Map();
  const scripts = new Map();
  const mintTimes = [];
  let next = null;
  const hung = new Set();

  const count = (id, entry) => {
    counts.set(id, (counts.get(id) ?? 0) + 1);
    last.set(id, entry);
  };

  const handler = (req, res) => {
    res.setHeader("access-control-allow-origin", "*");
    res.setHeader("access-control-allow-headers", "content-type, accept, x-public-access, authorization");
    res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
    res.setHeader("access-control-expose-headers", "retry-after");
    if (req.method === "OPTIONS") return send(res, 204, "");
    const url = new URL(req.url, "http://x");
    if (req.method === "GET" && url.pathname === "/__stats") {
      const id = url.searchParams.get("id") ?? "";
      return send(res, 200, { count: counts.get(id) ?? 0, last: last.get(id) ?? null });
    }
    let chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const delayed = url.pathname.match(/^\/d\/(\d{1,5})(\/.*)$/);
      if (delayed && Number(delayed[1]) <= 60_000) {
        url.pathname = delayed[2];
        // On time to a few microseconds: a timer to 2 ms before, then setImmediate turns (which
        // never block other requests). A bare setTimeout lands on the event loop's millisecond
        // ticks, so its real delay would depend on when, within a millisecond, the request came.
        const due = performance.now() + Number(delayed[1]);
        const tick = () => (performance.now() >= due ? answer() : setImmediate(tick));
        return setTimeout(tick, Math.max(0, Number(delayed[1]) - 2));
      }
      answer();
    });
    const answer = () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      if (req.method === "POST" && url.pathname === "/__next") {
        try {
          next = JSON.parse(raw).status ?? null;
        } catch {
          return send(res, 400, { slug: "invalid-input", message: "body must be JSON" });
        }
        return send(res, 200, { next });
      }
      const m = url.pathname.match(/^(.*)\/clients\/([^/]+)\/token$/);
      if (!m || req.method !== "POST") return send(res, 404, { slug: "not-found", message: "no such route" });
      const [, prefix, accountId] = m;
      let parsed = null;
      try {
        parsed = JSON.parse(raw);
      } catch {}
      const entry = {
        at: Date.now(),
        path: url.pathname,
        publicAccess: req.headers["x-public-access"] ?? null,
        contentType: req.headers["content-type"] ?? null,
        bodyKeys: parsed && typeof parsed === "object" ? Object.keys(parsed) : null,
        keyId: parsed?.key_id ?? null,
      };
      options.onRequest?.(entry);
      const scenario = prefix.match(/^\/s\/([^/]+)$/)?.[1];
      const tracked = prefix.match(/^\/t\/([^/]+)$/)?.[1];
      const scripted = prefix.match(/^\/q\/([^/]+)\/([^/]+)$/);
      count(scenario ?? tracked ?? scripted?.[1] ?? "", entry);
      const token = () => {
        const t = "tc_" + randomUUID().replaceAll("-", "");
        return {
          token: t,
          created_at: options.createdAt ? options.createdAt() : new Date().toISOString(),
        };
      };
      if (scripted) {
        const statuses = scripted[2].split(",");
        const n = counts.get(scripted[1]) - 1;
        const status = statuses[Math.min(n, statuses.length - 1)];
        if (status === "200") return send(res, 200, token());
        if (status === "429") return send(res, 429, { slug: "rate-limited", message: "too many" }, { "retry-after": "1" });
        return send(res, Number(status), { slug: "scripted", message: "scripted " + status });
      }
      switch (scenario) {
        case undefined:
          break;
        case "400":
          return send(res, 400, { slug: "invalid-input", message: "api_key is required" });
        case "401":
        case "403":
          return send(res, Number(scenario), { slug: "unauthorized", message: "invalid credentials" });
        case "404":
          return send(res, 404, { slug: "not-found", message: "no such account" });
        case "429":
          return send(res, 429, { slug: "rate-limited", message: "too many tokens" }, { "retry-after": "7" });
        case "500":
          return send(res, 500, "<html><body><h1>Internal Server Error</h1></body></html>");
        case "503":
          return send(res, 503, { slug: "unavailable", message: "try later" });
        case "hang":
          hung.add(res);
          return;
        case "slow":
          return setTimeout(() => send(res, 200, token()), 1500);
        case "redirect":
          return send(res, 307, "", {
            location: (options.redirectTo ?? "http://127.0.0.1:9") + url.pathname.replace(prefix, ""),
          });
        case "notjson":
          return send(res, 200, "token=abc");
        case "array":
          return send(res, 200, [token()]);
        case "notoken":
          return send(res, 200, { created_at: new Date().toISOString() });
        case "big":
          return send(res, 200, { ...token(), pad: "x".repeat(70 * 1024) });
        case "bigutf8":
          // 41K UTF-16 units but 82 KB of UTF-8, sent without a Content-Length.
          return send(res, 200, { ...token(), pad: "\u00e9".repeat(40 * 1024) });
        case "old":
          return send(res, 200, { ...token(), created_at: "2025-07-10T06:59:05.72Z" });
        default:
          return send(res, 404, { slug: "not-found", message: "unknown scenario" });
      }
      if (next !== null) {
        const n = next;
        next = null;
        if (n === "slow") return setTimeout(() => send(res, 200, token()), 3000);
        if (n === 429) return send(res, 429, { slug: "rate-limited", message: "too many tokens" }, { "retry-after": "30" });
        if (n === 500) return send(res, 500, "<html><body><h1>Internal Server Error</h1></body></html>");
        if (n === 400) return send(res, 400, { slug: "invalid-input", message: "api_key is required" });
        return send(res, Number(n), { slug: "unauthorized", message: "invalid credentials" });
      }
      if (entry.publicAccess !== "allow") {
        return send(res, 400, { slug: "invalid-input", message: "X-Public-Access header is required" });
      }
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
        return send(res, 400, { slug: "invalid-input", message: "body must be a JSON object" });
      }
      for (const k of ["key_id", "api_key"]) {
        if (typeof parsed[k] !== "string" || parsed[k] === "") {
          return send(res, 400, { slug: "invalid-input", message: k + " is required" });
        }
        if (!UUID.test(parsed[k])) return send(res, 400, { slug: "invalid-input", message: k + " must be a UUID" });
      }
      if (
        accountId.toLowerCase() !== credentials.clientAccountId.toLowerCase() ||
        parsed.key_id.toLowerCase() !== credentials.keyId.toLowerCase() ||
        parsed.api_key.toLowerCase() !== credentials.apiKey.toLowerCase()
      ) {
        return send(res, 401, { slug: "unauthorized", message: "invalid credentials" });
      }
      const now = Date.now();
      while (mintTimes.length && mintTimes[0] <= now - quotaWindowMs) mintTimes.shift();
      if (mintTimes.length >= quotaLimit) {
        const wait = Math.ceil((mintTimes[0] + quotaWindowMs - now) / 1000);
        return send(res, 429, { slug: "rate-limited", message: "at most " + quotaLimit + " tokens per 30 minutes" }, { "retry-after": String(wait) });
      }
      mintTimes.push(now);
      return send(res, 200, token());
    };
  };
  handler.close = () => {
    for (const res of hung) res.destroy();
    hung.clear();
  };
  return handler;
}

/** Starts a token server on 127.0.0.1 (`port` 0 = any); resolves to the listening server, which has `closeAll()`. */
export function startTokenServer(options = {}) {
  const handler = createTokenHandler(options);
  const server = http.createServer(handler);
  server.closeAll = () => {
    handler.close();
    server.closeAllConnections?.();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return new Promise((resolve) => {
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve(server));
  });
}

export function originOf(server) {
  const { address, port } = server.address();
  return "http://" + (address.includes(":") ? "[" + address + "]" : address) + ":" + port;
}

/** How many token requests the server at `origin` received for `/t/<id>` (or `/q/<id>/...`). */
export async function requestCount(origin, id) {
  return (await (await fetch(`${origin}/__stats?id=${id}`)).json()).count;
}
