import { createRoute } from "@hono/zod-openapi";
import { admins, bearerSecurity } from "../bearer";
import { trainingErrors } from "../envelope";
import {
  CreatedUserResponseSchema,
  CreateUserBodySchema,
  ListUsersQuerySchema,
  PatchUserBodySchema,
  UserEnvelopeSchema,
  UserListResponseSchema,
  UserParamsSchema,
} from "./users.schemas";

const tags = ["Users"];
const security = bearerSecurity;
const ADMIN_NOTE = "Admins only; other roles get 403 `forbidden`.";
const OTHER_ORGANIZATION = "Users of another organization are 404.";
const LAST_ADMIN =
  "The organization's last active admin cannot be demoted, deactivated or deleted (409 `last_admin`).";
const user = {
  description: "The user",
  content: { "application/json": { schema: UserEnvelopeSchema } },
};

export const me = createRoute({
  operationId: "getCurrentUser",
  method: "get",
  path: "/api/users/me",
  tags,
  summary: "The caller's own user",
  description: "Open to every role.",
  security,
  responses: { 200: user, ...trainingErrors(404) },
});

export const list = createRoute({
  operationId: "listUsers",
  method: "get",
  path: "/api/users",
  middleware: [admins] as const,
  tags,
  summary: "List the organization's users, newest first",
  description: `Cursor-paginated like the snapshot list. ${ADMIN_NOTE}`,
  security,
  request: { query: ListUsersQuerySchema },
  responses: {
    200: {
      description: "One page of users",
      content: { "application/json": { schema: UserListResponseSchema } },
    },
  },
});

export const getOne = createRoute({
  operationId: "getUser",
  method: "get",
  path: "/api/users/{id}",
  middleware: [admins] as const,
  tags,
  summary: "Get a user",
  description: `${OTHER_ORGANIZATION} ${ADMIN_NOTE}`,
  security,
  request: { params: UserParamsSchema },
  responses: { 200: user, ...trainingErrors(404) },
});

export const create = createRoute({
  operationId: "createUser",
  method: "post",
  path: "/api/users",
  middleware: [admins] as const,
  tags,
  summary: "Add a user; answers with their one-time setup token",
  description: `The user has no password until they set one with the setup token (\`POST /api/auth/setup-password\`, within 72 hours). An email already used in the organization is 409 \`conflict\`. ${ADMIN_NOTE}`,
  security,
  request: {
    body: { required: true, content: { "application/json": { schema: CreateUserBodySchema } } },
  },
  responses: {
    201: {
      description: "The user and their setup token, shown once",
      headers: { Location: { description: "The new user's URL", schema: { type: "string" } } },
      content: { "application/json": { schema: CreatedUserResponseSchema } },
    },
    ...trainingErrors(409),
  },
});

export const patch = createRoute({
  operationId: "updateUser",
  method: "patch",
  path: "/api/users/{id}",
  middleware: [admins] as const,
  tags,
  summary: "Change a user's names, role or active flag",
  description: `A demoted user's next request is judged by the new role (403 where it no longer may); a deactivated user's tokens are refused at once (401 \`token_revoked\`), their unused setup tokens are void, and all stay refused if the user is activated again. ${LAST_ADMIN} ${OTHER_ORGANIZATION} ${ADMIN_NOTE}`,
  security,
  request: {
    params: UserParamsSchema,
    body: { required: true, content: { "application/json": { schema: PatchUserBodySchema } } },
  },
  responses: { 200: user, ...trainingErrors(404, 409) },
});

export const remove = createRoute({
  operationId: "deleteUser",
  method: "delete",
  path: "/api/users/{id}",
  middleware: [admins] as const,
  tags,
  summary: "Delete a user",
  description: `Their sessions end at once. Snapshots they created keep their copies; their \`userId\` populates as null. ${LAST_ADMIN} ${OTHER_ORGANIZATION} ${ADMIN_NOTE}`,
  security,
  request: { params: UserParamsSchema },
  responses: { 204: { description: "Deleted" }, ...trainingErrors(404, 409) },
});

export type MeRoute = typeof me;
export type ListRoute = typeof list;
export type GetOneRoute = typeof getOne;
export type CreateRoute = typeof create;
export type PatchRoute = typeof patch;
export type RemoveRoute = typeof remove;
