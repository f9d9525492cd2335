import { createRoute } from "@hono/zod-openapi";
import { trainingErrors } from "../envelope";
import { LoginBodySchema, LoginResponseSchema } from "./auth.schemas";

export const login = createRoute({
  operationId: "login",
  method: "post",
  path: "/api/auth/login",
  tags: ["Auth"],
  // Public: no credentials.
  security: [],
  summary: "Exchange an email and password for a Training API token",
  request: {
    body: { required: true, content: { "application/json": { schema: LoginBodySchema } } },
  },
  responses: {
    200: {
      description: "A signed token and the user it was issued to",
      content: { "application/json": { schema: LoginResponseSchema } },
    },
    ...trainingErrors(400, 401, 415),
  },
});

export type LoginRoute = typeof login;
