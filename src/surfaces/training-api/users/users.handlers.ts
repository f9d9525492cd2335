import { issueSetupTokenStatements } from "../../../accounts/setup-tokens";
import { SETUP_TOKEN_TTL_MS } from "../../../platform/config";
import { ApiError } from "../../../platform/errors/api-error";
import { findDatabaseError } from "../../../platform/errors/database-error";
import { decodeCursor } from "../../../platform/http/cursor";
import { sha256Hex } from "../../../platform/util/encoding";
import { newObjectId } from "../../../platform/util/ids";
import { toIso } from "../../../platform/util/time";
import { opaqueToken } from "../../../platform/util/tokens";
import { byCreation, ok, page } from "../envelope";
import type { TrainingHandler } from "../router";
import {
  deleteUser,
  findUser,
  insertUserStatement,
  listUsers,
  updateUser,
} from "./users.repository";
import type {
  CreateRoute,
  GetOneRoute,
  ListRoute,
  MeRoute,
  PatchRoute,
  RemoveRoute,
} from "./users.routes";
import { shapeUser } from "./users.shape";

const notFound = (id: string) => new ApiError("not_found", `User ${id} not found`);
const lastAdmin = () =>
  new ApiError(
    "last_admin",
    "The organization's last active admin cannot be demoted, deactivated or deleted; make another admin first",
  );
const DUPLICATE_EMAIL = /UNIQUE constraint failed: users\.organization_id, users\.email/;

export const me: TrainingHandler<MeRoute> = async (c) => {
  const { user } = c.var;
  const found = await findUser(c.get("db"), user.organizationId, user.userId);
  if (!found) throw notFound(user.userId);
  return c.json(ok(shapeUser(found)), 200);
};

export const list: TrainingHandler<ListRoute> = async (c) => {
  const { cursor, limit, ...filters } = c.req.valid("query");
  const position = cursor === undefined ? undefined : decodeCursor(cursor);
  const rows = await listUsers(
    c.get("db"),
    c.var.user.organizationId,
    filters,
    position,
    limit + 1,
  );
  return c.json(page(rows, limit, byCreation, shapeUser), 200);
};

export const getOne: TrainingHandler<GetOneRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const found = await findUser(c.get("db"), c.var.user.organizationId, id);
  if (!found) throw notFound(id);
  return c.json(ok(shapeUser(found)), 200);
};

/**
 * A new user without a password, and the one-time setup token they set it with: both written
 * in one batch. The token is in this answer only (its hash is stored).
 */
export const create: TrainingHandler<CreateRoute> = async (c) => {
  const body = c.req.valid("json");
  const { organizationId } = c.var.user;
  const db = c.get("db");
  const now = Date.now();
  const id = newObjectId(now);
  const setupToken = opaqueToken("st");
  const setupExpiresAt = now + SETUP_TOKEN_TTL_MS;
  try {
    await db.batch([
      insertUserStatement(db, { ...body, id, organizationId, now }),
      ...issueSetupTokenStatements(db, {
        hash: await sha256Hex(setupToken),
        organizationId,
        userId: id,
        now,
        expiresAt: setupExpiresAt,
      }),
    ]);
  } catch (error) {
    if (DUPLICATE_EMAIL.test(findDatabaseError(error)?.message ?? "")) {
      throw new ApiError("conflict", `A user with email ${body.email} already exists`);
    }
    throw error;
  }
  const user = shapeUser({
    id,
    ...body,
    isActive: true,
    createdAt: now,
    updatedAt: now,
    lastLoginAt: null,
  });
  c.header("Location", `/api/users/${id}`);
  return c.json(ok({ user, setupToken, setupExpiresAt: toIso(setupExpiresAt) }), 201);
};

export const patch: TrainingHandler<PatchRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const outcome = await updateUser(
    c.get("db"),
    c.var.user.organizationId,
    id,
    c.req.valid("json"),
    Date.now(),
  );
  if (outcome.status === "not_found") throw notFound(id);
  if (outcome.status === "last_admin") throw lastAdmin();
  return c.json(ok(shapeUser(outcome.value)), 200);
};

export const remove: TrainingHandler<RemoveRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const outcome = await deleteUser(c.get("db"), c.var.user.organizationId, id);
  if (outcome.status === "not_found") throw notFound(id);
  if (outcome.status === "last_admin") throw lastAdmin();
  return c.body(null, 204);
};
