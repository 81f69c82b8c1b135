#!/usr/bin/env node
// `npx truecaller-token`: prints an access token (SPEC section 9). This file only reads the
// command line, the environment and the key file, and writes the result: the token comes from
// the package's own TokenClient (with fileStore() as its cache), which decides everything else.
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";

const NAME = "truecaller-token";

// One exit status per outcome; documented in --help (and in the README).
const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  invalid_options: 2,
  bad_request: 3,
  unauthorized: 4,
  rate_limited: 5,
  quota_exhausted: 6,
  server_error: 7,
  unexpected_status: 8,
  invalid_response: 9,
  network: 10,
  timeout: 11,
  aborted: 130,
};

// How long a request runs before a terminal gets a status line on stderr.
const STATUS_AFTER_MS = 1000;
// The longest the command waits, after its answer, for the client's store writes.
const STORE_WORK_MS = 3000;

const HELP = `Usage: truecaller-token [options]

Prints an access token for the Truecaller for Business Verified Business API.
A token is reused from the cache while it has more than 30 s left, so a script
that runs this in a loop does not burn the 10-tokens-per-30-minutes quota. The
cache is private to the user: $XDG_CACHE_HOME/truecaller-token (default
~/.cache/truecaller-token; ~/Library/Caches/truecaller-token on macOS).

Credentials (options win over the environment):
  TC_CLIENT_ACCOUNT_ID   --client-account-id UUID
  TC_KEY_ID              --key-id UUID
  TC_API_KEY             --api-key-file PATH    the key read from a file
                         --api-key-stdin        the key read from standard input
  TC_BASE_URL            --base-url URL         default https://enterprise-portal-noneu.truecaller.com
                         --timeout-ms MS        per request; default 10000, 0 = none
  The API key is never accepted as an argument: other users of the machine can
  read a command line (ps, /proc), and shells keep it in their history.

Output (stdout holds nothing else):
  (default)     the token alone
  --json        {"token": ..., "createdAt": ..., "expiresAt": epoch ms}
  --header      Authorization: Bearer <token>

Cache:
  --no-cache    neither read nor write the cache: always a new request
  --force       discard the cached token and request a new one (cached for next time)

  -h, --help    this text
  --version     the package version

Examples:
  export TC_CLIENT_ACCOUNT_ID=... TC_KEY_ID=... TC_API_KEY=...
  curl -H "$(npx truecaller-token --header)" https://api.example/...
  npx truecaller-token --json --api-key-file ~/.config/truecaller/api-key
  pass show truecaller/api-key | npx truecaller-token --api-key-stdin --key-id "$KEY_ID"
  TOKEN=$(npx truecaller-token) || exit

Errors: one line on stderr, "truecaller-token: <code>: <message>", never the key.
Exit status:
   0  the token was printed
   1  an unexpected internal failure
   2  usage, or invalid_options (a missing or malformed id, key, URL or number)
   3  bad_request        the server answered 400
   4  unauthorized       the server answered 401 or 403 (wrong credentials)
   5  rate_limited       the server answered 429 (the message says when to retry)
   6  quota_exhausted    refused locally: 10 requests in the last 30 minutes
   7  server_error       the server answered 5xx
   8  unexpected_status  any other status, including a redirect
   9  invalid_response   a 2xx answer that is not a token
  10  network            the request could not be sent
  11  timeout            no answer within --timeout-ms
 130  aborted            interrupted (Ctrl-C or SIGTERM)
`;

class Usage extends Error {}

// The API key as an argument, in the spellings a user might try.
const KEY_ARGUMENT = /^--?api[-_]?key(=|$)/i;

function parse(args) {
  if (args.some((a) => KEY_ARGUMENT.test(a))) {
    throw new Usage(
      "the API key is not accepted on the command line (other users can read a command line, and shells keep it " +
        "in their history): set TC_API_KEY, or use --api-key-file PATH or --api-key-stdin",
    );
  }
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        "client-account-id": { type: "string" },
        "key-id": { type: "string" },
        "api-key-file": { type: "string" },
        "api-key-stdin": { type: "boolean" },
        "base-url": { type: "string" },
        "timeout-ms": { type: "string" },
        json: { type: "boolean" },
        header: { type: "boolean" },
        "no-cache": { type: "boolean" },
        force: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
    }).values;
  } catch (e) {
    // An unexpected argument is not echoed: it may be a secret typed in the wrong place.
    if (e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      throw new Usage("this command takes no arguments, only options (see --help)");
    }
    throw new Usage(String(e.message).split("\n")[0] + " (see --help)");
  }
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

// The API key: --api-key-file, --api-key-stdin, else TC_API_KEY. Surrounding whitespace
// (a file's final newline) is dropped; what the key must look like is the client's rule.
async function apiKeyFrom(values, env) {
  if (values["api-key-file"] !== undefined && values["api-key-stdin"]) {
    throw new Usage("use one of --api-key-file and --api-key-stdin");
  }
  let key;
  if (values["api-key-file"] !== undefined) {
    const path = values["api-key-file"];
    try {
      key = readFileSync(path, "utf8");
    } catch (e) {
      throw new Usage(`cannot read the API key file ${JSON.stringify(path)} (${e.code ?? "error"})`);
    }
    if (key.trim() === "") throw new Usage(`the API key file ${JSON.stringify(path)} is empty`);
  } else if (values["api-key-stdin"]) {
    if (process.stdin.isTTY) process.stderr.write(`${NAME}: reading the API key from standard input (end with Ctrl-D)\n`);
    key = await readStdin();
    if (key.trim() === "") throw new Usage("--api-key-stdin: standard input held no API key");
  } else {
    key = env.TC_API_KEY;
    if (key === undefined || key === "") {
      throw new Usage("no API key: set TC_API_KEY, or use --api-key-file PATH or --api-key-stdin");
    }
  }
  return key.trim();
}

// The options for TokenClient. Presence is checked here (to name the variable and the flag);
// whether a value is acceptable is the client's decision (invalid_options).
async function clientOptions(values, env) {
  const pick = (flag, variable, what) => {
    const value = values[flag] ?? env[variable];
    if (value === undefined || value === "") throw new Usage(`no ${what}: set ${variable} or use --${flag}`);
    return value;
  };
  const options = {
    clientAccountId: pick("client-account-id", "TC_CLIENT_ACCOUNT_ID", "client account id"),
    keyId: pick("key-id", "TC_KEY_ID", "key id"),
    apiKey: await apiKeyFrom(values, env),
  };
  const baseUrl = values["base-url"] ?? (env.TC_BASE_URL || undefined);
  if (baseUrl !== undefined) options.baseUrl = baseUrl;
  if (values["timeout-ms"] !== undefined) {
    const text = values["timeout-ms"].trim();
    // Anything but a decimal number goes to the client as NaN, which it refuses.
    options.timeoutMs = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  }
  return options;
}

// The cache dir as the client's store, saying once on stderr when the file system refuses it (a
// file where the dir should be, no permission, a read-only home): the client then goes on
// without it, but every run asks for a new token, which a script in a loop must hear about.
function warnedStore(store, directory) {
  let warned = false;
  const note = (e) => {
    if (!warned && typeof e?.code === "string") {
      warned = true;
      process.stderr.write(`${NAME}: warning: the token cache ${directory} is unusable (${e.code}); each run asks for a new token\n`);
    }
    throw e;
  };
  const wrapped = {};
  for (const [name, method] of Object.entries(store)) {
    wrapped[name] = (...args) => method(...args).catch(note);
  }
  return wrapped;
}

// A status line on stderr while a request is slow, only on a terminal; cleared afterwards.
function statusLine(baseUrl) {
  if (!process.stderr.isTTY) return () => {};
  let host;
  try {
    host = new URL(baseUrl).host;
  } catch {
    host = "the server";
  }
  const started = Date.now();
  let shown = false;
  const show = () => {
    shown = true;
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stderr.write(`\r\x1b[2K${NAME}: waiting for a token from ${host}... ${seconds} s`);
  };
  let interval;
  const timer = setTimeout(() => {
    show();
    interval = setInterval(show, 1000);
    interval.unref();
  }, STATUS_AFTER_MS);
  timer.unref();
  return () => {
    clearTimeout(timer);
    clearInterval(interval);
    if (shown) process.stderr.write("\r\x1b[2K");
  };
}

function errorLine(e, apiKey) {
  let line;
  if (e instanceof Usage) line = `usage: ${e.message}`;
  // The message already names the HTTP status and, for rate_limited, when to retry.
  else if (e && e.name === "TruecallerError" && typeof e.code === "string") line = `${e.code}: ${e.message}`;
  else line = `internal error: ${e && e.message ? e.message : String(e)}`;
  line = line.replace(/\s+/g, " ").trim();
  // The package redacts the key in its errors; this is a last guard for anything else.
  if (apiKey) line = line.split(apiKey).join("[redacted]");
  return `${NAME}: ${line}\n`;
}

function exitStatus(e) {
  if (e instanceof Usage) return EXIT.usage;
  if (e && e.name === "TruecallerError" && Object.hasOwn(EXIT, e.code)) return EXIT[e.code];
  return EXIT.internal;
}

// Writes, then exits at once: no timer, socket or background task of the client keeps the
// process alive after its answer.
function finish(status, stdout, stderr) {
  const exit = () => process.exit(status);
  if (stderr) process.stderr.write(stderr);
  if (stdout) process.stdout.write(stdout, exit);
  else exit();
}

async function main() {
  let apiKey;
  const background = new Set();
  try {
    const values = parse(process.argv.slice(2));
    if (values.help) return finish(EXIT.ok, HELP);
    if (values.version) {
      const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
      return finish(EXIT.ok, `${manifest.version}\n`);
    }
    if (values.json && values.header) throw new Usage("use one of --json and --header");
    const options = await clientOptions(values, process.env);
    apiKey = options.apiKey;

    // The package itself is loaded only now: --help, --version and usage errors stay fast.
    const { TokenClient, fileStore, DEFAULT_BASE_URL } = await import("../node.mjs");
    const { defaultDirectory } = await import("../stores/file.js");
    const interrupt = new AbortController();
    for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => interrupt.abort());
    const client = new TokenClient({
      ...options,
      signal: interrupt.signal,
      store: values["no-cache"] ? undefined : warnedStore(fileStore(), defaultDirectory()),
      // One process, one answer: no background refresh. The client serves a cached token until
      // 30 s before its expiry and then mints in the foreground.
      refreshWindowMs: 0,
      // The store writes and the lease release the client hands over are finished before exit.
      waitUntil: (work) => {
        const tracked = Promise.resolve(work).then(
          () => background.delete(tracked),
          () => background.delete(tracked),
        );
        background.add(tracked);
      },
    });

    const done = statusLine(options.baseUrl ?? DEFAULT_BASE_URL);
    let access;
    try {
      access = await client.getAccessToken();
      // --force: a token the client took from the cache (it sent nothing) is discarded, which
      // deletes the cached copy, and a new one is requested and cached.
      if (values.force && client.quota().used === 0) {
        client.invalidate();
        access = await client.getAccessToken();
      }
    } finally {
      done();
      await settle(background);
    }
    const out = values.json
      ? JSON.stringify({ token: access.token, createdAt: access.createdAt, expiresAt: access.expiresAt })
      : values.header
        ? `Authorization: Bearer ${access.token}`
        : access.token;
    finish(EXIT.ok, out + "\n");
  } catch (e) {
    await settle(background);
    finish(exitStatus(e), "", errorLine(e, apiKey));
  }
}

// Waits for the client's store work, at most STORE_WORK_MS.
async function settle(background) {
  if (background.size === 0) return;
  let timer;
  const limit = new Promise((resolve) => {
    timer = setTimeout(resolve, STORE_WORK_MS);
    timer.unref();
  });
  while (background.size > 0) {
    const more = await Promise.race([Promise.allSettled([...background]).then(() => true), limit.then(() => false)]);
    if (!more) break;
  }
  clearTimeout(timer);
}

main();
