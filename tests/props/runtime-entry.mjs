// The answers property (b) for the other runtimes, bundled with fast-check by esbuild (see
// runtimes.test.mjs): `run(lib, config)` runs it against a package entry and returns the summary.
import * as fc from "fast-check";
import { runAnswers } from "./answers.mjs";

const unhandled = [];
globalThis.addEventListener?.("unhandledrejection", (e) => {
  let text;
  try {
    text = e.reason instanceof Error ? `${e.reason.name}: ${e.reason.message}` : String(e.reason);
  } catch {
    text = "<unprintable>";
  }
  unhandled.push(text);
});

export function run(lib, config) {
  const opts = { margin: config.margin, strictTiming: false, unhandled: () => unhandled.splice(0) };
  return runAnswers(fc, lib, opts, config);
}
