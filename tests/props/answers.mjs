// Property (b): whatever an injected fetch does, requestToken settles within timeoutMs plus a
// small margin, with an AccessToken or a TruecallerError of a valid code (the one the answer
// calls for, where the answer is well formed), and no rendering of the error holds the key.
//
// Runtime-agnostic: Node, Chromium (bundled by esbuild) and workerd run the same property. An
// answer is generated as plain data (printable, replayable, shrinkable) and turned into live
// objects (Responses, streams, look-alikes, Proxies, rejections) afresh for every call.
import { KEY, HEX, CREDS, CODES, keySpelling, leak, settleWithin, runProperty } from "./common.mjs";

const LIMIT = 64 * 1024;
const enc = new TextEncoder();
const HTTP_DATE_PAST = "Wed, 21 Oct 2015 07:28:00 GMT";

// ---------------------------------------------------------------------------------------
// Arbitraries (plain data)

/** Text that may hold the key in some spelling. */
function textArb(fc) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 8 }), keySpelling(fc), fc.string({ maxLength: 8 }))
        .map(([a, k, b]) => a + k + b),
    },
    { weight: 1, arbitrary: fc.constantFrom("", "\ud800", "\udfff\ud800", "null", "{}") },
    { weight: 1, arbitrary: fc.record({ big: fc.integer({ min: 1000, max: 300_000 }), key: fc.boolean() }) },
  );
}
function liveText(t) {
  if (typeof t === "string") return t;
  const filler = "x".repeat(t.big);
  return t.key ? filler + KEY + filler : filler;
}

/** Anything a fetch (or text(), or a stream) may throw or reject with. */
function thrownArb(fc) {
  const primitive = fc.oneof(
    fc.constantFrom(null, undefined, 0, -0, NaN, Infinity, true, "", 42n),
    fc.string({ maxLength: 10 }).map((d) => ({ symbol: d })),
    fc.double(),
  );
  const leaf = fc.oneof(
    { weight: 3, arbitrary: fc.record({ t: fc.constant("error"), cls: fc.constantFrom("Error", "TypeError", "RangeError", "DOMException", "AggregateError"), message: textArb(fc) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant("string"), text: textArb(fc) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("primitive"), v: primitive }) },
    { weight: 1, arbitrary: fc.constant({ t: "proxy" }) },
    { weight: 1, arbitrary: fc.constant({ t: "messageGetterThrows" }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("object"), message: fc.oneof(fc.integer(), fc.constant(null), textArb(fc)), toString: textArb(fc) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant("echo"), spelling: fc.constantFrom("json", "upper", "nodash", "underscore", "pct") }) },
  );
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("caused"), message: textArb(fc), cause: leaf }) },
  );
}

/** Response bodies as bytes (described). */
function bytesArb(fc, token) {
  const tokenText = fc.stringMatching(/^[!-~]{1,40}$/);
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ b: fc.constant("token"), token, created: fc.constantFrom("2025-07-10T06:59:05.72Z", "x", "\u00e9t\u00e9"), bom: fc.boolean(), pad: fc.nat(70_000).map((n) => (n > 60_000 ? n : 0)) }) },
    { weight: 3, arbitrary: fc.record({ b: fc.constant("error"), slug: fc.option(textArb(fc)), message: fc.option(textArb(fc)) }) },
    { weight: 2, arbitrary: fc.record({ b: fc.constant("split"), at: fc.integer({ min: 1, max: 35 }), spelling: keySpelling(fc), before: fc.string({ maxLength: 4 }), after: fc.string({ maxLength: 4 }) }) },
    { weight: 2, arbitrary: fc.record({ b: fc.constant("wrongTypes"), token: fc.oneof(fc.jsonValue({ maxDepth: 2 }), tokenText, fc.constantFrom("", "has space", "t\u00e9", "a\nb")), created: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant("")) }) },
    { weight: 2, arbitrary: fc.record({ b: fc.constant("json"), v: fc.jsonValue({ maxDepth: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ b: fc.constant("deep"), depth: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 6000, max: 33_000 })), open: fc.constantFrom("[", '{"token":', '{"a":[') }) },
    { weight: 2, arbitrary: fc.record({ b: fc.constant("bytes"), bytes: fc.uint8Array({ maxLength: 200 }) }) },
    { weight: 1, arbitrary: fc.record({ b: fc.constant("huge"), n: fc.oneof(fc.constantFrom(LIMIT - 1, LIMIT, LIMIT + 1), fc.integer({ min: LIMIT + 2, max: 3_000_000 })), fill: fc.constantFrom(0x78, 0xff, 0x80) }) },
    { weight: 1, arbitrary: fc.record({ b: fc.constant("echo"), spelling: fc.constantFrom("json", "upper", "nodash", "underscore", "pct") }) },
  );
}

/** A status: mostly the ones that matter, sometimes anything a look-alike could hold. */
function statusArb(fc, lookalike) {
  const real = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(200, 201, 204, 400, 401, 403, 404, 409, 429, 500, 502, 503, 599) },
    { weight: 3, arbitrary: fc.integer({ min: 200, max: 599 }) },
  );
  if (!lookalike) return real;
  return fc.oneof(
    { weight: 6, arbitrary: real },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 999 }) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.integer({ min: -100_000, max: -1 }),
        fc.integer({ min: 1000, max: 2 ** 31 }),
        fc.constantFrom(-0, NaN, Infinity, -Infinity, 200.5, 2 ** 53, 1e300, 4e-324),
        fc.constantFrom("200", null, undefined, true, { bigint: "200" }, { getterThrows: true }, { object: true }),
      ),
    },
  );
}

/** Header values, including Retry-After garbage and Content-Length lies. */
function headersArb(fc) {
  const retryAfter = fc.oneof(
    fc.nat(20).map(String),
    fc.constantFrom("0", "-1", "1.5", " 3 ", "+3", "1e3", "", "soon", HTTP_DATE_PAST, "Wed, 21 Oct 2099 07:28:00 GMT", "9".repeat(400), "\u0663", "Thu, 01 Jan 1970 00:00:00 GMT"),
    fc.string({ maxLength: 30 }),
  );
  const contentLength = fc.oneof(
    fc.constantFrom("true", "smaller", "larger", "huge"),
    fc.constantFrom("abc", "-5", "65537", "65536", "1e9", "9".repeat(40), " 12 ", ""),
  );
  return fc.record(
    { retryAfter, contentLength, contentType: fc.constantFrom("application/json", "text/html", "") },
    { requiredKeys: [] },
  );
}

/** How a body arrives: a stream (bytes in chunks, then its end), text(), or nothing. */
function deliveryArb(fc) {
  const streamEnd = fc.oneof(
    { weight: 6, arbitrary: fc.constant({ end: "close" }) },
    { weight: 2, arbitrary: fc.record({ end: fc.constant("error"), reason: thrownArb(fc) }) },
    { weight: 1, arbitrary: fc.constant({ end: "hang" }) },
    { weight: 1, arbitrary: fc.record({ end: fc.constant("endless"), chunk: fc.constantFrom(1000, 65_536, 1 << 20) }) },
  );
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ via: fc.constant("stream"), chunks: fc.integer({ min: 1, max: 6 }), odd: fc.option(fc.constantFrom("string", "number", "null", "arraybuffer", "dataview", "int16", "notChunk", "doneThrows"), { freq: 8 }), end: streamEnd }) },
    {
      weight: 3,
      arbitrary: fc.record({
        via: fc.constant("text"),
        how: fc.constantFrom("resolve", "resolve", "resolve", "value", "reject", "never", "throw", "number", "null"),
        reason: thrownArb(fc),
      }),
    },
    { weight: 1, arbitrary: fc.record({ via: fc.constant("nullBody") }) },
    { weight: 1, arbitrary: fc.record({ via: fc.constantFrom("bodyGetterThrows", "bodyNoReader", "bodyNumber") }) },
  );
}

/** When the fetch settles: now, after a few ms, after the timeout, or never. */
function whenArb(fc) {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({ at: "now" }) },
    { weight: 2, arbitrary: fc.record({ at: fc.constant("soon"), ms: fc.integer({ min: 0, max: 10 }) }) },
    { weight: 1, arbitrary: fc.constant({ at: "late" }) },
    { weight: 1, arbitrary: fc.constant({ at: "never" }) },
  );
}

/** One answer of an injected fetch. */
export function answerArb(fc) {
  const token = fc.stringMatching(/^[0-9a-f]{32}$/).map((h) => "tc_" + h);
  const real = fc.record({
    kind: fc.constant("real"),
    status: statusArb(fc, false),
    headers: headersArb(fc),
    body: bytesArb(fc, token),
    delivery: fc.record({ end: fc.oneof({ weight: 8, arbitrary: fc.constant({ end: "close" }) }, { weight: 2, arbitrary: fc.record({ end: fc.constantFrom("error", "hang", "endless"), reason: thrownArb(fc), chunk: fc.constant(65_536) }) }), chunks: fc.integer({ min: 1, max: 4 }) }),
  });
  const fake = fc.record({
    kind: fc.constant("fake"),
    status: statusArb(fc, true),
    type: fc.option(fc.constantFrom("opaqueredirect", "basic", "cors", 7), { freq: 4 }),
    headers: fc.oneof({ weight: 4, arbitrary: headersArb(fc) }, { weight: 1, arbitrary: fc.constantFrom("getThrows", "null", "number", "getterThrows", "getReturnsObjects") }),
    body: bytesArb(fc, token),
    delivery: deliveryArb(fc),
  });
  const response = fc.oneof(
    { weight: 5, arbitrary: real },
    { weight: 5, arbitrary: fake },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("primitive"), v: fc.constantFrom(null, undefined, 0, "", "200", true, 5n) }) },
    { weight: 1, arbitrary: fc.constantFrom({ kind: "proxy" }, { kind: "empty" }, { kind: "revoked" }) },
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ fetch: fc.constant("resolve"), when: whenArb(fc), response }) },
    { weight: 2, arbitrary: fc.record({ fetch: fc.constant("reject"), when: whenArb(fc), reason: thrownArb(fc) }) },
    { weight: 1, arbitrary: fc.record({ fetch: fc.constant("throw"), reason: thrownArb(fc) }) },
    { weight: 1, arbitrary: fc.record({ fetch: fc.constantFrom("never", "thenableThrows", "thenableNever", "notAPromise") }) },
  );
}

/** The options of one call: a timeout (the property's clock), sometimes none at all. */
export function timeoutArb(fc) {
  return fc.integer({ min: 60, max: 150 });
}

// ---------------------------------------------------------------------------------------
// Live objects

function echo(body, spelling) {
  switch (spelling) {
    case "upper":
      return body.toUpperCase();
    case "nodash":
      return body.replace(/-/g, "");
    case "underscore":
      return body.replace(/-/g, "_");
    case "pct":
      return encodeURIComponent(body).replace(/-/g, "%2D");
    default:
      return body;
  }
}

function liveThrown(d, ctx) {
  switch (d.t) {
    case "error": {
      const message = liveText(d.message);
      if (d.cls === "DOMException") return new DOMException(message, "NetworkError");
      if (d.cls === "AggregateError") return new AggregateError([new Error(message)], message);
      return new globalThis[d.cls](message);
    }
    case "caused":
      return new Error(liveText(d.message), { cause: liveThrown(d.cause, ctx) });
    case "string":
      return liveText(d.text);
    case "primitive": {
      const v = d.v;
      if (v && typeof v === "object" && "symbol" in v) return Symbol(v.symbol);
      return v;
    }
    case "proxy":
      return new Proxy({}, trapsThatThrow());
    case "messageGetterThrows":
      return Object.defineProperty(new Error("x"), "message", { get() { throw new Error(KEY); } });
    case "object":
      return { message: typeof d.message === "object" && d.message ? liveText(d.message) : d.message, toString: () => liveText(d.toString) };
    case "echo":
      return new TypeError("could not send " + echo(ctx.requestBody ?? "", d.spelling));
  }
  return undefined;
}

function trapsThatThrow() {
  const boom = () => {
    throw new Error("trap " + KEY);
  };
  return { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom, apply: boom, construct: boom, set: boom, defineProperty: boom, deleteProperty: boom };
}

/** The bytes of a body description. */
function liveBytes(d, ctx) {
  switch (d.b) {
    case "token": {
      let json = JSON.stringify({ token: d.token, created_at: d.created });
      if (d.pad) json = json.slice(0, -1) + ',"pad":"' + "p".repeat(d.pad) + '"}';
      return enc.encode((d.bom ? "\ufeff" : "") + json);
    }
    case "error": {
      const o = {};
      if (d.slug !== null) o.slug = liveText(d.slug);
      if (d.message !== null) o.message = liveText(d.message);
      return enc.encode(JSON.stringify(o));
    }
    case "split":
      return enc.encode(JSON.stringify({ slug: d.before + d.spelling.slice(0, d.at), message: d.spelling.slice(d.at) + d.after }));
    case "wrongTypes":
      return enc.encode(JSON.stringify({ token: d.token, created_at: d.created }));
    case "json":
      return enc.encode(JSON.stringify(d.v) ?? "");
    case "deep":
      return enc.encode(d.open.repeat(d.depth) + "1" + (d.open === "[" ? "]" : d.open === '{"token":' ? "}" : "]}").repeat(d.depth));
    case "bytes":
      return d.bytes;
    case "huge": {
      const b = new Uint8Array(d.n).fill(d.fill);
      return b;
    }
    case "echo":
      return enc.encode(JSON.stringify({ slug: "echo", message: echo(ctx.requestBody ?? "", d.spelling) }));
  }
  return new Uint8Array();
}

function splitBytes(bytes, n) {
  const parts = [];
  const size = Math.max(1, Math.ceil(bytes.length / n));
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return parts;
}

function liveHeaders(h, bytes) {
  const entries = [];
  if (h.retryAfter !== undefined) entries.push(["retry-after", h.retryAfter]);
  if (h.contentType) entries.push(["content-type", h.contentType]);
  if (h.contentLength !== undefined) {
    const declared = { true: String(bytes.length), smaller: String(Math.max(0, bytes.length - 10)), larger: String(bytes.length + 70_000), huge: "9".repeat(20) }[h.contentLength] ?? h.contentLength;
    entries.push(["content-length", declared]);
  }
  return entries;
}

/** A ReadableStream (or look-alike stream pieces) that delivers `bytes` and then ends as described. */
function liveStream(bytes, delivery, ctx) {
  const parts = splitBytes(bytes, delivery.chunks ?? 1);
  const end = delivery.end ?? { end: "close" };
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < parts.length) {
        c.enqueue(parts[i++]);
        return;
      }
      if (end.end === "close") return c.close();
      if (end.end === "error") return c.error(liveThrown(end.reason, ctx));
      if (end.end === "endless") {
        ctx.endless = (ctx.endless ?? 0) + 1;
        c.enqueue(new Uint8Array(end.chunk ?? 65_536).fill(0x20));
        return;
      }
      return new Promise(() => {}); // hang
    },
  });
}

/** A stream look-alike whose reader gives one odd chunk among the bytes. */
function oddStream(bytes, delivery, ctx) {
  const parts = splitBytes(bytes, delivery.chunks);
  const odd = {
    string: () => ({ done: false, value: "text" }),
    number: () => ({ done: false, value: 42 }),
    null: () => null,
    arraybuffer: () => ({ done: false, value: new ArrayBuffer(4) }),
    dataview: () => ({ done: false, value: new DataView(new ArrayBuffer(4)) }),
    int16: () => ({ done: false, value: new Int16Array(2) }),
    notChunk: () => 7,
    doneThrows: () => ({ get done() { throw new Error("done " + KEY); }, value: new Uint8Array(1) }),
  }[delivery.odd];
  let i = 0;
  return {
    getReader() {
      return {
        read() {
          if (i === 0) {
            i++;
            return Promise.resolve(odd());
          }
          if (i - 1 < parts.length) return Promise.resolve({ done: false, value: parts[i++ - 1] });
          return Promise.resolve({ done: true, value: undefined });
        },
        cancel() {
          return Promise.resolve();
        },
        releaseLock() {},
      };
    },
    cancel() {
      return Promise.resolve();
    },
  };
}

function liveStatus(s) {
  if (s && typeof s === "object") {
    if (s.bigint) return { value: BigInt(s.bigint) };
    if (s.getterThrows) return { throws: true };
    return { value: {} };
  }
  return { value: s };
}

/** The object a fetch resolves with. */
function liveResponse(r, ctx) {
  switch (r.kind) {
    case "primitive":
      return r.v;
    case "proxy":
      return new Proxy({}, trapsThatThrow());
    case "empty":
      return {};
    case "revoked": {
      const p = Proxy.revocable({}, {});
      p.revoke();
      return p.proxy;
    }
    case "real": {
      const bytes = liveBytes(r.body, ctx);
      const nullBody = [101, 103, 204, 205, 304].includes(r.status);
      const body = nullBody ? null : liveStream(bytes, { chunks: r.delivery.chunks, end: r.delivery.end }, ctx);
      const headers = new Headers();
      for (const [k, v] of liveHeaders(r.headers, bytes)) {
        try {
          headers.set(k, v);
        } catch {
          // a value Headers refuses is simply not sent
        }
      }
      return new Response(body, { status: r.status, headers });
    }
    case "fake": {
      const bytes = liveBytes(r.body, ctx);
      const o = {};
      const status = liveStatus(r.status);
      Object.defineProperty(o, "status", status.throws ? { get() { throw new Error("status " + KEY); } } : { value: status.value });
      if (r.type !== null) o.type = r.type;
      if (typeof r.headers === "string") {
        if (r.headers === "getThrows") o.headers = { get() { throw new Error("get " + KEY); } };
        if (r.headers === "null") o.headers = null;
        if (r.headers === "number") o.headers = 5;
        if (r.headers === "getReturnsObjects") o.headers = { get: () => ({ toString: () => "5" }) };
        if (r.headers === "getterThrows") Object.defineProperty(o, "headers", { get() { throw new Error("headers " + KEY); } });
      } else {
        const map = new Map(liveHeaders(r.headers, bytes));
        o.headers = { get: (name) => map.get(String(name).toLowerCase()) ?? null };
      }
      const d = r.delivery;
      switch (d.via) {
        case "stream":
          o.body = d.odd !== null ? oddStream(bytes, d, ctx) : liveStream(bytes, d, ctx);
          break;
        case "text": {
          o.body = undefined;
          const text = new TextDecoder().decode(bytes);
          o.text = {
            resolve: () => Promise.resolve(text),
            value: () => text,
            reject: () => Promise.reject(liveThrown(d.reason, ctx)),
            never: () => new Promise(() => {}),
            throw: () => {
              throw liveThrown(d.reason, ctx);
            },
            number: () => Promise.resolve(42),
            null: () => Promise.resolve(null),
          }[d.how];
          break;
        }
        case "nullBody":
          o.body = null;
          break;
        case "bodyGetterThrows":
          Object.defineProperty(o, "body", { get() { throw new Error("body " + KEY); } });
          break;
        case "bodyNoReader":
          o.body = {};
          break;
        case "bodyNumber":
          o.body = 7;
          o.text = () => Promise.resolve(new TextDecoder().decode(bytes));
          break;
      }
      return o;
    }
  }
  return undefined;
}

/** An injected fetch that answers as `a` describes; `ctx` records what it was given. */
export function liveFetch(a, ctx, timeoutMs) {
  const at = (when, settle) => {
    if (when.at === "now") return Promise.resolve().then(settle);
    if (when.at === "never") return new Promise(() => {});
    const ms = when.at === "soon" ? when.ms : timeoutMs + 150;
    return new Promise((r) => setTimeout(r, ms)).then(settle);
  };
  return function fetch(request, ...rest) {
    ctx.calls++;
    ctx.request = request;
    ctx.extraArgs = rest.length;
    const body = request && typeof request.clone === "function" ? request.clone().text() : Promise.resolve("");
    const withBody = (f) => body.then((b) => ((ctx.requestBody = b), f()));
    switch (a.fetch) {
      case "throw":
        ctx.requestBody = JSON.stringify({ key_id: CREDS.keyId, api_key: KEY });
        throw liveThrown(a.reason, ctx);
      case "reject":
        // (A throw, not a returned Promise.reject: workerd reports the latter as unhandled even
        // once it is adopted and handled.)
        return at(a.when, () =>
          withBody(() => {
            throw liveThrown(a.reason, ctx);
          }),
        );
      case "resolve":
        return at(a.when, () => withBody(() => liveResponse(a.response, ctx)));
      case "never":
        return new Promise(() => {});
      case "thenableThrows":
        return { then() { throw new Error("then " + KEY); } };
      case "thenableNever":
        return { then() {} };
      case "notAPromise":
        return 42;
    }
  };
}

// ---------------------------------------------------------------------------------------
// The oracle: what the answer calls for, where it is well defined

const isWholeStatus = (s) => typeof s === "number" && Number.isInteger(s) && s >= 0 && s <= 999;

function statusCode(s) {
  if (s === 400) return "bad_request";
  if (s === 401 || s === 403) return "unauthorized";
  if (s === 429) return "rate_limited";
  if (s >= 500 && s <= 599) return "server_error";
  return "unexpected_status";
}

/** What a 2xx body of these bytes gives: the token's {token, createdAt}, or "invalid_response". */
function tokenOf(bytes) {
  if (bytes.length > LIMIT) return "invalid_response";
  let v;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return "invalid_response";
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) return "invalid_response";
  const { token, created_at: createdAt } = v;
  if (typeof token !== "string" || !/^[!-~]+$/.test(token)) return "invalid_response";
  if (typeof createdAt !== "string" || createdAt === "") return "invalid_response";
  return { token, createdAt };
}

/**
 * The outcomes the answer allows: { codes: Set | null (any valid code), token?: {token, createdAt} }.
 * `bytes` are the body's bytes as the fetch built them.
 */
export function expected(a, bytes) {
  const only = (...codes) => ({ codes: new Set(codes) });
  switch (a.fetch) {
    case "throw":
    case "thenableThrows":
    case "notAPromise":
      return only("network");
    case "never":
    case "thenableNever":
      return only("timeout");
    case "reject":
      return a.when.at === "late" || a.when.at === "never" ? only("timeout") : only("network");
  }
  if (a.when.at === "late" || a.when.at === "never") return only("timeout");
  const r = a.response;
  if (r.kind !== "real" && r.kind !== "fake") return only("network");
  // Status first.
  let status = r.kind === "real" ? r.status : liveStatus(r.status).throws ? undefined : liveStatus(r.status).value;
  if (!isWholeStatus(status)) return only("network");
  status = Math.abs(status); // -0
  if (r.kind === "fake" && r.type === "opaqueredirect") status = 0;
  // Headers: a declared length over the cap is not read at all.
  const h = typeof r.headers === "string" ? {} : r.headers;
  const declaredEntry = typeof r.headers === "string" ? undefined : liveHeaders(h, bytes).find(([k]) => k === "content-length");
  const declared = declaredEntry && /^\s*\d{1,15}\s*$/.test(declaredEntry[1]) ? Number(declaredEntry[1].trim()) : undefined;
  let body; // "bytes" | "toolarge" | "network" | "timeout" | null (unknown)
  // A stream is read up to a declared length (0 < D <= the cap) and no further.
  const upTo = declared !== undefined && declared > 0 ? declared : undefined;
  let read = bytes;
  if (declared !== undefined && declared > LIMIT) body = "toolarge";
  else if (r.kind === "real") {
    if ([101, 103, 204, 205, 304].includes(r.status)) body = "empty";
    else [body, read] = streamRead(bytes, r.delivery.end.end, upTo);
  } else {
    const d = r.delivery;
    if (d.via === "nullBody") body = "empty";
    else if (d.via === "bodyGetterThrows" || d.via === "bodyNoReader") body = "network";
    else if (d.via === "text" || d.via === "bodyNumber") {
      const text = new TextDecoder().decode(bytes);
      body = d.via === "bodyNumber" ? "text" : { resolve: "text", value: "text", reject: "network", never: "timeout", throw: "network", number: "network", null: "network" }[d.how];
      if (body === "text") body = text.length > LIMIT || enc.encode(text).length > LIMIT ? "toolarge" : "bytes";
    } else if (d.odd !== null) body = "network";
    else [body, read] = streamRead(bytes, d.end.end, upTo);
  }
  if (body === "network") return only("network");
  if (body === "timeout") return only("timeout");
  if (status >= 200 && status <= 299) {
    if (body === "toolarge" || body === "empty") return only("invalid_response");
    const t = r.kind === "fake" && r.delivery.via !== "stream" ? tokenOf(enc.encode(new TextDecoder().decode(bytes))) : tokenOf(read);
    return t === "invalid_response" ? only("invalid_response") : { codes: new Set(), token: t };
  }
  return only(statusCode(status));
}

/** [outcome, the bytes read] of a stream of `bytes` then `end`, read up to `upTo` bytes if given. */
function streamRead(bytes, end, upTo) {
  if (upTo !== undefined) {
    if (upTo <= bytes.length) return ["bytes", bytes.subarray(0, upTo)];
    if (end === "endless") {
      const read = new Uint8Array(upTo).fill(0x20);
      read.set(bytes);
      return ["bytes", read];
    }
  }
  return [streamOutcome(bytes, end), bytes];
}

function streamOutcome(bytes, end) {
  if (bytes.length > LIMIT) return "toolarge";
  if (end === "close") return "bytes";
  if (end === "error") return "network";
  if (end === "endless") return "toolarge";
  return "timeout";
}

// ---------------------------------------------------------------------------------------
// The property

/**
 * The property, for `lib` = { requestToken, TruecallerError } of the package entry of the runtime.
 * `opts`: { inspect?, margin (ms), unhandled?: () => unknown[] (rejections seen since the last call) }.
 */
export function answersProperty(fc, lib, opts) {
  const { requestToken, TruecallerError } = lib;
  const margin = opts.margin;
  return fc.asyncProperty(answerArb(fc), timeoutArb(fc), async (answer, timeoutMs) => {
    const ctx = { calls: 0 };
    const fetch = liveFetch(answer, ctx, timeoutMs);
    const started = performance.now();
    const before = Date.now();
    let promise;
    try {
      promise = requestToken({ ...CREDS, timeoutMs, fetch });
    } catch (e) {
      throw new Error(`requestToken threw synchronously: ${e && e.message}`);
    }
    if (!(promise instanceof Promise)) throw new Error("requestToken did not return a Promise");
    const outcome = await settleWithin(promise, timeoutMs + margin);
    const took = performance.now() - started;
    if (outcome.late) throw new Error(`did not settle within timeoutMs (${timeoutMs}) + ${margin} ms`);
    const bytes = answer.fetch === "resolve" && (answer.response.kind === "real" || answer.response.kind === "fake") ? liveBytes(answer.response.body, ctx) : new Uint8Array();
    const want = expected(answer, bytes);
    if ("value" in outcome) {
      const t = outcome.value;
      if (!want.token) throw new Error(`resolved with ${JSON.stringify(t)} where ${[...(want.codes ?? ["some error"])]} was due`);
      if (!t || t.token !== want.token.token || t.createdAt !== want.token.createdAt) throw new Error(`wrong AccessToken ${JSON.stringify(t)}`);
      if (!(t.expiresAt >= before + 3_600_000 && t.expiresAt <= Date.now() + 3_600_000)) throw new Error(`expiresAt ${t.expiresAt} is not receive time + 60 min`);
    } else {
      const e = outcome.error;
      if (!(e instanceof TruecallerError) || !(e instanceof Error)) throw new Error(`rejected with something that is not a TruecallerError: ${safeString(e)}`);
      if (e.name !== "TruecallerError") throw new Error(`name ${e.name}`);
      if (!CODES.includes(e.code)) throw new Error(`invalid code ${e.code}`);
      if (want.token) throw new Error(`rejected with ${e.code} (${e.message}) where a token was due`);
      if (want.codes && !want.codes.has(e.code)) throw new Error(`rejected with ${e.code} (${e.message}) where ${[...want.codes]} was due`);
      if (e.code === "timeout" && opts.strictTiming && took < timeoutMs - 5) throw new Error(`timeout after only ${took} ms of ${timeoutMs}`);
      if (typeof e.message !== "string" || e.message.length === 0 || e.message.length > 2000) throw new Error(`message of length ${e.message?.length}`);
      if ("status" in e && !(Number.isInteger(e.status) && e.status > 0 && e.status <= 999)) throw new Error(`status ${e.status}`);
      if ("slug" in e && typeof e.slug !== "string") throw new Error(`slug ${e.slug}`);
      if ("retryAfterMs" in e && !(e.code === "rate_limited" && Number.isFinite(e.retryAfterMs) && e.retryAfterMs >= 0)) throw new Error(`retryAfterMs ${e.retryAfterMs} on ${e.code}`);
      const tokenSecrets = answer.response?.body?.b === "token" ? [answer.response.body.token] : [];
      const leaked = leak(e, opts.inspect, tokenSecrets);
      if (leaked !== null) throw new Error(`the key (or a token) leaked in a rendering of ${e.code}: ${leaked.slice(0, 600)}`);
    }
    if (opts.unhandled) {
      await new Promise((r) => setTimeout(r, 0));
      const seen = opts.unhandled();
      if (seen.length) throw new Error(`unhandled rejection(s): ${seen.map(safeString).join("; ")}`);
    }
    // The instance is not poisoned: a good answer still gives a token.
    const good = await settleWithin(requestToken({ ...CREDS, fetch: async () => new Response(JSON.stringify({ token: "tc_good", created_at: "c" })) }), 2000);
    if (good.value?.token !== "tc_good") throw new Error(`a good call failed afterwards: ${safeString(good.error ?? good)}`);
  });
}

function safeString(v) {
  try {
    return v instanceof Error ? `${v.name}: ${v.message}` : typeof v === "symbol" ? v.toString() : String(v);
  } catch {
    return "<unprintable>";
  }
}

/** Runs the property with `config` ({seed, numRuns, path}); returns the plain summary. */
export function runAnswers(fc, lib, opts, config) {
  return runProperty(fc, answersProperty(fc, lib, opts), config);
}

export { KEY, HEX };
