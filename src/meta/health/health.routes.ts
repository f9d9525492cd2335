import { createRoute, z } from "@hono/zod-openapi";

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "unavailable"]),
    d1: z.enum(["ok", "error"]),
  })
  .openapi("Health");

export const health = createRoute({
  operationId: "getHealth",
  method: "get",
  path: "/health",
  tags: ["Meta"],
  // Public: no credentials.
  security: [],
  summary: "Liveness and D1 reachability",
  description:
    "No credentials. Runs a trivial D1 query: 200 when D1 answers it, 503 with `Retry-After` when D1 is unavailable (timeout, overload, lost connection).",
  // Its other errors (a malformed bookmark, a body or headers over the limits, a fault) are added
  // by its router, in the Training envelope.
  responses: {
    200: {
      description: "The Worker runs and D1 answered a trivial query",
      content: { "application/json": { schema: HealthSchema } },
    },
    503: {
      description: "D1 did not answer; retry after `Retry-After` seconds",
      content: { "application/json": { schema: HealthSchema } },
    },
  },
});

export type HealthRoute = typeof health;
