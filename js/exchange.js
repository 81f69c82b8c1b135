// The JS side of one token request, kept here so that a call crosses the
// wasm boundary twice instead of dozens of times (each property name or
// header passed from Rust would be a string decoded in JS). Imported by the
// Rust shell (src/js/sys.rs) and by js/api.js.

// Keep in step with HEADERS in src/core/request.rs (tests/web.rs checks what the server receives).
const HEADERS = { "content-type": "application/json", accept: "application/json", "x-public-access": "allow" };

// The options of requestToken, in the order src/js/options.rs reads them.
export function requestFields(o) {
  return [o.clientAccountId, o.keyId, o.apiKey, o.baseUrl, o.timeoutMs, o.signal, o.fetch];
}

export function parts(url, body, timeoutMs, apiKey, signal, fetchFn) {
  return [url, body, timeoutMs, apiKey, signal, fetchFn];
}

export function accessToken(token, createdAt, expiresAt) {
  return { token, createdAt, expiresAt };
}

// The WHATWG parse of a base URL (src/core/options.rs applies the rules), or undefined.
export function urlParts(url) {
  try {
    const u = new URL(url);
    return [u.protocol, u.username, u.password, u.hostname, u.host, u.pathname];
  } catch {
    return undefined;
  }
}

export function quota(limit, windowMs, used, remaining, resetAt) {
  return { limit, windowMs, used, remaining, resetAt };
}

export function isStore(store) {
  try {
    return typeof store.get === "function" && typeof store.set === "function";
  } catch {
    return false;
  }
}

// Keep in step with MAX_BODY_BYTES in src/core/response.rs (tests/web.rs sends a larger body).
const MAX_BODY = 65536;

// One POST with a timeout and the caller's signal; redirects are not followed and a body
// over MAX_BODY bytes is not read. The outcome is [status, retryAfter, bodyState, body, token,
// created_at, slug, message] (status 0 for an opaque redirect; the body parsed with
// JSON.parse, see below, and four of its members), or, when the fetch failed,
// [kind, reason] with kind "timeout", "aborted" or "network". The promise resolves with
// `finish(outcome, failed)` (the Rust side, which classifies it) and rejects if that throws.
export async function exchange(fetchFn, url, body, timeoutMs, signal, finish) {
  let outcome;
  let failed = false;
  if (signal && signal.aborted) {
    outcome = ["aborted", signal.reason];
    failed = true;
  } else {
    const controller = new AbortController();
    let timedOut = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeoutMs)
        : undefined;
    const relay = () => controller.abort(signal.reason);
    if (signal) signal.addEventListener("abort", relay);
    try {
      const init = { method: "POST", headers: HEADERS, body, redirect: "manual", signal: controller.signal };
      const res = await (fetchFn ? fetchFn(url, init) : fetch(url, init));
      if (res === null || typeof res !== "object" || typeof res.status !== "number") {
        throw new TypeError("fetch resolved with something that is not a Response");
      }
      const headers = res.headers;
      const header = (name) => (headers && typeof headers.get === "function" ? headers.get(name) : null);
      const declared = Number(header("content-length"));
      const text = declared > MAX_BODY ? null : await res.text();
      // Body state: 0 over MAX_BODY bytes (not read or not parsed), 1 not JSON, 2 parsed.
      let state = 0;
      let value;
      // A UTF-8 byte is at most one UTF-16 unit and a UTF-16 unit at most three bytes.
      if (
        typeof text === "string" &&
        text.length <= MAX_BODY &&
        (text.length * 3 <= MAX_BODY || new TextEncoder().encode(text).length <= MAX_BODY)
      ) {
        try {
          value = JSON.parse(text);
          state = 2;
        } catch {
          state = 1;
        }
      }
      // The members the Rust side reads, by position: no property name crosses the boundary.
      const o = state === 2 && value !== null && typeof value === "object" ? value : {};
      outcome = [
        res.type === "opaqueredirect" ? 0 : res.status,
        header("retry-after"),
        state,
        value,
        o.token,
        o.created_at,
        o.slug,
        o.message,
      ];
    } catch (e) {
      failed = true;
      if (timedOut) outcome = ["timeout", e];
      else if (signal && signal.aborted) outcome = ["aborted", signal.reason];
      else outcome = ["network", e];
    } finally {
      clearTimeout(timer);
      if (signal) signal.removeEventListener("abort", relay);
    }
  }
  return finish(outcome, failed);
}
