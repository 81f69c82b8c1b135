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

const demo = await (await fetch("/__demo")).json();
$("baseUrl").value = location.origin;
$("clientAccountId").value = demo.credentials.clientAccountId;
$("keyId").value = demo.credentials.keyId;
$("apiKey").value = demo.credentials.apiKey;
if (demo.upstream) {
  $("mode").textContent = `Token calls are relayed to ${demo.upstream}. Enter your own credentials.`;
  $("simulate").hidden = true;
}
setInterval(tick, 1000);
document.body.dataset.ready = "true";
