import { primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/*
 * Who listens to what: a row per enabled webhook endpoint and event type it subscribes to, kept
 * by triggers from `webhook_endpoints` inside the statement that changes an endpoint
 * (migrations/0012_webhook_listeners.sql). Whether an organization listens to a type is then a
 * lookup of its primary key (organization, type, endpoint). Derived like the full-text indexes:
 * declared here for queries only, outside schema.ts, so drizzle-kit never manages it and a move
 * between shards never copies it (copying the endpoints rebuilds it).
 */
export const webhookListeners = sqliteTable(
  "webhook_listeners",
  {
    organizationId: text("organization_id").notNull(),
    type: text("type").notNull(),
    endpointId: text("endpoint_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.type, t.endpointId] })],
);
