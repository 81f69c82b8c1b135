// Node: a TokenStore in a directory, for one host's processes (cluster, PM2, the command line).
// Values are written 0600 to a temporary file and renamed into place. claim (set-if-absent
// with a TTL, like Redis's SET NX PX), release and reserve hold a lock file (an exclusive
// create; a stale one is taken over) while they read and write; whether a lease is free and
// what a reservation does to the window are decided by the Rust core (__leaseFree, __reserveSlot).
import { mkdirSync, openSync, closeSync, writeSync, readFileSync, renameSync, unlinkSync, statSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { __leaseFree, __reserveSlot } from "../wasm/truecaller_token.js";
import { requestTimes } from "./window.js";

// A lock older than this is taken over: its holder died while holding it (a holder keeps it
// for a few synchronous file operations). Less than LOCK_WAIT_MS, so a waiter takes over a
// dead holder's lock instead of failing the store call (which would leave the fleet uncoordinated).
const STALE_LOCK_MS = 1_000;
// Less than the 2 s the client gives a store call: a busy lock fails the call while the client
// still waits for it, rather than winning a lease for a caller that has moved on.
const LOCK_WAIT_MS = 1_500;
// Windows device names, which no file may be called (whatever its extension).
const DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/;

export function defaultDirectory() {
  const env = process.env;
  const base =
    process.platform === "win32"
      ? env.LOCALAPPDATA || join(homedir(), "AppData", "Local")
      : process.platform === "darwin"
        ? join(homedir(), "Library", "Caches")
        : // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
          env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)
          ? env.XDG_CACHE_HOME
          : join(homedir(), ".cache");
  return join(base, "truecaller-token");
}

// A key's file name: every byte but [a-z0-9_-] as %XX, so no name holds a separator, a dot
// (the suffixes .lock, .break and .tmp stay the store's own) or a capital (two keys never
// share a file on a case-insensitive file system); a long key is cut and hashed.
function fileName(key) {
  let name = "";
  for (const byte of Buffer.from(String(key), "utf8")) {
    const c = String.fromCharCode(byte);
    name += /[a-z0-9_-]/.test(c) ? c : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  if (DEVICE.test(name)) name = "%" + name.charCodeAt(0).toString(16).toUpperCase() + name.slice(1);
  if (name.length > 160) name = name.slice(0, 96) + "~" + createHash("sha256").update(String(key)).digest("hex");
  return name;
}

export function fileStore(directory = defaultDirectory()) {
  directory = String(directory);
  let made = false;
  const mkdir = () => {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    made = true;
  };
  const path = (key) => {
    if (!made) mkdir();
    return join(directory, fileName(key));
  };
  // Creates `file` exclusively (mode 0600) with `text`; creates the directory again if it was
  // removed since (a cache cleaner). False when the file exists.
  const create = (file, text) => {
    let fd;
    try {
      fd = openSync(file, "wx", 0o600);
    } catch (e) {
      if (e.code === "EEXIST") return false;
      if (e.code !== "ENOENT") throw e;
      mkdir();
      fd = openSync(file, "wx", 0o600);
    }
    try {
      writeSync(fd, text);
    } catch (e) {
      closeSync(fd);
      unlinkSync(file);
      throw e;
    }
    closeSync(fd);
    return true;
  };
  const unlinked = (file) => {
    try {
      unlinkSync(file);
    } catch (e) {
      if (e.code !== "ENOENT") throw e;
    }
  };
  const readText = (file) => {
    try {
      return readFileSync(file, "utf8");
    } catch {
      return null;
    }
  };
  // An entry: { value, expiresAt } (expiresAt null: no expiry); an unreadable or expired one
  // counts as absent.
  const entry = (key) => {
    try {
      const e = JSON.parse(readFileSync(path(key), "utf8"));
      const expiresAt = e.expiresAt === null ? Infinity : e.expiresAt;
      return typeof e.value === "string" && expiresAt > Date.now() ? { value: e.value, expiresAt } : null;
    } catch {
      return null;
    }
  };
  const read = (key) => entry(key)?.value ?? null;
  const write = (key, value, ttlMs) => {
    const ttl = Number(ttlMs);
    const target = path(key);
    // A TTL that is not positive (or not a number) leaves nothing to read.
    if (!(ttl > 0)) return unlinked(target);
    const expiresAt = ttl === Infinity ? null : Date.now() + ttl;
    const temporary = `${target}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    create(temporary, JSON.stringify({ value: String(value), expiresAt }));
    try {
      renameSync(temporary, target);
    } catch (e) {
      unlinked(temporary);
      throw e;
    }
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const stale = (file) => {
    try {
      return Date.now() - statSync(file).mtimeMs > STALE_LOCK_MS;
    } catch {
      return false;
    }
  };
  // Removes the stale lock `lock` under its breaker `<name>.break` (itself an exclusive
  // create), looking again under it: of many processes that found the lock stale, one removes
  // it, and none removes the fresh lock another has created since.
  const breakStale = (lock, breaker) => {
    if (!create(breaker, "")) {
      // A breaker is held for microseconds; an old one belongs to a process that died.
      if (stale(breaker)) unlinked(breaker);
      return;
    }
    try {
      if (stale(lock)) unlinked(lock);
    } finally {
      unlinked(breaker);
    }
  };
  // Runs `work` holding `<name>.lock` (exclusive create; a stale lock is taken over). The lock
  // holds a random id, so a release removes only its own lock.
  const locked = async (key, work) => {
    const target = path(key);
    const lock = target + ".lock";
    const id = randomBytes(12).toString("hex");
    const started = Date.now();
    while (!create(lock, id)) {
      if (stale(lock)) breakStale(lock, target + ".break");
      if (Date.now() - started > LOCK_WAIT_MS) throw new Error("truecaller-token: the file store's lock is busy");
      await sleep(2 + Math.random() * 10);
    }
    try {
      return work();
    } finally {
      if (readText(lock) === id) unlinked(lock);
    }
  };
  return {
    async get(key) {
      return read(key);
    },
    async set(key, value, ttlMs) {
      write(key, value, ttlMs);
    },
    async delete(key) {
      unlinked(path(key));
    },
    claim: (key, owner, ttlMs) =>
      locked(key, () => {
        const lease = entry(key);
        if (!__leaseFree(lease?.value, lease ? Number(lease.expiresAt) : 0, String(owner), Date.now())) return false;
        write(key, String(owner), ttlMs);
        return true;
      }),
    release: (key, owner) =>
      locked(key, () => {
        if (read(key) === String(owner)) unlinked(path(key));
      }),
    reserve: (key, limit, windowMs, now) =>
      locked(key, () => {
        const [wait, ...times] = __reserveSlot(requestTimes(read(key)), Number(limit), Number(windowMs), Number(now));
        const window = JSON.stringify(times);
        // No expiry of its own: the window's entries are times on the caller's clock (`now`,
        // taken before the lock was ours; an injected clock in tests), and the core drops the
        // old ones. A file that expired windowMs after its write, on this host's clock, would
        // forget a slot still inside the window of a caller whose `now` is a little older.
        if (wait === 0) write(key, window, Infinity);
        return wait;
      }),
  };
}
