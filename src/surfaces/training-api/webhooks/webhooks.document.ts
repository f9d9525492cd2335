import { and, eq, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../platform/db/client";
import { bool, embedded, iso, isoOrNull, jsonObject } from "../../../platform/db/json-document";
import { webhookDeliveries, webhookEndpoints } from "../../../platform/db/schema";
import {
  CreatedWebhookResponseSchema,
  DeliverySchema,
  RotatedSecretResponseSchema,
  WebhookSchema,
} from "./webhooks.schemas";

/*
 * The webhook documents, defined once: an endpoint as `GET /api/webhooks/{id}` answers it (also
 * each item of a list page and the `data` of a PATCH answer), the create answer (the endpoint
 * with its signing secret, shown this once), the rotation's answer, and a delivery attempt as
 * `GET …/{id}/deliveries` lists it. Writes answer through their own RETURNING. Keys and their
 * order are their schemas'.
 */

const e = webhookEndpoints;
const d = webhookDeliveries;

const endpointFields = {
  _id: e.id,
  url: e.url,
  events: embedded(e.events),
  description: e.description,
  enabled: bool(e.enabled),
  previousSecretExpiresAt: isoOrNull(e.previousSecretExpiresAt),
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt),
};

/** An endpoint as GET answers it, over `webhook_endpoints`: never a secret. */
export const webhookJson: SQL = jsonObject(WebhookSchema, endpointFields);

/** What a select or a write's RETURNING reads: the document as `doc` (JSON text). */
export const webhookDoc = { doc: sql<string>`${webhookJson}`.as("doc") };

/**
 * The create answer's `{ doc }`, for the insert's RETURNING: the endpoint and its secret. The
 * Worker signs with the secret, so it is stored as is and read here from the row just written;
 * no other document of an endpoint shows it.
 */
export const createdWebhookDoc = {
  doc: sql<string>`${jsonObject(CreatedWebhookResponseSchema.shape.data, {
    ...endpointFields,
    secret: e.secret,
  })}`.as("doc"),
};

/** The rotation's answer, `{ doc }` for the update's RETURNING: the new secret, shown once. */
export const rotatedSecretDoc = {
  doc: sql<string>`${jsonObject(RotatedSecretResponseSchema.shape.data, {
    _id: e.id,
    secret: e.secret,
    previousSecretExpiresAt: iso(e.previousSecretExpiresAt),
  })}`.as("doc"),
};

type Bound = string | Placeholder;

/** One endpoint's `{ doc }`, or no row. */
export const selectWebhookDocument = (db: Database, organizationId: Bound, id: Bound) =>
  db
    .select(webhookDoc)
    .from(e)
    .where(and(eq(e.id, id), eq(e.organizationId, organizationId)));

/** A delivery attempt as the deliveries page lists it, over `webhook_deliveries`. */
export const deliveryJson: SQL = jsonObject(DeliverySchema, {
  _id: d.id,
  eventId: d.eventId,
  type: d.type,
  attempt: d.attempt,
  status: d.status,
  responseStatus: d.responseStatus,
  durationMs: d.durationMs,
  nextAttemptAt: isoOrNull(d.nextAttemptAt),
  createdAt: iso(d.createdAt),
});
