// The demo admin page: the package's browser entry, used as a user would.
import { TokenClient, requestToken, TruecallerError } from "/pkg/browser.js";

const $ = (id) => document.getElementById(id);
const PLAIN = {
  invalid_options: "Something in the form is not valid; nothing was sent.",
  bad_request: "Truecaller rejected the request as malformed.",
  unauthorized: "The credentials were refused. Check the client account ID, key ID and API key.",
  rate_limited: "Truecaller's limit of 10 tokens per 30 minutes was hit. Wait before trying again.",
  quota_exhausted: "This page's client has used its 10 requests for the last 30 minutes; it sent nothing.",
  server_error: "Truecaller had a server error. Try again shortly.",
  unexpected_status: "The server answered with a status the client does not expect.",
  invalid_response: "The server answered 200, but not with a usable token.",
  network: "The request could not be sent (network down, wrong host, or blocked).",
  timeout: "The server did not answer in time.",
  aborted: "The request was cancelled.",
};

let client = null;
let clientKey = "";
let current = null; // the AccessToken shown
let revealed = false;

function formOptions() {
  return {
    baseUrl: $("baseUrl").value.trim(),
    clientAccountId: $("clientAccountId").value.trim(),
    keyId: $("keyId").value.trim(),
    apiKey: $("apiKey").value.trim(),
  };
}

// One client per set of credentials, so the cache and the quota meter belong to them.
function getClient() {
  const options = formOptions();
  const key = JSON.stringify(options);
  if (!client || key !== clientKey) {
    client = new TokenClient({ ...options, maxRetries: 0 });
    clientKey = key;
  }
  return client;
}

function mask(token) {
  return token.length <= 10 ? "•".repeat(token.length) : token.slice(0, 4) + "•".repeat(12) + token.slice(-4);
}

function showToken(access) {
  current = access;
  $("tokenBox").hidden = false;
  $("token").textContent = revealed ? access.token : mask(access.token);
  $("createdAt").textContent = access.createdAt;
  $("expiresAt").textContent = "(at " + new Date(access.expiresAt).toLocaleTimeString([], { hourCycle: "h23" }) + ")";
  tick();
}

function showError(e) {
  const err = e instanceof TruecallerError ? e : { code: "unknown", message: String(e) };
  $("error").hidden = false;
  $("errCode").textContent = err.code;
  $("errPlain").textContent = PLAIN[err.code] ?? "Unexpected failure.";
  $("errStatus").textContent = err.status ?? "—";
  $("errSlug").textContent = err.slug ?? "—";
  $("errMessage").textContent = err.message;
  $("errRetry").textContent = err.retryAfterMs === undefined ? "—" : duration(err.retryAfterMs);
}

function duration(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m} min ${String(s % 60).padStart(2, "0")} s` : `${s} s`;
}

function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function log(action, outcome, good, ms) {
  const li = document.createElement("li");
  const when = document.createElement("span");
  when.className = "when";
  when.textContent = new Date().toLocaleTimeString([], { hourCycle: "h23" });
  const what = document.createElement("span");
  what.className = "what";
  const result = document.createElement("span");
  result.className = good ? "good" : "bad";
  result.textContent = outcome;
  what.append(`${action} → `, result, ` (${ms} ms)`);
  li.append(when, what);
  $("log").prepend(li);
  while ($("log").children.length > 8) $("log").lastChild.remove();
}

function renderQuota() {
  if (!client) return;
  const q = client.quota();
  $("quotaText").textContent = `${q.used} of ${q.limit} used`;
  $("quotaFill").style.width = `${(100 * q.used) / q.limit}%`;
  $("quotaMeter").setAttribute("aria-valuenow", String(q.used));
  $("quotaMeter").setAttribute("aria-valuemax", String(q.limit));
  $("quotaMeter").classList.toggle("full", q.remaining === 0);
  $("quotaReset").textContent =
    q.resetAt === null ? "All slots free." : `Next slot frees in ${duration(q.resetAt - Date.now())}.`;
}

function tick() {
  if (current) {
    const left = current.expiresAt - Date.now();
    $("countdown").textContent = left > 0 ? clock(left) : "expired";
  }
  renderQuota();
}

async function run(action, call) {
  const buttons = document.querySelectorAll("#creds button");
  buttons.forEach((b) => (b.disabled = true));
  $("status").className = "status";
  $("status").textContent = `${action}…`;
  const started = performance.now();
  try {
    const access = await call();
    const ms = Math.round(performance.now() - started);
    $("error").hidden = true;
    showToken(access);
    $("status").className = "status ok";
    $("status").textContent = `${action}: token ready (${ms} ms).`;
    log(action, "token …" + access.token.slice(-4), true, ms);
  } catch (e) {
    const ms = Math.round(performance.now() - started);
    showError(e);
    $("status").textContent = `${action} failed.`;
    log(action, e.status ? `${e.code ?? "error"} (HTTP ${e.status})` : e.code ?? "error", false, ms);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    renderQuota();
  }
}

$("creds").addEventListener("submit", (ev) => {
  ev.preventDefault();
  run("Get token", () => getClient().getAccessToken());
});
$("forceToken").addEventListener("click", () =>
  run("Force new token", () => {
    const c = getClient();
    c.invalidate();
    return c.getAccessToken();
  }),
);
$("oneRequest").addEventListener("click", () => run("One request", () => requestToken(formOptions())));

$("revealKey").addEventListener("click", () => {
  const show = $("apiKey").type === "password";
  $("apiKey").type = show ? "text" : "password";
  $("revealKey").textContent = show ? "Hide" : "Show";
  $("revealKey").setAttribute("aria-pressed", String(show));
});
$("revealToken").addEventListener("click", () => {
  revealed = !revealed;
  $("revealToken").textContent = revealed ? "Mask" : "Reveal";
  $("revealToken").setAttribute("aria-pressed", String(revealed));
  if (current) showToken(current);
});
$("copyToken").addEventListener("click", async () => {
  if (!current) return;
  try {
    await navigator.clipboard.writeText(current.token);
    $("copyToken").textContent = "Copied";
  } catch {
    $("copyToken").textContent = "Copy failed";
  }
  setTimeout(() => ($("copyToken").textContent = "Copy"), 1500);
});
$("arm").addEventListener("click", async () => {
  const kind = $("simKind").value;
  const status = kind === "slow" ? "slow" : Number(kind);
  const res = await fetch("/__next", { method: "POST", body: JSON.stringify({ status }) });
  $("armed").textContent = res.ok
    ? `The next token request will get: ${$("simKind").selectedOptions[0].textContent}.`
    : "The server refused the simulation.";
});

// ---- Fleet: N in-page TokenClients sharing one store, with and without the lease ----------

const FLEET_MIN = 2;
const FLEET_MAX = 50;
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

// A shared store as a network store behaves: a Map with TTLs, each call taking 5-25 ms (half
// on the way there, half on the way back), its operation applied atomically in between.
// `lease: false` gives the same store without claim/release.
function fleetStore({ lease }) {
  const map = new Map(); // key -> { value, expiresAt }
  const live = (key) => {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= Date.now()) map.delete(key);
    return map.get(key);
  };
  const call = async (op) => {
    await pause(2.5 + Math.random() * 10);
    const result = op();
    await pause(2.5 + Math.random() * 10);
    return result;
  };
  const store = {
    get: (key) => call(() => live(key)?.value ?? null),
    set: (key, value, ttlMs) => call(() => void map.set(key, { value, expiresAt: Date.now() + ttlMs })),
    delete: (key) => call(() => void map.delete(key)),
  };
  if (lease) {
    store.claim = (key, owner, ttlMs) =>
      call(() => {
        if (live(key)) return false;
        map.set(key, { value: owner, expiresAt: Date.now() + ttlMs });
        return true;
      });
    store.release = (key, owner) =>
      call(() => {
        if (live(key)?.value === owner) map.delete(key);
      });
  }
  return store;
}

// Starts n clients at once on a fresh, unlimited scenario of the local server (/fleet/t/{run}).
async function runFleet(n, lease, options) {
  const run = `fleet-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}-${lease ? "lease" : "plain"}`;
  const base = options.baseUrl.replace(/\/+$/, "");
  const store = fleetStore({ lease });
  const instances = Array.from({ length: n }, (_, i) => ({ n: i + 1, requests: 0 }));
  const clients = instances.map(
    (inst) =>
      new TokenClient({
        ...options,
        baseUrl: `${base}/fleet/t/${run}`,
        maxRetries: 0,
        store,
        // Counts, per instance, every request that left for the token server.
        fetch: (input, init) => {
          inst.requests += 1;
          return fetch(input, init);
        },
      }),
  );
  const started = performance.now();
  await Promise.all(
    clients.map((client, i) =>
      client.getAccessToken().then(
        (access) => Object.assign(instances[i], { token: access.token, ms: Math.round(performance.now() - started) }),
        (e) => Object.assign(instances[i], { error: e.code ?? "error", ms: Math.round(performance.now() - started) }),
      ),
    ),
  );
  const elapsed = Math.round(performance.now() - started);
  let served = null; // what the token server counted for this run
  try {
    const res = await fetch(`${base}/fleet/__stats?id=${encodeURIComponent(run)}`);
    if (res.ok) served = (await res.json()).count;
  } catch {}
  return {
    run,
    n,
    lease,
    instances,
    elapsed,
    served,
    requests: instances.reduce((sum, i) => sum + i.requests, 0),
    tokens: new Set(instances.filter((i) => i.token).map((i) => i.token)).size,
    failed: instances.filter((i) => i.error).length,
  };
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const all = (n) => (n === 2 ? "both" : `all ${n}`);

function fleetMeaning(r) {
  const ok = r.n - r.failed;
  if (r.failed > 0) {
    const turns =
      r.lease && r.requests > 1
        ? " With the lease they took turns: each failed attempt freed the lease, and the next instance tried."
        : "";
    return `${plural(r.failed, "instance", "instances")} of ${r.n} got no token (see the list below). Check the credentials above: the local token server accepts only the demo ones.${turns}`;
  }
  if (r.lease) {
    const minters = r.instances.filter((i) => i.requests > 0).map((i) => `#${i.n}`);
    const slowest = Math.max(...r.instances.map((i) => i.ms));
    return r.tokens === 1 && r.requests === 1
      ? `One request served ${all(r.n)} instances: ${minters[0]} held the lease and asked the token server; ${r.n === 2 ? "the other instance" : `the other ${r.n - 1}`} waited for it (all had the token within ${slowest} ms) and took the same token from the store. Against the real API this cold start costs 1 of the account's 10 tokens per 30 minutes.`
      : `${plural(r.requests, "request", "requests")} for ${r.n} instances (${minters.join(", ")} asked the token server), ${plural(r.tokens, "different token", "different tokens")}.`;
  }
  const real =
    r.requests > 10
      ? `Against the real API, ${r.requests - 10} of them would be refused (429, at most 10 tokens per 30 minutes).`
      : `Against the real API, this one cold start would use ${r.requests} of the account's 10 tokens per 30 minutes.`;
  const late = ok - r.instances.filter((i) => i.token && i.requests > 0).length;
  const who =
    late === 0
      ? `Each of the ${ok} instances found the store empty and asked the token server itself`
      : `${ok - late} of the ${ok} instances found the store empty and asked the token server themselves (${plural(late, "instance", "instances")} started late enough to find a token already stored)`;
  return `${who}: ${plural(r.requests, "request", "requests")}, ${plural(r.tokens, "different token", "different tokens")} (the store keeps whichever was written last). ${real}`;
}

// Back to the state before a run (the explanation stays the one in the page).
const fleetIntro = new Map();
function clearFleet(id) {
  const box = $(id);
  const field = (name) => box.querySelector(`[data-field=${name}]`);
  if (!fleetIntro.has(id)) fleetIntro.set(id, field("meaning").innerHTML);
  for (const key of ["requests", "tokens", "served", "run"]) delete box.dataset[key];
  field("requests").textContent = "–";
  field("requestsLabel").textContent = "requests reached the token server";
  field("tokens").textContent = "–";
  field("tokensLabel").textContent = "different tokens among the instances";
  field("meaning").innerHTML = fleetIntro.get(id);
  field("instances").replaceChildren();
}

function showFleet(id, r) {
  clearFleet(id);
  const box = $(id);
  const field = (name) => box.querySelector(`[data-field=${name}]`);
  box.dataset.requests = String(r.requests);
  box.dataset.tokens = String(r.tokens);
  box.dataset.served = String(r.served ?? "");
  box.dataset.run = r.run;
  field("requests").textContent = String(r.requests);
  field("requestsLabel").textContent =
    `${r.requests === 1 ? "request" : "requests"} reached the token server` +
    (r.served === null ? " (counted by the page)" : r.served === r.requests ? " (counted by the page and by the server)" : ` (the server counted ${r.served})`);
  field("tokens").textContent = String(r.tokens);
  field("tokensLabel").textContent =
    r.tokens === 1 && r.failed === 0
      ? `token: ${all(r.n)} instances got the same one`
      : `different tokens among the ${r.n} instances`;
  field("meaning").textContent = fleetMeaning(r);
  const list = field("instances");
  list.replaceChildren(
    ...r.instances.map((i) => {
      const li = document.createElement("li");
      li.className = i.error ? "failed" : i.requests > 0 ? "minted" : "adopted";
      const how = i.error ? `failed: ${i.error}` : i.requests > 0 ? "asked the server" : "from the store";
      li.textContent = `#${i.n} ${how}${i.token ? " · …" + i.token.slice(-4) : ""} · ${i.ms} ms`;
      return li;
    }),
  );
}

$("fleet").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const n = Math.trunc(Number($("fleetSize").value));
  if (!(n >= FLEET_MIN && n <= FLEET_MAX)) {
    $("fleetStatus").className = "status bad";
    $("fleetStatus").textContent = `Choose between ${FLEET_MIN} and ${FLEET_MAX} instances.`;
    return;
  }
  $("fleetRun").disabled = true;
  $("fleetPanel").dataset.state = "running";
  $("fleetStatus").className = "status";
  $("fleetStatus").textContent = `Starting ${n} instances with the lease…`;
  for (const id of ["fleetLease", "fleetPlain"]) clearFleet(id);
  try {
    const options = formOptions();
    const withLease = await runFleet(n, true, options);
    showFleet("fleetLease", withLease);
    $("fleetStatus").textContent = `Starting ${n} instances without the lease…`;
    const without = await runFleet(n, false, options);
    showFleet("fleetPlain", without);
    const failed = withLease.failed + without.failed > 0;
    const until = failed ? "until all had an answer" : "until all had a token";
    $("fleetStatus").className = failed ? "status bad" : "status ok";
    $("fleetStatus").textContent =
      `Done: ${n} instances made ${plural(withLease.requests, "request", "requests")} with the lease ` +
      `(${withLease.elapsed} ms ${until}) and ${plural(without.requests, "request", "requests")} without it (${without.elapsed} ms)` +
      (failed ? `; ${plural(withLease.failed + without.failed, "instance", "instances")} got no token.` : ".");
  } catch (e) {
    $("fleetStatus").className = "status bad";
    $("fleetStatus").textContent = `The fleet could not start: ${e.code ? e.code + ": " : ""}${e.message}`;
  } finally {
    $("fleetRun").disabled = false;
    $("fleetPanel").dataset.state = "done";
  }
});

const demo = await (await fetch("/__demo")).json();
$("baseUrl").value = location.origin;
$("clientAccountId").value = demo.credentials.clientAccountId;
$("keyId").value = demo.credentials.keyId;
$("apiKey").value = demo.credentials.apiKey;
if (demo.upstream) {
  $("mode").textContent = `Token calls are relayed to ${demo.upstream}. Enter your own credentials.`;
  $("simulate").hidden = true;
  // The fleet panel runs on the local token server, which knows only the demo credentials.
  $("fleetPanel").hidden = true;
}
setInterval(tick, 1000);
document.body.dataset.ready = "true";
