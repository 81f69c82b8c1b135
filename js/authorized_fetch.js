// Request plumbing for TokenClient.fetch: which bodies can be sent twice, and
// a copy of (input, init) carrying the Authorization header.

function replayableBody(body) {
  return (
    body == null ||
    typeof body === "string" ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    (typeof URLSearchParams !== "undefined" && body instanceof URLSearchParams) ||
    (typeof Blob !== "undefined" && body instanceof Blob) ||
    (typeof FormData !== "undefined" && body instanceof FormData)
  );
}

function isRequest(input) {
  return typeof Request !== "undefined" && input instanceof Request;
}

// A Request input is cloned for every attempt, so its body can be replayed; a body in
// `init` can be replayed unless it is a stream (or another one-shot iterable).
export function canReplay(input, init) {
  if (init != null && init.body != null) return replayableBody(init.body);
  return true;
}

export function withAuthorization(input, init, authorization) {
  const request = isRequest(input);
  const headers = new Headers(init != null && init.headers !== undefined ? init.headers : request ? input.headers : undefined);
  headers.set("authorization", authorization);
  return [request ? input.clone() : input, { ...init, headers }];
}
