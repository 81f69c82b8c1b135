// The error class of truecaller-token. Rust builds every rejection with it, so
// `err instanceof TruecallerError` and `err instanceof Error` both hold.
export class TruecallerError extends Error {
  constructor(code, message, status, slug, retryAfterMs) {
    super(message);
    this.code = code;
    if (status !== undefined) this.status = status;
    if (slug !== undefined) this.slug = slug;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}
Object.defineProperty(TruecallerError.prototype, "name", {
  value: "TruecallerError",
  writable: true,
  configurable: true,
});
