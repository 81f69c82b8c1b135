/** The production endpoint's origin. */
export const DEFAULT_BASE_URL: string;

/** One call of the endpoint: no cache, no retry. */
export function requestToken(options: RequestTokenOptions): Promise<AccessToken>;

/** A cached, self-refreshing, quota-aware source of access tokens. */
export class TokenClient {
  /** Validates the options; bad ones throw a TruecallerError with code "invalid_options". */
  constructor(options: TokenClientOptions);
  /** The current token, minting one when needed. */
  getToken(): Promise<string>;
  /** The current token with its createdAt and expiresAt. */
  getAccessToken(): Promise<AccessToken>;
  /** "Bearer <token>". */
  authorizationHeader(): Promise<string>;
  /**
   * fetch with Authorization: Bearer <token>; a 401 re-mints and retries once when the body can be
   * replayed (at most once per token, and only while the quota has a free slot; otherwise the 401
   * comes back). `init.signal` (or the Request's) also ends the wait for a token.
   * `input` is the DOM's `RequestInfo | URL`, spelled `Request | string | URL`: @types/node declares
   * Request, RequestInit and Response globally but not RequestInfo (a project without the DOM lib).
   */
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>;
  /** Forgets the cached token (and its stored copy); the next call mints a new one. */
  invalidate(): void;
  /** The local quota window. */
  quota(): Quota;
}

/** Options of one token request. */
export interface RequestTokenOptions {
  /** Client account UUID, from the "Manage API Keys" page. */
  clientAccountId: string;
  /** Key UUID. */
  keyId: string;
  /** API key UUID; a secret, never logged or put in an error. */
  apiKey: string;
  /** Default DEFAULT_BASE_URL; https only, except loopback hosts. */
  baseUrl?: string;
  /** Default 10000; 0 = no timeout. */
  timeoutMs?: number;
  /** Cancels the request. */
  signal?: AbortSignal;
  /** Injected fetch (proxies, tests); default: the global fetch. */
  fetch?: typeof fetch;
}

/** A token and when it expires. */
export interface AccessToken {
  /** The bearer token. */
  readonly token: string;
  /** The server's created_at, verbatim. */
  readonly createdAt: string;
  /** Epoch ms: local receive time + 60 min. */
  readonly expiresAt: number;
}

/** Options of a TokenClient. */
export interface TokenClientOptions extends RequestTokenOptions {
  /** Refresh in the background this long before expiry; default 120000. */
  refreshWindowMs?: number;
  /** Retries of network, timeout, 5xx and 429 failures; default 1. */
  maxRetries?: number;
  /** Requests allowed per quota window; default 10. */
  quotaLimit?: number;
  /** Quota window length; default 1800000. */
  quotaWindowMs?: number;
  /** Shared cache across isolates or processes. */
  store?: TokenStore;
  /** Clock in epoch ms; default Date.now. */
  now?: () => number;
  /**
   * Workers: `ctx.waitUntil.bind(ctx)`. Receives every background refresh and store write, so a
   * request that ends does not cancel them.
   */
  waitUntil?: (work: Promise<unknown>) => void;
}

/** The local request quota. */
export interface Quota {
  limit: number;
  windowMs: number;
  used: number;
  remaining: number;
  /** Epoch ms when the oldest counted request leaves the window. */
  resetAt: number | null;
}

/** A shared cache (KV, Redis, a Map); each method may return a value or a Promise. */
export interface TokenStore {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string, ttlMs: number): void | Promise<void>;
  delete?(key: string): void | Promise<void>;
  /** Optional, atomic: set `key` to `owner` for ttlMs if absent (a lease); true if this caller holds it now. */
  claim?(key: string, owner: string, ttlMs: number): boolean | Promise<boolean>;
  /** Optional: delete `key` only if it still holds `owner`. */
  release?(key: string, owner: string): void | Promise<void>;
  /**
   * Optional, atomic: count one request in the sliding window `key` if fewer than `limit` fall
   * within the last windowMs; returns 0 when counted, else ms until a slot frees.
   */
  reserve?(key: string, limit: number, windowMs: number, now: number): number | Promise<number>;
}

/** The commands redisStore sends: a node-redis v4/v5 client (`sendCommand`) or an ioredis one (`call`). */
export type RedisLike =
  | { sendCommand(args: string[]): Promise<unknown> }
  | { call(command: string, ...args: (string | number)[]): Promise<unknown> };

/** A Workers KV namespace binding, as far as kvStore uses it. */
export interface KVNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A Durable Object namespace bound to TokenBroker, as far as brokerStore uses it. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: never): unknown;
  getByName?(name: string): unknown;
}

/** The RPC methods of a TokenBroker. */
export interface TokenBrokerStub {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  claim(key: string, owner: string, ttlMs: number): Promise<boolean>;
  release(key: string, owner: string): Promise<void>;
  reserve(key: string, limit: number, windowMs: number, now: number): Promise<number>;
}

/**
 * A Redis-backed store for a fleet of Node processes: claim = SET NX PX, release =
 * compare-and-delete, reserve = one atomic script on a sorted set. Keys get `prefix` in front.
 */
export function redisStore(client: RedisLike, options?: { prefix?: string }): TokenStore;

/**
 * A Workers KV store: a shared cache only (KV is eventually consistent: no claim or reserve).
 * Use brokerStore to coordinate a fleet of isolates.
 */
export function kvStore(namespace: KVNamespaceLike): TokenStore;

/**
 * Node only: a store for one host's processes (cluster, PM2, the command line) in `directory`
 * (default: truecaller-token in the user's cache dir), files written 0600 by rename.
 */
export function fileStore(directory?: string): TokenStore;

/**
 * Workers entry only: the store methods through the TokenBroker Durable Object of the account.
 * Throws a TypeError when `namespace` is not a Durable Object namespace (a missing binding).
 */
export function brokerStore(namespace: DurableObjectNamespaceLike): TokenStore;

/**
 * Workers entry only: a Durable Object class (extends DurableObject from "cloudflare:workers"),
 * one object per account, holding the token, the lease and the quota window in its storage.
 */
export class TokenBroker implements TokenBrokerStub {
  constructor(ctx: unknown, env: unknown);
  /** The brand @cloudflare/workers-types gives a Durable Object class (a type only), so a
   * `DurableObjectNamespace<TokenBroker>` binding type-checks. */
  __DURABLE_OBJECT_BRAND: never;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  claim(key: string, owner: string, ttlMs: number): Promise<boolean>;
  release(key: string, owner: string): Promise<void>;
  reserve(key: string, limit: number, windowMs: number, now: number): Promise<number>;
}

/** The stable codes of TruecallerError. */
export type ErrorCode =
  | "invalid_options"
  | "bad_request"
  | "unauthorized"
  | "rate_limited"
  | "quota_exhausted"
  | "server_error"
  | "unexpected_status"
  | "invalid_response"
  | "network"
  | "timeout"
  | "aborted";

/** Every failure of this package. */
export class TruecallerError extends Error {
  /** The package creates these; the arguments are those of its properties. */
  constructor(code: ErrorCode, message: string, status?: number, slug?: string, retryAfterMs?: number);
  name: "TruecallerError";
  /** Stable error code. */
  code: ErrorCode;
  /** HTTP status, when there was a response. */
  status?: number;
  /** Upstream error slug, when the body had one. */
  slug?: string;
  /** For rate_limited and quota_exhausted: ms to wait before trying again. */
  retryAfterMs?: number;
}
