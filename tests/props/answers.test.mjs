// Property (b) in Node: hostile answers from an injected fetch (see answers.mjs), against the
// built package (build/pkg/node.mjs). Seeded: FC_SEED, FC_RUNS, FC_PATH, FC_ONLY (config.mjs).
import { test } from "node:test";
import { inspect } from "node:util";
import * as fc from "fast-check";
import { requestToken, TruecallerError } from "../../build/pkg/node.mjs";
import { runAnswers } from "./answers.mjs";
import { runs, selected, config, assertSummary, watchUnhandled } from "./config.mjs";

const FILE = "tests/props/answers.test.mjs";
const NAME = "hostile answers (node)";

test(NAME, { skip: !selected(NAME), timeout: 30 * 60_000 }, async (t) => {
  const unhandled = watchUnhandled();
  try {
    const summary = await runAnswers(
      fc,
      { requestToken, TruecallerError },
      { inspect, margin: 300, strictTiming: true, unhandled: unhandled.take },
      config(NAME, runs(400)),
    );
    assertSummary(t, NAME, FILE, summary);
  } finally {
    unhandled.stop();
  }
});
