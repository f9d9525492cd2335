import { createRoute, z } from "@hono/zod-openapi";
import { TrainingErrorSchema } from "../../surfaces/training/envelope";

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
  responses: {
    200: {
      description: "The Worker runs and D1 answered a trivial query",
      content: { "application/json": { schema: HealthSchema } },
    },
    500: {
      description: "Unexpected fault",
      content: { "application/json": { schema: TrainingErrorSchema } },
    },
    503: {
      description: "D1 did not answer; retry after `Retry-After` seconds",
      content: { "application/json": { schema: HealthSchema } },
    },
  },
});

export type HealthRoute = typeof health;
