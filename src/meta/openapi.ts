import type { AppOpenAPI } from "../platform/http/app-env";

export const OPENAPI_PATH = "/openapi.json";

/** The OpenAPI 3.1 document, generated from the same route definitions that validate requests. */
export function registerOpenApi(app: AppOpenAPI) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "Training API: a token from `POST /api/auth/login`.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "x-api-key",
    description: "Conversations API: an API key of the workspace.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "workspaceId", {
    type: "apiKey",
    in: "header",
    name: "x-workspace-id",
    description: "Conversations API: the workspace (organization) id the key belongs to.",
  });
  app.doc31(OPENAPI_PATH, (c) => openApiConfig(new URL(c.req.url).origin));
}

/** The document's top level; the paths come from the route definitions. */
export const openApiConfig = (origin: string) => ({
  openapi: "3.1.0",
  info: {
    title: "Edge Conversations API",
    version: "1.0.0",
    // The deployment is the one party the document can name: its interactive reference.
    contact: { name: "Edge Conversations API reference", url: `${origin}/docs` },
    description:
      "Two vendor-compatible surfaces over one database: the Training API (`/api/training`, Bearer JWT, `{ success, data }` envelope) and the Conversations API (`/v1/api/conversations`, `x-api-key` + `x-workspace-id`, bare JSON).",
  },
  servers: [{ url: origin }],
  tags: [
    { name: "Training snapshots", description: "Curated conversation copies for training" },
    {
      name: "Training data",
      description:
        "Exports for fine-tuning: snapshots as chat lines, reviewed drafts as preference pairs",
    },
    {
      name: "Reviews",
      description:
        "AI drafts a person approved, edited or rejected: the AI's text beside what was sent, and the numbers of the review loop",
    },
    { name: "Conversations", description: "Live conversations and their messages" },
    { name: "Auth", description: "Tokens for the Training API" },
    { name: "API keys", description: "Keys for the Conversations API (admins)" },
    { name: "Contacts", description: "The organization's customers" },
    { name: "Users", description: "The organization's staff (admins), and the caller's own user" },
    {
      name: "Webhooks",
      description:
        "Signed event deliveries to the organization's endpoints (admins): conversation.created, conversation.message.created/approved/edited/rejected, training.snapshot.created/updated/deleted. Standard Webhooks headers; at least once; retried for about 21 hours.",
    },
    { name: "Meta", description: "Health and this document" },
  ],
});
