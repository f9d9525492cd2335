// Baseline (b), the floor of the work: GET /api/training/snapshots/<id> and
// GET /v1/api/conversations/<id>, each answered with ONE hand-written D1 statement that builds
// the same JSON document inside SQLite (no auth, no validation, no framework). Our endpoints are
// measured against this.
const ORG = "65a0e0e0e0e0e0e0e0e0e0e0";
const iso = (column) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`;

const SQL = `
SELECT json_object(
  '_id', s.id,
  'organizationId', s.organization_id,
  'userId', CASE WHEN u.id IS NULL THEN NULL ELSE json_object(
    '_id', u.id, 'firstName', u.first_name, 'lastName', u.last_name, 'email', u.email) END,
  'contactId', CASE WHEN c.id IS NULL THEN NULL ELSE json_object(
    '_id', c.id, 'firstName', c.first_name, 'lastName', c.last_name,
    'phoneNumber', c.phone_number, 'email', c.email, 'channelType', c.channel_type) END,
  'customerName', s.customer_name,
  'customerPhone', s.customer_phone,
  'customerEmail', s.customer_email,
  'messages', (SELECT json_group_array(json_object(
      'id', m.message_id, 'content', m.content, 'sender', m.sender,
      'senderType', m.sender_type, 'timestamp', ${iso("m.timestamp")}))
    FROM (SELECT * FROM training_snapshot_messages
          WHERE snapshot_id = s.id ORDER BY position) AS m),
  'messageCount', s.message_count,
  'snapshotDate', ${iso("s.snapshot_date")},
  'conversationStartDate', ${iso("s.conversation_start_date")},
  'conversationEndDate', ${iso("s.conversation_end_date")},
  'notes', s.notes,
  'tags', json(s.tags),
  'quality', s.quality,
  'category', s.category,
  'isArchived', json(CASE WHEN s.is_archived THEN 'true' ELSE 'false' END),
  'createdAt', ${iso("s.created_at")},
  'updatedAt', ${iso("s.updated_at")}
) AS body
FROM training_snapshots s
LEFT JOIN users u ON u.id = s.user_id
LEFT JOIN contacts c ON c.id = s.contact_id
WHERE s.organization_id = ?1 AND s.id = ?2`;

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
    if (path.startsWith("/v1/api/conversations/")) {
      const row = await env.DB.prepare(CONVERSATION_SQL).bind(ORG, id).first();
      if (!row) return new Response('{"error":{}}', { status: 404 });
      return new Response(row.body, { headers: { "content-type": "application/json" } });
    }
    const row = await env.DB.prepare(SQL).bind(ORG, id).first();
    if (!row) return new Response('{"success":false}', { status: 404 });
    return new Response(`{"success":true,"data":${row.body}}`, {
      headers: { "content-type": "application/json" },
    });
  },
};
