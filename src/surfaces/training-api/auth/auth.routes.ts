import { createRoute } from "@hono/zod-openapi";
import { bearerSecurity } from "../bearer";
import { trainingErrors } from "../envelope";
import {
  ChangePasswordBodySchema,
  LoginBodySchema,
  LoginResponseSchema,
  RefreshBodySchema,
  SetupPasswordBodySchema,
} from "./auth.schemas";

const tags = ["Auth"];
const json = <T>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});
const tokens = {
  description: "An access token, a new refresh token and the user they were issued to",
  content: { "application/json": { schema: LoginResponseSchema } },
};

export const login = createRoute({
  operationId: "login",
  method: "post",
  path: "/api/auth/login",
  tags,
  // Public: no credentials.
  security: [],
  summary: "Exchange an email and password for an access token and a refresh token",
  description:
    "Starts a session. Failed logins are limited per email and per client address (429 before any password check once the limit is reached).",
  request: { body: json(LoginBodySchema) },
  responses: { 200: tokens, ...trainingErrors(401, 429) },
});

export const setupPassword = createRoute({
  operationId: "setupPassword",
  method: "post",
  path: "/api/auth/setup-password",
  tags,
  security: [],
  summary: "Set a password with a one-time setup token, and log in",
  description:
    "Setup tokens come from `npm run admin` (operators) or `POST /api/users` (admins): single use, valid 72 hours. A used, expired or unknown token is 401 `invalid_setup_token`. Passwords: 12–128 characters, not the email.",
  request: { body: json(SetupPasswordBodySchema) },
  responses: { 200: tokens, ...trainingErrors(401) },
});

export const refresh = createRoute({
  operationId: "refreshToken",
  method: "post",
  path: "/api/auth/refresh",
  tags,
  security: [],
  summary: "Exchange a refresh token for a new access token and a new refresh token",
  description:
    "Each refresh token works once. Presenting one that was already exchanged revokes the whole session (401 `refresh_token_reused`): every token descended from that login stops working.",
  request: { body: json(RefreshBodySchema) },
  responses: { 200: tokens, ...trainingErrors(401) },
});

export const logout = createRoute({
  operationId: "logout",
  method: "post",
  path: "/api/auth/logout",
  tags,
  security: bearerSecurity,
  summary: "End the session: its refresh token and access tokens stop working",
  description:
    "Revokes the session of the access token sent: its refresh token is refused from now on (401 `invalid_refresh_token`), and each of its access tokens on its next request (401 `token_revoked`). The user's other sessions go on.",
  responses: { 204: { description: "Logged out" }, ...trainingErrors(401) },
});

export const changePassword = createRoute({
  operationId: "changePassword",
  method: "post",
  path: "/api/auth/change-password",
  tags,
  security: bearerSecurity,
  summary: "Change the caller's password; every other session of the user ends",
  description:
    "A wrong `currentPassword` (400, rule `mismatch`) counts as a failed login: per email and per client address, toward the same limit, and once it is reached this answers 429 as a login does, before any password check.",
  request: { body: json(ChangePasswordBodySchema) },
  responses: { 204: { description: "Changed" }, ...trainingErrors(401) },
});

export type LoginRoute = typeof login;
export type SetupPasswordRoute = typeof setupPassword;
export type RefreshRoute = typeof refresh;
export type LogoutRoute = typeof logout;
export type ChangePasswordRoute = typeof changePassword;
