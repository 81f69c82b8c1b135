// Redis as a TokenStore for a fleet of processes. It takes the user's own client, node-redis
// v4/v5 (`sendCommand(args)`) or ioredis (`call(...args)`), and sends raw commands, so no Redis
// library is a dependency. claim = SET NX PX; release and reserve are one atomic script each.

// Deletes the lease only if it still holds this owner.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

// The sliding window of request times, a sorted set scored by time: drop what left the
// window, count this request if there is room (0), else answer the ms until a slot frees.
const RESERVE = `
local limit, window, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  -- Kept twice the window on Redis's clock: the scores are the callers' times.
  redis.call('PEXPIRE', KEYS[1], math.ceil(2 * window))
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, math.ceil(tonumber(oldest[2]) + window - now))`;

export function redisStore(client, options = {}) {
  const prefix = options.prefix ?? "";
  // ioredis has a `sendCommand` too, but it takes a Command object: `call` first. Async, so that
  // a client that throws (or returns a non-promise) answers with a rejection, as every store call.
  const send =
    typeof client.call === "function"
      ? async (...args) => client.call(...args.map(String))
      : async (...args) => client.sendCommand(args.map(String));
  const script = (source, key, ...args) => send("EVAL", source, 1, prefix + key, ...args);
  const ms = (ttlMs) => Math.max(1, Math.ceil(ttlMs));
  return {
    get: (key) => send("GET", prefix + key),
    set: (key, value, ttlMs) => send("SET", prefix + key, value, "PX", ms(ttlMs)).then(() => {}),
    delete: (key) => send("DEL", prefix + key).then(() => {}),
    async claim(key, owner, ttlMs) {
      if ((await send("SET", prefix + key, owner, "NX", "PX", ms(ttlMs))) !== null) return true;
      return (await send("GET", prefix + key)) === owner;
    },
    release: (key, owner) => script(RELEASE, key, owner).then(() => {}),
    reserve: (key, limit, windowMs, now) =>
      script(RESERVE, key, limit, windowMs, now, `${now}:${Math.random().toString(36).slice(2)}`).then(Number),
  };
}
