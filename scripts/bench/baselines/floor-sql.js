// Baseline (b)'s GET snapshot statement, shared by floor.js and platform.js (a Worker module's
// named exports are entrypoints to workerd, so constants live in their own module).
export const ORG = "65a0e0e0e0e0e0e0e0e0e0e0";
export const iso = (column) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`;

export const SQL = `
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
