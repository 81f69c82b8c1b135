// Workers KV as a TokenStore: a shared cache only. KV is eventually consistent (a write takes
// up to 60 s to reach other locations, and a miss is cached too), so it has no claim or
// reserve: coordinate a fleet of isolates with brokerStore (./broker.js).
export function kvStore(namespace) {
  return {
    get: (key) => namespace.get(key),
    // KV's smallest expirationTtl is 60 s; the stored JSON carries its own expiresAt anyway.
    set: (key, value, ttlMs) => namespace.put(key, value, { expirationTtl: Math.max(60, Math.ceil(ttlMs / 1000)) }),
    delete: (key) => namespace.delete(key),
  };
}
