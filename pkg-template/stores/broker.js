// Workers: TokenBroker, a Durable Object per account that keeps the token, the lease and the
// quota window in its transactional storage and answers the TokenStore methods by RPC, and
// brokerStore, the TokenStore that calls it. A Durable Object runs one event's storage
// operations without interleaving another's (input gates), so claim (set-if-absent with a
// TTL, like Redis's SET NX PX) and reserve are atomic; whether a lease is free and what a
// reservation does to the window are decided by the Rust core (__leaseFree, __reserveSlot).
import { DurableObject } from "cloudflare:workers";
import { __leaseFree, __reserveSlot } from "../wasm/truecaller_token.js";
import { requestTimes } from "./window.js";

export class TokenBroker extends DurableObject {
  async get(key) {
    const entry = await this.ctx.storage.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt <= Date.now()) {
      await this.ctx.storage.delete(key);
      return null;
    }
    return entry.value;
  }

  async set(key, value, ttlMs) {
    await this.ctx.storage.put(key, { value: String(value), expiresAt: Date.now() + Number(ttlMs) });
  }

  async delete(key) {
    await this.ctx.storage.delete(key);
  }

  async claim(key, owner, ttlMs) {
    const lease = await this.ctx.storage.get(key);
    if (!__leaseFree(lease?.value, lease ? Number(lease.expiresAt) : 0, String(owner), Date.now())) return false;
    await this.set(key, String(owner), ttlMs);
    return true;
  }

  async release(key, owner) {
    if ((await this.get(key)) === String(owner)) await this.ctx.storage.delete(key);
  }

  async reserve(key, limit, windowMs, now) {
    const [wait, ...window] = __reserveSlot(requestTimes(await this.get(key)), Number(limit), Number(windowMs), Number(now));
    // No expiry of its own: the entries are times on the callers' clocks, which the core prunes.
    if (wait === 0) await this.set(key, JSON.stringify(window), Infinity);
    return wait;
  }
}

// One broker per account: the object named by the store key (without the :lease / :quota suffix).
// A stub is an I/O object of the request that made it, and Workers refuse to use it from another
// request ("Cannot perform I/O on behalf of a different request"); a module-scope client serves
// many requests, so every call makes its own stub (no round trip: getByName only names the object).
export function brokerStore(namespace) {
  // A missing or wrong binding would fail every call, and a failed store only turns the fleet's
  // coordination off (each isolate then mints its own): say so at once instead.
  const byName = typeof namespace?.getByName === "function";
  if (!byName && !(typeof namespace?.idFromName === "function" && typeof namespace?.get === "function")) {
    throw new TypeError(
      `truecaller-token: brokerStore() needs the Durable Object namespace binding of TokenBroker (env.<binding>), not ${namespace === null ? "null" : typeof namespace}`,
    );
  }
  const broker = (key) => {
    const name = String(key).split(":").slice(0, 4).join(":");
    return typeof namespace.getByName === "function" ? namespace.getByName(name) : namespace.get(namespace.idFromName(name));
  };
  return {
    get: (key) => broker(key).get(key),
    set: (key, value, ttlMs) => broker(key).set(key, value, ttlMs),
    delete: (key) => broker(key).delete(key),
    claim: (key, owner, ttlMs) => broker(key).claim(key, owner, ttlMs),
    release: (key, owner) => broker(key).release(key, owner),
    reserve: (key, limit, windowMs, now) => broker(key).reserve(key, limit, windowMs, now),
  };
}
