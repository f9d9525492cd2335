// `npm run bench:platform`: baseline (b)'s GET snapshot statement with the platform's
// per-request services added one at a time (vars from the script), no framework, no auth:
// what the local runtime charges for each, whatever code the Worker runs.
import { ORG, SQL } from "./floor-sql.js";

const FRESHNESS = "select 1 as fresh";

export default {
  async fetch(request, env) {
    const id = new URL(request.url).pathname.split("/").pop();
    if (env.LIMIT === "1") {
      const { success } = await env.API_RATE_LIMITER.limit({ key: "bench" });
      if (!success) return new Response('{"success":false}', { status: 429 });
    }
    const db = env.SESSION === "1" ? env.DB.withSession("first-unconstrained") : env.DB;
    const statements = [db.prepare(SQL).bind(ORG, id)];
    if (env.PRELUDE === "1") statements.unshift(db.prepare(FRESHNESS));
    const results = await db.batch(statements);
    const row = results[results.length - 1].results[0];
    if (!row) return new Response('{"success":false}', { status: 404 });
    return new Response(`{"success":true,"data":${row.body}}`, {
      headers: { "content-type": "application/json" },
    });
  },
};
