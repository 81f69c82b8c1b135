// Shared by tests/fleet/redis.test.mjs and bench/fleet-redis.mjs: a real redis-server (Debian's
// package) on a free loopback port, node-redis and ioredis connections to it, and a fleet of
// Node processes started together (tests/fleet/redis-child.mjs), each with its own connection.
import { spawn } from "node:child_process";
import net from "node:net";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createClient } from "redis";
import { Redis } from "ioredis";

export const CLIENT_KINDS = ["node-redis", "ioredis"];
const CHILD = fileURLToPath(new URL("./redis-child.mjs", import.meta.url));

/** A free TCP port on 127.0.0.1 (free when asked; `startRedis` retries if it is taken since). */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

async function answers(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let reply = "";
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => {
      reply += d;
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

/**
 * Starts `redis-server` (REDIS_SERVER, else the one on PATH) on a free loopback port, without
 * persistence; resolves when it answers PING. `stop()` ends it (SIGKILL: Redis dying without
 * warning, as in a crash), `pause()`/`resume()` freeze it (SIGSTOP/SIGCONT: connections stay open
 * and commands go unanswered, as with a hung server).
 */
export async function startRedis() {
  const bin = process.env.REDIS_SERVER ?? "redis-server";
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      bin,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    const spawnError = new Promise((resolve) => child.once("error", resolve));
    let ready = false;
    for (let i = 0; i < 200 && child.exitCode === null && child.signalCode === null; i++) {
      const error = await Promise.race([spawnError, new Promise((r) => setTimeout(r, 25, null))]);
      if (error) throw new Error(`cannot start ${bin}: ${error.message} (run scripts/setup.sh)`);
      if (await answers(port)) {
        ready = true;
        break;
      }
    }
    if (!ready) {
      child.kill("SIGKILL");
      await exited;
      if (attempt < 3 && /in use/i.test(output)) continue;
      throw new Error(`redis-server did not start on port ${port}:\n${output}`);
    }
    let stopped = false;
    // Not left behind by a test process that ends early (a failed assertion, a timeout).
    const orphanGuard = () => child.kill("SIGKILL");
    process.once("exit", orphanGuard);
    exited.then(() => process.off("exit", orphanGuard));
    return {
      port,
      url: `redis://127.0.0.1:${port}`,
      pid: child.pid,
      exited,
      pause: () => child.kill("SIGSTOP"),
      resume: () => child.kill("SIGCONT"),
      async stop() {
        if (!stopped) {
          stopped = true;
          child.kill("SIGCONT");
          child.kill("SIGKILL");
        }
        await exited;
      },
    };
  }
}

/**
 * A connected client of `kind` ("node-redis" or "ioredis"). Like any user of these libraries,
 * it listens to `error` events (node-redis throws an unlistened one), and keeps reconnecting
 * when the server goes away, the libraries' defaults.
 */
export async function connect(kind, port) {
  if (kind === "node-redis") {
    const client = createClient({ url: `redis://127.0.0.1:${port}` });
    client.on("error", () => {});
    await client.connect();
    return { client, close: () => client.destroy() };
  }
  if (kind === "ioredis") {
    const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
    client.on("error", () => {});
    await client.connect();
    return { client, close: () => client.disconnect() };
  }
  throw new Error("unknown client kind " + kind);
}

/** Sends one raw command through either client (ioredis's own sendCommand takes a Command object). */
export function command(client, ...args) {
  return typeof client.call === "function" ? client.call(...args.map(String)) : client.sendCommand(args.map(String));
}

/**
 * Runs `count` Node processes (redis-child.mjs), each importing the built package, connecting
 * to Redis with `kind` and building a TokenClient on `redisStore`; once all are ready, they all
 * call getToken() at the same instant (`onStart(at)` is called with that epoch ms). `lease: false`
 * drops claim/release from the store (the control: a plain get/set cache); `extra` goes into the
 * TokenClient options. Resolves to the children's reports ({ token | error, ms, exit, stderr }).
 */
export async function runFleet({ count = 20, kind, redisPort, baseUrl, prefix = "", lease = true, extra = {}, onStart }) {
  const children = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, [CHILD], {
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        ...process.env,
        FLEET_CONFIG: JSON.stringify({ kind, redisPort, baseUrl, prefix, lease, extra }),
      },
    });
    const lines = [];
    let buffered = "";
    let stderr = "";
    const waiters = [];
    child.stdout.setEncoding("utf8").on("data", (d) => {
      buffered += d;
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        lines.push(JSON.parse(buffered.slice(0, nl)));
        buffered = buffered.slice(nl + 1);
        waiters.splice(0).forEach((w) => w());
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    const line = async (n) => {
      while (lines.length <= n) {
        const more = new Promise((r) => waiters.push(r));
        const ended = await Promise.race([more.then(() => false), exit.then(() => true)]);
        if (ended && lines.length <= n) throw new Error(`fleet process exited early: ${stderr}`);
      }
      return lines[n];
    };
    return { child, line, exit, stderr: () => stderr };
  });
  try {
    await Promise.all(children.map((c) => c.line(0))); // every one has imported, connected, built its client
    const at = Date.now() + 100;
    for (const c of children) c.child.stdin.write(`${at}\n`);
    onStart?.(at);
    const reports = await Promise.all(children.map((c) => c.line(1)));
    for (const c of children) c.child.stdin.end("exit\n");
    const exits = await Promise.all(children.map((c) => c.exit));
    return reports.map((r, i) => ({ ...r, exit: exits[i], stderr: children[i].stderr() }));
  } finally {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGKILL");
  }
}
