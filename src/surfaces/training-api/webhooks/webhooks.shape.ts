import type { webhookDeliveries, webhookEndpoints } from "../../../platform/db/schema";
import { toIso, toIsoOrNull } from "../../../platform/util/time";

type EndpointRow = Pick<
  typeof webhookEndpoints.$inferSelect,
  | "id"
  | "url"
  | "events"
  | "description"
  | "enabled"
  | "previousSecretExpiresAt"
  | "createdAt"
  | "updatedAt"
>;

/** An endpoint as the API shows it: never its secrets. */
export const shapeWebhook = (row: EndpointRow) => ({
  _id: row.id,
  url: row.url,
  events: row.events,
  description: row.description,
  enabled: row.enabled,
  previousSecretExpiresAt: toIsoOrNull(row.previousSecretExpiresAt),
  createdAt: toIso(row.createdAt),
  updatedAt: toIso(row.updatedAt),
});

type DeliveryRow = Omit<typeof webhookDeliveries.$inferSelect, "organizationId" | "endpointId">;

export const shapeDelivery = (row: DeliveryRow) => ({
  _id: row.id,
  eventId: row.eventId,
  type: row.type,
  attempt: row.attempt,
  status: row.status,
  responseStatus: row.responseStatus,
  durationMs: row.durationMs,
  nextAttemptAt: toIsoOrNull(row.nextAttemptAt),
  createdAt: toIso(row.createdAt),
});
