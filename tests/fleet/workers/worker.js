// What a Workers user writes (the README's snippet): every isolate of the Worker keeps one
// TokenClient, and all of them share the account's TokenBroker Durable Object, so a cold fleet
// mints one token and the account's 10-per-30-minutes quota is counted once for all.
// Secrets: `wrangler secret put TC_CLIENT_ACCOUNT_ID` (and TC_KEY_ID, TC_API_KEY).
import { TokenClient, brokerStore } from "truecaller-token";
export { TokenBroker } from "truecaller-token"; // the Durable Object class, bound in wrangler.toml

let client; // module scope: one per isolate, created on the first request (env is known then)

export default {
  async fetch(request, env, ctx) {
    client ??= new TokenClient({
      clientAccountId: env.TC_CLIENT_ACCOUNT_ID,
      keyId: env.TC_KEY_ID,
      apiKey: env.TC_API_KEY,
      store: brokerStore(env.TOKENS),
      waitUntil: ctx.waitUntil.bind(ctx), // background refreshes and store writes outlive the request
    });
    // client.fetch adds `Authorization: Bearer <token>` (and retries once with a new token on a 401).
    const body = await request.text();
    return client.fetch(env.API_URL, { method: "POST", headers: { "content-type": "application/json" }, body });
  },
};
