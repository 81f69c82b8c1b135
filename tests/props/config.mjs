// Node side of the property suites: the seed, the number of runs and the replay path from the
// environment, and a failure message that says how to reproduce.
//
//   FC_SEED   the seed (default: a fixed one, so `make test` is reproducible; `make fuzz` picks one at random)
//   FC_RUNS   runs per property, scaled per suite (default: modest, so `make test` stays within minutes)
//   FC_PATH   with FC_SEED, replays one counterexample (printed on failure)
//   FC_ONLY   run only the property with this name (printed on failure)
import assert from "node:assert/strict";

export const DEFAULT_SEED = 20260512;
export const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : DEFAULT_SEED;
if (!Number.isSafeInteger(SEED)) throw new Error(`FC_SEED must be an integer, not ${process.env.FC_SEED}`);
const RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : null;
export const PATH = process.env.FC_PATH || undefined;
export const ONLY = process.env.FC_ONLY || undefined;

/** Runs for a property: FC_RUNS scaled by `scale` (a suite's share), else `byDefault`. */
export function runs(byDefault, scale = 1) {
  return RUNS ? Math.max(1, Math.round(RUNS * scale)) : byDefault;
}

/** Whether the property `name` runs (FC_ONLY selects one). */
export function selected(name) {
  return !ONLY || ONLY === name;
}

/** The fast-check parameters for the property `name`. */
export function config(name, numRuns) {
  return { seed: SEED, numRuns, path: ONLY === name || !ONLY ? PATH : undefined };
}

/** Fails with the counterexample and the command that replays it; else reports the runs. */
export function assertSummary(t, name, file, summary) {
  t.diagnostic(`${name}: ${summary.numRuns} runs in ${summary.ms} ms, seed ${summary.seed}`);
  if (!summary.failed) return;
  const replay = `FC_SEED=${summary.seed} FC_PATH=${summary.path} FC_ONLY=${JSON.stringify(name)} node --test ${file}`;
  const text = [
    `property "${name}" failed after ${summary.numRuns} run(s) and ${summary.numShrinks} shrink(s)`,
    `seed ${summary.seed}, path ${summary.path}`,
    `reproduce: ${replay}`,
    `counterexample: ${summary.counterexample}`,
    `error: ${summary.error}`,
  ].join("\n");
  console.error("\n" + text + "\n");
  assert.fail(text);
}

/** Collects unhandled rejections while `fn` runs (fast-check runs are checked one by one). */
export function watchUnhandled() {
  const seen = [];
  const onRejection = (reason) => seen.push(reason);
  process.on("unhandledRejection", onRejection);
  return {
    seen,
    take() {
      return seen.splice(0);
    },
    stop() {
      process.off("unhandledRejection", onRejection);
    },
  };
}
