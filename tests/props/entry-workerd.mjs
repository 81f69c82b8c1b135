// workerd: a Worker that runs the property against the package's workerd entry (aliased as
// "truecaller-token" at bundle time) and answers with the summary as JSON.
import * as lib from "truecaller-token";
import { run } from "./runtime-entry.mjs";

export default {
  async fetch(request) {
    return Response.json(await run(lib, await request.json()));
  },
};
