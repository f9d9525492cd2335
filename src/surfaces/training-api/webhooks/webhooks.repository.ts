import { and, eq, sql } from "drizzle-orm";
import { answerOf, type Database } from "../../../platform/db/client";
import { documentById } from "../../../platform/db/document-by-id";
import * as keyset from "../../../platform/db/keyset";
import { renderedOnce, renderedPerShape } from "../../../platform/db/rendered-once";
import type { RequestDatabase } from "../../../platform/db/request-database";
import { webhookDeliveries, webhookEndpoints } from "../../../platform/db/schema";
import type { Outbox } from "../../../platform/events/outbox";
import {
  createdWebhookDoc,
  deliveryJson,
  rotatedSecretDoc,
  selectWebhookDocument,
  webhookDoc,
} from "./webhooks.document";
import { MAX_WEBHOOKS, type WebhookChanges } from "./webhooks.schemas";

/*
 * The webhook endpoints' reads and writes, each one D1 round trip; their answers are the
 * documents of webhooks.document.ts, as JSON text.
 */

const e = webhookEndpoints;
const d = webhookDeliveries;

/** A list page's row: the document and its cursor position. */
export type ListRow = { doc: string; createdAt: number; id: string };

const ofOrganization = (organizationId: string, id: string) =>
  and(eq(e.organizationId, organizationId), eq(e.id, id));

export type NewWebhook = typeof webhookEndpoints.$inferInsert & { createdAt: number };

/**
 * The endpoint, unless the organization already has `MAX_WEBHOOKS`: the count and the insert
 * are one statement, so two concurrent creations cannot both pass the limit. Its answer is the
 * create document (with the secret); undefined if full.
 */
export async function insertWebhook(db: Database, row: NewWebhook): Promise<string | undefined> {
  const inserted = await answerOf(
    db,
    db
      .insert(e)
      .select(
        db
          .select({
            id: sql<string>`${row.id}`.as("id"),
            organizationId: sql<string>`${row.organizationId}`.as("organization_id"),
            url: sql<string>`${row.url}`.as("url"),
            events: sql<string>`${JSON.stringify(row.events)}`.as("events"),
            description: sql<string | null>`${row.description ?? null}`.as("description"),
            enabled: sql<number>`${row.enabled === false ? 0 : 1}`.as("enabled"),
            secret: sql<string>`${row.secret}`.as("secret"),
            previousSecret: sql<null>`null`.as("previous_secret"),
            previousSecretExpiresAt: sql<null>`null`.as("previous_secret_expires_at"),
            createdAt: sql<number>`${row.createdAt}`.as("created_at"),
            updatedAt: sql<number>`${row.createdAt}`.as("updated_at"),
          })
          .from(sql`(select 1)`)
          .where(
            sql`(select count(*) from ${e} where ${e.organizationId} = ${row.organizationId}) < ${MAX_WEBHOOKS}`,
          ),
      )
      .returning(createdWebhookDoc),
  );
  return inserted[0]?.doc;
}

/** The GET's read: one statement, rendered once per isolate. */
const webhookDocument = documentById(selectWebhookDocument);

/** The statement `findWebhookDocument` runs, for EXPLAIN QUERY PLAN checks. */
export const webhookDocumentQuery = webhookDocument.query;

/** One endpoint's document (JSON text), or null: one round trip, the caller's check inside it. */
export const findWebhookDocument = webhookDocument.find;

/** A page of the organization's endpoints, newest first. */
const pageStatement = renderedPerShape<keyset.PageValues & { organizationId: string }>((db, p) => {
  const page = keyset.page(e.createdAt, e.id, p);
  return db
    .select({ ...webhookDoc, ...page.position })
    .from(e)
    .where(and(eq(e.organizationId, p.organizationId), ...page.range))
    .orderBy(...page.order)
    .limit(page.limit);
});

/** A page of the organization's endpoints: each one's document and its cursor position. */
export const listWebhooks = (
  db: RequestDatabase,
  organizationId: string,
  position: keyset.CursorPosition | undefined,
  limit: number,
) => db.readPage<ListRow>(pageStatement({ organizationId, ...keyset.values(position, limit) }));

/** Applies the changes and answers the endpoint's document as it is now; undefined if none. */
export async function updateWebhook(
  db: Database,
  organizationId: string,
  id: string,
  changes: WebhookChanges,
  now: number,
): Promise<string | undefined> {
  const rows = await answerOf(
    db,
    db
      .update(e)
      .set({ ...changes, updatedAt: sql`max(${e.updatedAt} + 1, ${now})` })
      .where(ofOrganization(organizationId, id))
      .returning(webhookDoc),
  );
  return rows[0]?.doc;
}

/** Deletes the endpoint; its delivery records go with it, its events stay until pruned. */
export async function deleteWebhook(db: Database, organizationId: string, id: string) {
  const rows = await answerOf(
    db,
    db.delete(e).where(ofOrganization(organizationId, id)).returning({ id: e.id }),
  );
  return rows.length > 0;
}

/**
 * A new signing secret; the current one keeps signing too until `previousExpiresAt`, so a
 * receiver can switch without rejecting a delivery. Rotating again within the grace period
 * replaces the previous secret (the oldest one stops signing at once). Answers the rotation's
 * document (the new secret, shown once); undefined when there is no such endpoint.
 */
export async function rotateSecret(
  db: Database,
  organizationId: string,
  id: string,
  secret: string,
  previousExpiresAt: number,
  now: number,
): Promise<string | undefined> {
  const rows = await answerOf(
    db,
    db
      .update(e)
      .set({
        previousSecret: sql`${e.secret}`,
        previousSecretExpiresAt: previousExpiresAt,
        secret,
        updatedAt: sql`max(${e.updatedAt} + 1, ${now})`,
      })
      .where(ofOrganization(organizationId, id))
      .returning(rotatedSecretDoc),
  );
  return rows[0]?.doc;
}

/**
 * A `webhook.test` event for this endpoint alone, in the outbox; undefined when there is no
 * such endpoint, `disabled` when it does not receive events.
 */
export async function recordTestEvent(
  db: RequestDatabase,
  outbox: Outbox,
  organizationId: string,
  id: string,
  now: number,
) {
  const data = JSON.stringify({
    webhookId: id,
    message: "A test event: this endpoint receives and verifies deliveries.",
  });
  const [inserted, endpoint] = await outbox.batch(db, [
    outbox.event(db, organizationId, "webhook.test", data, { endpointId: id, now }),
    db.select({ enabled: e.enabled }).from(e).where(ofOrganization(organizationId, id)),
  ]);
  if (!endpoint[0]) return undefined;
  return inserted[0] ? { eventId: inserted[0].id } : ("disabled" as const);
}

/** Whether the organization has the endpoint: a row, or none. */
const endpointExists = renderedOnce(["organizationId", "id"], (db, p) =>
  db
    .select({ id: e.id })
    .from(e)
    .where(and(eq(e.organizationId, p.organizationId), eq(e.id, p.id))),
);

/** A page of an endpoint's delivery attempts, newest first, through (endpoint, created_at, id). */
const deliveryPage = renderedPerShape<keyset.PageValues & { organizationId: string; id: string }>(
  (db, p) => {
    const page = keyset.page(d.createdAt, d.id, p);
    return db
      .select({ doc: sql<string>`${deliveryJson}`.as("doc"), ...page.position })
      .from(d)
      .where(and(eq(d.endpointId, p.id), eq(d.organizationId, p.organizationId), ...page.range))
      .orderBy(...page.order)
      .limit(page.limit);
  },
);

/** The statement of a page of deliveries, for EXPLAIN QUERY PLAN checks. */
export const deliveryPageQuery = (
  organizationId: string,
  id: string,
  position: keyset.CursorPosition | undefined,
  limit: number,
) => deliveryPage({ organizationId, id, ...keyset.values(position, limit) });

/**
 * The page, with whether the endpoint exists (one batch: a 404 costs no second round trip).
 */
export async function listDeliveries(
  db: RequestDatabase,
  organizationId: string,
  id: string,
  position: keyset.CursorPosition | undefined,
  limit: number,
): Promise<ListRow[] | undefined> {
  const [endpoint, rows] = await db.batchStatements([
    endpointExists({ organizationId, id }),
    deliveryPageQuery(organizationId, id, position, limit),
  ]);
  return endpoint?.[0] ? (rows as ListRow[]) : undefined;
}
