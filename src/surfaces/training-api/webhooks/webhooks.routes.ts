import { createRoute } from "@hono/zod-openapi";
import { admins, bearerSecurity } from "../bearer";
import { trainingErrors } from "../envelope";
import {
  CreatedWebhookResponseSchema,
  CreateWebhookBodySchema,
  DeliveryListResponseSchema,
  ListQuerySchema,
  MAX_WEBHOOKS,
  RotatedSecretResponseSchema,
  TestEventResponseSchema,
  UpdateWebhookBodySchema,
  WebhookEnvelopeSchema,
  WebhookListResponseSchema,
  WebhookParamsSchema,
} from "./webhooks.schemas";

const tags = ["Webhooks"];
const security = bearerSecurity;
const ADMIN_NOTE = "Admins only; other roles get 403 `forbidden`.";
const URL_RULE =
  "`url` must be https on a public host: anything else (not an absolute URL, another scheme, credentials, a loopback, private, link-local or reserved address, an internal name) is 400 `invalid_url`, its `details` naming `body.url` with rule `public_url` and what is wrong. A URL over 2,048 characters as sent or as stored (percent-encoded) is 400 `validation_failed` (`max_length`). Names are not resolved: a Worker gets no DNS answers to inspect.";
const json = <S>(description: string, schema: S) => ({
  description,
  content: { "application/json": { schema } },
});

export const create = createRoute({
  operationId: "createWebhook",
  middleware: [admins] as const,
  method: "post",
  path: "/api/webhooks",
  tags,
  summary: "Add a webhook endpoint",
  description: `Events of the chosen types are POSTed to \`url\`, signed (Standard Webhooks: \`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature\`). The signing secret is in this response only. ${URL_RULE} At most ${MAX_WEBHOOKS} endpoints per organization (409 \`conflict\`). ${ADMIN_NOTE}`,
  security,
  request: {
    body: { required: true, content: { "application/json": { schema: CreateWebhookBodySchema } } },
  },
  responses: {
    201: {
      ...json("The endpoint, with its secret (shown once)", CreatedWebhookResponseSchema),
      headers: { Location: { description: "The endpoint's URL", schema: { type: "string" } } },
    },
    ...trainingErrors(409),
  },
});

export const list = createRoute({
  operationId: "listWebhooks",
  middleware: [admins] as const,
  method: "get",
  path: "/api/webhooks",
  tags,
  summary: "List the organization's webhook endpoints, newest first",
  description: ADMIN_NOTE,
  security,
  request: { query: ListQuerySchema },
  responses: {
    200: json("One page of endpoints (no secrets)", WebhookListResponseSchema),
  },
});

export const getOne = createRoute({
  operationId: "getWebhook",
  middleware: [admins] as const,
  method: "get",
  path: "/api/webhooks/{id}",
  tags,
  summary: "Get a webhook endpoint",
  description: ADMIN_NOTE,
  security,
  request: { params: WebhookParamsSchema },
  responses: {
    200: json("The endpoint (no secret)", WebhookEnvelopeSchema),
    ...trainingErrors(404),
  },
});

export const patch = createRoute({
  operationId: "updateWebhook",
  middleware: [admins] as const,
  method: "patch",
  path: "/api/webhooks/{id}",
  tags,
  summary: "Change a webhook endpoint's URL, events, description, or pause it",
  description: `\`enabled: false\` pauses it: no events are recorded for it meanwhile, and a retry that comes due while it is paused is dropped (its last attempt then shows no \`nextAttemptAt\`). Retries use the endpoint's URL and secrets as they are when they are sent. ${URL_RULE} ${ADMIN_NOTE}`,
  security,
  request: {
    params: WebhookParamsSchema,
    body: { required: true, content: { "application/json": { schema: UpdateWebhookBodySchema } } },
  },
  responses: {
    200: json("The endpoint as it is now", WebhookEnvelopeSchema),
    ...trainingErrors(404),
  },
});

export const remove = createRoute({
  operationId: "deleteWebhook",
  middleware: [admins] as const,
  method: "delete",
  path: "/api/webhooks/{id}",
  tags,
  summary: "Delete a webhook endpoint",
  description: `Its delivery records go with it; nothing more is sent to it. ${ADMIN_NOTE}`,
  security,
  request: { params: WebhookParamsSchema },
  responses: { 204: { description: "Deleted" }, ...trainingErrors(404) },
});

export const test = createRoute({
  operationId: "testWebhook",
  middleware: [admins] as const,
  method: "post",
  path: "/api/webhooks/{id}/test",
  tags,
  summary: "Send a webhook.test event to this endpoint",
  description: `Queued like any event: see the attempt in the endpoint's deliveries. A paused endpoint is 409 \`conflict\`. ${ADMIN_NOTE}`,
  security,
  request: { params: WebhookParamsSchema },
  responses: {
    202: json("The test event, queued", TestEventResponseSchema),
    ...trainingErrors(404, 409),
  },
});

export const rotateSecret = createRoute({
  operationId: "rotateWebhookSecret",
  middleware: [admins] as const,
  method: "post",
  path: "/api/webhooks/{id}/rotate-secret",
  tags,
  summary: "Replace the signing secret, keeping the old one valid for 24 hours",
  description: `Until \`previousSecretExpiresAt\`, every delivery carries two signatures (one per secret), so the receiver can switch to the new secret at any moment within the day. ${ADMIN_NOTE}`,
  security,
  request: { params: WebhookParamsSchema },
  responses: {
    200: json("The new secret (shown once)", RotatedSecretResponseSchema),
    ...trainingErrors(404),
  },
});

export const deliveries = createRoute({
  operationId: "listWebhookDeliveries",
  middleware: [admins] as const,
  method: "get",
  path: "/api/webhooks/{id}/deliveries",
  tags,
  summary: "The endpoint's delivery attempts, newest first",
  description: `One row per attempt (kept 30 days). ${ADMIN_NOTE}`,
  security,
  request: { params: WebhookParamsSchema, query: ListQuerySchema },
  responses: {
    200: json("One page of attempts", DeliveryListResponseSchema),
    ...trainingErrors(404),
  },
});

export type CreateRoute = typeof create;
export type ListRoute = typeof list;
export type GetOneRoute = typeof getOne;
export type PatchRoute = typeof patch;
export type RemoveRoute = typeof remove;
export type TestRoute = typeof test;
export type RotateSecretRoute = typeof rotateSecret;
export type DeliveriesRoute = typeof deliveries;
