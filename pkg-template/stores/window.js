// The fleet's quota window as the package's own stores keep it: a JSON array of request times.
// Anything else reads as an empty window; what a reservation does to it is the Rust core's
// (__reserveSlot).
export function requestTimes(stored) {
  try {
    const parsed = JSON.parse(stored);
    return Float64Array.from(Array.isArray(parsed) ? parsed.filter(Number.isFinite) : []);
  } catch {
    return new Float64Array();
  }
}
