import { SETUP_TOKEN_TTL_MS } from "../../../platform/config";
import { ApiError } from "../../../platform/errors/api-error";
import { findDatabaseError } from "../../../platform/errors/database-error";
import { sha256Hex } from "../../../platform/util/encoding";
import { newObjectId } from "../../../platform/util/ids";
import { opaqueToken } from "../../../platform/util/tokens";
import { respondWithData } from "../envelope";
import { respondWithList, type TrainingHandler } from "../router";
import {
  deleteUser,
  findUserDocument,
  insertUser,
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

const notFound = (id: string) => new ApiError("not_found", `User ${id} not found`);
const lastAdmin = () =>
  new ApiError(
    "last_admin",
    "The organization's last active admin cannot be demoted, deactivated or deleted; make another admin first",
  );
const DUPLICATE_EMAIL = /UNIQUE constraint failed: users\.organization_id, users\.email/;

export const me: TrainingHandler<MeRoute> = async (c) => {
  const { user } = c.var;
  const doc = await findUserDocument(c.get("db"), user.organizationId, user.userId);
  if (doc === null) throw notFound(user.userId);
  return respondWithData(c, doc, 200);
};

export const list: TrainingHandler<ListRoute> = (c) =>
  respondWithList(c, c.req.valid("query"), listUsers);

export const getOne: TrainingHandler<GetOneRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const doc = await findUserDocument(c.get("db"), c.var.user.organizationId, id);
  if (doc === null) throw notFound(id);
  return respondWithData(c, doc, 200);
};

/**
 * A new user without a password, and the one-time setup token they set it with: both written
 * in one batch. The token is in this answer only (its hash is stored).
 */
export const create: TrainingHandler<CreateRoute> = async (c) => {
  const body = c.req.valid("json");
  const { organizationId } = c.var.user;
  const now = Date.now();
  const id = newObjectId(now);
  const setupToken = opaqueToken("st", organizationId);
  let doc: string;
  try {
    doc = await insertUser(
      c.get("db"),
      { ...body, id, organizationId, now },
      {
        plaintext: setupToken,
        hash: await sha256Hex(setupToken),
        expiresAt: now + SETUP_TOKEN_TTL_MS,
      },
    );
  } catch (error) {
    if (DUPLICATE_EMAIL.test(findDatabaseError(error)?.message ?? "")) {
      throw new ApiError("conflict", `A user with email ${body.email} already exists`);
    }
    throw error;
  }
  return respondWithData(c, doc, 201, { Location: `/api/users/${id}` });
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
  return respondWithData(c, outcome.value, 200);
};

export const remove: TrainingHandler<RemoveRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const outcome = await deleteUser(c.get("db"), c.var.user.organizationId, id);
  if (outcome.status === "not_found") throw notFound(id);
  if (outcome.status === "last_admin") throw lastAdmin();
  return c.body(null, 204);
};
