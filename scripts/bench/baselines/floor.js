// Baselines (b) and (c), the floor under the API's GET documents: the statement the API sends for
// a document, rendered from the app's own code when the benchmark starts and handed over in the
// DOCUMENTS var (../servers.ts), run on D1 as it is and answered in the API's envelope. Nothing
// of the API runs around it: no router, no authentication, no validation.
//
// LIMIT=1 makes one Rate Limiting call per request and SESSION=1 runs the statement in a D1
// session, as the API does on every request; both on, with the static assets in front that
// wrangler.floor-services.toml adds, is baseline (c).

/** Stands for the requested id among a statement's parameters. */
const ID = "{id}";
let documents;

export default {
  async fetch(request, env) {
    documents ??= JSON.parse(env.DOCUMENTS);
    const path = new URL(request.url).pathname;
    const document = documents.find((d) => path.startsWith(d.path));
    if (!document) return new Response("not found", { status: 404 });
    if (env.LIMIT === "1") {
      const { success } = await env.API_RATE_LIMITER.limit({ key: "bench" });
      if (!success) return new Response("rate limited", { status: 429 });
    }
    const db = env.SESSION === "1" ? env.DB.withSession("first-unconstrained") : env.DB;
    const id = path.slice(document.path.length);
    const params = document.params.map((p) => (p === ID ? id : p));
    const row = await db
      .prepare(document.sql)
      .bind(...params)
      .first();
    if (!row) return new Response("not found", { status: 404 });
    return new Response(`${document.before}${row.doc}${document.after}`, {
      headers: { "content-type": "application/json" },
    });
  },
};
