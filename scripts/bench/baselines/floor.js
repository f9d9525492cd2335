// Baseline (b), the floor of the work: GET /api/training/snapshots/<id> and
// GET /v1/api/conversations/<id>, each answered with ONE hand-written D1 statement that builds
// the same JSON document inside SQLite (no auth, no validation, no framework). Our endpoints are
// measured against this.
//
// Baseline (c) is the same Worker with the platform services the API uses on every request
// switched on (wrangler.floor-services.toml sets SERVICES=1 and adds static assets in front):
// one Rate Limiting binding call and a D1 session. What is left between (c) and the API is
// what this repository's code costs.
import { iso, ORG, SQL } from "./floor-sql.js";

// The same for GET /v1/api/conversations/<id>: the conversation with its customer and messages.
const CONVERSATION_SQL = `
SELECT json_object(
  '_id', c.id, 'userId', c.user_id, 'pathwayId', c.pathway_id, 'agentId', c.agent_id,
  'customer', json_object('name', k.first_name || ' ' || k.last_name, 'email', k.email,
    'phone', k.phone_number),
  'messages', (SELECT json_group_array(json_object(
      'direction', m.direction, 'sent', json(CASE WHEN m.sent THEN 'true' ELSE 'false' END),
      'message', m.message, 'status', m.status, '_id', m.id,
      'createdAt', ${iso("m.created_at")}, 'updatedAt', ${iso("m.updated_at")}))
    FROM (SELECT * FROM messages WHERE conversation_id = c.id
          ORDER BY created_at, id) AS m),
  'createdAt', ${iso("c.created_at")},
  'updatedAt', ${iso("c.updated_at")}
) AS body
FROM conversations c
JOIN contacts k ON k.id = c.contact_id
WHERE c.organization_id = ?1 AND c.id = ?2`;

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    const id = path.split("/").pop();
    const services = env.SERVICES === "1";
    if (services) {
      const { success } = await env.API_RATE_LIMITER.limit({ key: "bench" });
      if (!success) return new Response('{"success":false}', { status: 429 });
    }
    const db = services ? env.DB.withSession("first-unconstrained") : env.DB;
    if (path.startsWith("/v1/api/conversations/")) {
      const row = await db.prepare(CONVERSATION_SQL).bind(ORG, id).first();
      if (!row) return new Response('{"error":{}}', { status: 404 });
      return new Response(row.body, { headers: { "content-type": "application/json" } });
    }
    const row = await db.prepare(SQL).bind(ORG, id).first();
    if (!row) return new Response('{"success":false}', { status: 404 });
    return new Response(`{"success":true,"data":${row.body}}`, {
      headers: { "content-type": "application/json" },
    });
  },
};
