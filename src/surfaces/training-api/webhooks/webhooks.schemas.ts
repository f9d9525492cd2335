import { z } from "@hono/zod-openapi";
import { SUBSCRIBABLE_EVENT_TYPES, WEBHOOK_EVENT_TYPES } from "../../../platform/db/schema";
import { webhookDeliveryColumns, webhookEndpointColumns } from "../../../platform/db/zod";
import {
  CursorQuerySchema,
  IsoDateSchema,
  idParamsSchema,
  LimitQuerySchema,
  ObjectIdSchema,
} from "../../../platform/http/schemas";
import { dataSchema, listResponseSchema } from "../envelope";

/** Endpoints per organization. */
export const MAX_WEBHOOKS = 20;
export const MAX_URL_LENGTH = 2048;

export const WebhookParamsSchema = idParamsSchema("6790a0b0c0d0e0f0a0b0c0d0");

const EventTypeSchema = z
  .enum(SUBSCRIBABLE_EVENT_TYPES)
  .openapi({ example: "conversation.message.created" });
const EventsSchema = z
  .array(EventTypeSchema)
  .min(1)
  .max(SUBSCRIBABLE_EVENT_TYPES.length)
  .refine((events) => new Set(events).size === events.length, {
    message: "must not repeat an event type",
    params: { rule: "unique" },
  })
  .openapi({
    description: `The event types to receive: ${SUBSCRIBABLE_EVENT_TYPES.map((t) => `\`${t}\``).join(", ")}.`,
    example: ["conversation.created", "conversation.message.created"],
  });
const UrlSchema = z.string().trim().min(1).max(MAX_URL_LENGTH).openapi({
  description:
    "An https URL of a public host. Loopback, private, link-local and reserved addresses, credentials in the URL and other schemes are refused. Stored as parsed (percent-encoded), and at most 2,048 characters as stored too.",
  example: "https://hooks.example.com/edge",
});
const DescriptionSchema = z
  .string()
  .trim()
  .max(500)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .regex(/^[^\u0000-\u0009\u000b-\u001f\u007f]*$/, "must not contain control characters")
  // Blank means none: stored and shown as null.
  .transform((text) => (text === "" ? null : text))
  .nullable()
  .openapi({ example: "CRM sync" });

export const CreateWebhookBodySchema = z
  .strictObject({
    url: UrlSchema,
    events: EventsSchema,
    description: DescriptionSchema.optional(),
    enabled: z.boolean().optional().openapi({ description: "Default `true`." }),
  })
  .openapi("CreateWebhook");

export const UpdateWebhookBodySchema = z
  .strictObject({
    url: UrlSchema.optional(),
    events: EventsSchema.optional(),
    description: DescriptionSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: "must change at least one of url, events, description, enabled",
    params: { rule: "not_empty" },
  })
  .openapi("UpdateWebhook");

export type WebhookChanges = z.output<typeof UpdateWebhookBodySchema>;

export const WebhookSchema = z
  .object({
    _id: ObjectIdSchema.openapi({ example: "6790a0b0c0d0e0f0a0b0c0d0" }),
    url: webhookEndpointColumns.url.openapi({ example: "https://hooks.example.com/edge" }),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    description: webhookEndpointColumns.description.openapi({ example: "CRM sync" }),
    enabled: webhookEndpointColumns.enabled,
    previousSecretExpiresAt: IsoDateSchema.nullable().openapi({
      description:
        "After a secret rotation: until then, deliveries are also signed with the previous secret.",
    }),
    createdAt: IsoDateSchema,
    updatedAt: IsoDateSchema,
  })
  .openapi("Webhook", {
    description: "Where the organization's events are delivered. Never the secret.",
  });

const SecretSchema = z.string().openapi({
  description:
    "The signing secret (`whsec_` + base64 of 32 bytes). Shown here once and never again: store it now.",
  example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
});

export const WebhookEnvelopeSchema = dataSchema(WebhookSchema, "WebhookResponse");

export const CreatedWebhookResponseSchema = z
  .object({ success: z.literal(true), data: WebhookSchema.extend({ secret: SecretSchema }) })
  .openapi("CreatedWebhook");

export const RotatedSecretResponseSchema = z
  .object({
    success: z.literal(true),
    data: z.object({
      _id: ObjectIdSchema,
      secret: SecretSchema,
      previousSecretExpiresAt: IsoDateSchema,
    }),
  })
  .openapi("RotatedWebhookSecret");

export const TestEventResponseSchema = z
  .object({
    success: z.literal(true),
    data: z.object({
      eventId: z.string().openapi({ example: "evt_6790a0b0c0d0e0f0a0b0c0d1" }),
    }),
  })
  .openapi("WebhookTestEvent");

const _pagination = z.object({
  nextCursor: z.string().nullable(),
  hasMore: z.boolean(),
  limit: z.number().int(),
});

export const WebhookListResponseSchema = listResponseSchema(WebhookSchema, "WebhookList");

export const ListQuerySchema = z.strictObject({
  limit: LimitQuerySchema,
  cursor: CursorQuerySchema,
});

export const DeliverySchema = z
  .object({
    _id: ObjectIdSchema,
    eventId: webhookDeliveryColumns.eventId.openapi({ example: "evt_6790a0b0c0d0e0f0a0b0c0d1" }),
    type: z.enum(WEBHOOK_EVENT_TYPES),
    attempt: webhookDeliveryColumns.attempt.openapi({ example: 1 }),
    status: webhookDeliveryColumns.status.openapi({
      description:
        "`pending` while the attempt is under way, `succeeded` (a 2xx answer), `failed` (anything else; `nextAttemptAt` says when the next attempt is, null after the last).",
    }),
    responseStatus: webhookDeliveryColumns.responseStatus.openapi({
      description: "The receiver's HTTP status; null when it did not answer (timeout, network).",
      example: 200,
    }),
    durationMs: webhookDeliveryColumns.durationMs.openapi({ example: 84 }),
    nextAttemptAt: IsoDateSchema.nullable(),
    createdAt: IsoDateSchema,
  })
  .openapi("WebhookDelivery", { description: "One attempt to deliver one event." });

export const DeliveryListResponseSchema = listResponseSchema(DeliverySchema, "WebhookDeliveryList");
