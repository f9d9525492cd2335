import { createRoute } from "@hono/zod-openapi";
import { admins, bearerSecurity } from "../bearer";
import { trainingErrors } from "../envelope";
import {
  ApiKeyListResponseSchema,
  ApiKeyParamsSchema,
  CreateApiKeyBodySchema,
  CreatedApiKeyResponseSchema,
} from "./api-keys.schemas";

const tags = ["API keys"];
const security = bearerSecurity;
const ADMIN_NOTE = "Admins only (JWT); other roles get 403 `forbidden`.";

export const create = createRoute({
  operationId: "createApiKey",
  middleware: [admins] as const,
  method: "post",
  path: "/api/keys",
  tags,
  summary: "Create an API key for the Conversations API",
  description: `The key is in this response and nowhere else, ever: only its SHA-256 is stored. ${ADMIN_NOTE}`,
  security,
  request: {
    body: { required: true, content: { "application/json": { schema: CreateApiKeyBodySchema } } },
  },
  responses: {
    201: {
      description: "The new key, shown once",
      content: { "application/json": { schema: CreatedApiKeyResponseSchema } },
    },
  },
});

export const list = createRoute({
  operationId: "listApiKeys",
  middleware: [admins] as const,
  method: "get",
  path: "/api/keys",
  tags,
  summary: "List the organization's API keys (no secrets)",
  description: ADMIN_NOTE,
  security,
  responses: {
    200: {
      description: "Every key of the organization, newest first",
      content: { "application/json": { schema: ApiKeyListResponseSchema } },
    },
  },
});

export const revoke = createRoute({
  operationId: "revokeApiKey",
  middleware: [admins] as const,
  method: "delete",
  path: "/api/keys/{id}",
  tags,
  summary: "Revoke an API key",
  description: `The key stops working at once in this isolate and everywhere within the verified-key cache lifetime (API_KEY_CACHE_TTL_SECONDS, at most 60 s). Revoking twice is harmless. ${ADMIN_NOTE}`,
  security,
  request: { params: ApiKeyParamsSchema },
  responses: {
    204: { description: "Revoked" },
    ...trainingErrors(404),
  },
});

export type CreateRoute = typeof create;
export type ListRoute = typeof list;
export type RevokeRoute = typeof revoke;
