// Node: a TokenStore in a directory, for one host's processes (cluster, PM2, the command line).
// Values are written 0600 to a temporary file and renamed into place. claim (set-if-absent
// with a TTL, like Redis's SET NX PX), release and reserve hold a lock file (an exclusive
// create; a stale one is taken over) while they read and write; what a reservation does to
// the window is decided by the Rust core (__reserveSlot).
import { mkdirSync, openSync, closeSync, writeSync, readFileSync, renameSync, unlinkSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { __reserveSlot } from "../wasm/truecaller_token.js";

// A lock older than this is taken over (its holder died while holding it).
const STALE_LOCK_MS = 5_000;
const LOCK_WAIT_MS = 2_000;

// The stored window: a JSON array of request times (anything else counts as empty).
function times(stored) {
  try {
    const parsed = JSON.parse(stored);
    return Float64Array.from(Array.isArray(parsed) ? parsed.filter(Number.isFinite) : []);
  } catch {
    return new Float64Array();
  }
}

export function defaultDirectory() {
  const env = process.env;
  const base =
    process.platform === "win32"
      ? env.LOCALAPPDATA || join(homedir(), "AppData", "Local")
      : process.platform === "darwin"
        ? join(homedir(), "Library", "Caches")
        : env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "truecaller-token");
}

export function fileStore(directory = defaultDirectory()) {
  let made = false;
  const path = (key) => {
    if (!made) {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      made = true;
    }
    return join(directory, encodeURIComponent(key));
  };
  // An entry: { value, expiresAt }; an unreadable or expired one counts as absent.
  const read = (key) => {
    try {
      const entry = JSON.parse(readFileSync(path(key), "utf8"));
      return typeof entry.value === "string" && entry.expiresAt > Date.now() ? entry.value : null;
    } catch {
      return null;
    }
  };
  const write = (key, value, ttlMs) => {
    const target = path(key);
    const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const fd = openSync(temporary, "wx", 0o600);
    try {
      writeSync(fd, JSON.stringify({ value, expiresAt: Date.now() + Number(ttlMs) }));
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  };
  const remove = (key) => {
    try {
      unlinkSync(path(key));
    } catch (e) {
      if (e.code !== "ENOENT") throw e;
    }
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // Runs `work` holding `<key>.lock` (exclusive create; a stale lock is taken over).
  const locked = async (key, work) => {
    const lock = path(key) + ".lock";
    const started = Date.now();
    for (;;) {
      try {
        closeSync(openSync(lock, "wx", 0o600));
        break;
      } catch (e) {
        if (e.code !== "EEXIST") throw e;
        try {
          if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) unlinkSync(lock);
        } catch {}
        if (Date.now() - started > LOCK_WAIT_MS) throw new Error("truecaller-token: the file store's lock is busy");
        await sleep(5 + Math.random() * 20);
      }
    }
    try {
      return work();
    } finally {
      try {
        unlinkSync(lock);
      } catch {}
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
      remove(key);
    },
    claim: (key, owner, ttlMs) =>
      locked(key, () => {
        const holder = read(key);
        if (holder !== null) return holder === String(owner);
        write(key, String(owner), ttlMs);
        return true;
      }),
    release: (key, owner) =>
      locked(key, () => {
        if (read(key) === String(owner)) remove(key);
      }),
    reserve: (key, limit, windowMs, now) =>
      locked(key, () => {
        const [wait, ...window] = __reserveSlot(times(read(key)), Number(limit), Number(windowMs), Number(now));
        if (wait === 0) write(key, JSON.stringify(window), windowMs);
        return wait;
      }),
  };
}
