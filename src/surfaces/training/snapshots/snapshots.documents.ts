import { type SQL, sql } from "drizzle-orm";
import {
  type BoundValue,
  boolSql,
  isoOrNullSql,
  isoSql,
  textOrNullSql,
} from "../../../platform/db/json-sql";

/** The document's expression over `s` (snapshot), `u` (creator), `k` (contact). */
const snapshotObject = sql`json_object(
    '_id', s.id, 'organizationId', s.organization_id,
    'userId', json(case when u.id is null then null else json_object(
      '_id', u.id, 'firstName', u.first_name, 'lastName', u.last_name, 'email', u.email) end),
    'contactId', json(case when k.id is null then null else json_object(
      '_id', k.id, 'firstName', k.first_name, 'lastName', ${textOrNullSql("k.last_name")},
      'phoneNumber', ${textOrNullSql("k.phone_number")}, 'email', ${textOrNullSql("k.email")},
      'channelType', k.channel_type) end),
    'customerName', ${textOrNullSql("s.customer_name")},
    'customerPhone', ${textOrNullSql("s.customer_phone")},
    'customerEmail', ${textOrNullSql("s.customer_email")},
    'messages', (select json_group_array(json_object('id', m.message_id, 'content', m.content,
        'sender', m.sender, 'senderType', m.sender_type, 'timestamp', ${isoSql("m.timestamp")}))
      from (select message_id, content, sender, sender_type, timestamp
        from training_snapshot_messages
        where snapshot_id = s.id and organization_id = s.organization_id
        order by position) m),
    'messageCount', (select count(*) from training_snapshot_messages m
      where m.snapshot_id = s.id and m.organization_id = s.organization_id),
    'snapshotDate', ${isoSql("s.snapshot_date")},
    'conversationStartDate', ${isoOrNullSql("s.conversation_start_date")},
    'conversationEndDate', ${isoOrNullSql("s.conversation_end_date")},
    'notes', ${textOrNullSql("s.notes")}, 'tags', json(s.tags), 'quality', s.quality,
    'category', ${textOrNullSql("s.category")}, 'isArchived', ${boolSql("s.is_archived")},
    'createdAt', ${isoSql("s.created_at")}, 'updatedAt', ${isoSql("s.updated_at")})`;

const snapshotFrom = (
  organizationId: BoundValue,
  snapshotId: BoundValue,
) => sql`from training_snapshots s
  left join users u on u.id = s.user_id and u.organization_id = s.organization_id
  left join contacts k on k.id = s.contact_id and k.organization_id = s.organization_id
  where s.id = ${snapshotId} and s.organization_id = ${organizationId}`;

/**
 * A snapshot as `GET /api/training/snapshots/{id}` returns it (its `data`), built inside
 * SQLite, as a scalar subquery: for webhook events written in the same batch as the change.
 * It equals `shapeSnapshot`'s document byte for byte; the tests compare the two.
 */
export const snapshotDocumentSql = (organizationId: BoundValue, snapshotId: BoundValue): SQL =>
  sql`(select ${snapshotObject} ${snapshotFrom(organizationId, snapshotId)})`;

/** The GET's one statement: `{ version, doc }` (doc: the `data` JSON text), or no row. */
export const snapshotDocumentSelect = (organizationId: BoundValue, snapshotId: BoundValue): SQL =>
  sql`select s.version as version, ${snapshotObject} as doc ${snapshotFrom(organizationId, snapshotId)}`;
