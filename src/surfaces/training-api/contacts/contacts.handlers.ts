import { ApiError } from "../../../platform/errors/api-error";
import { findDatabaseError } from "../../../platform/errors/database-error";
import { decodeCursor } from "../../../platform/http/cursor";
import { newObjectId } from "../../../platform/util/ids";
import { textOrNull } from "../../../platform/util/text";
import { byCreation, ok, page } from "../envelope";
import type { TrainingHandler } from "../router";
import {
  type ContactRecord,
  deleteContact,
  duplicateOf,
  findContact,
  insertContactStatement,
  listContacts,
  updateContact,
} from "./contacts.repository";
import type {
  CreateRoute,
  GetOneRoute,
  ListRoute,
  PatchRoute,
  RemoveRoute,
} from "./contacts.routes";
import { shapeContact } from "./contacts.shape";

const notFound = (id: string) => new ApiError("not_found", `Contact ${id} not found`);

/** A write refused by a unique rule becomes a 409 that names the field; anything else as is. */
function conflictOr(
  error: unknown,
  values: { phoneNumber?: string | null; email?: string | null },
): never {
  const field = duplicateOf(findDatabaseError(error)?.message ?? "");
  if (field) {
    throw new ApiError(
      "conflict",
      `Another contact of the organization already has ${field === "email" ? "email" : "phone number"} ${values[field]}`,
    );
  }
  throw error;
}

export const list: TrainingHandler<ListRoute> = async (c) => {
  const { cursor, limit, ...filters } = c.req.valid("query");
  const position = cursor === undefined ? undefined : decodeCursor(cursor);
  const rows = await listContacts(
    c.get("db"),
    c.var.user.organizationId,
    filters,
    position,
    limit + 1,
  );
  return c.json(page(rows, limit, byCreation, shapeContact), 200);
};

export const getOne: TrainingHandler<GetOneRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const found = await findContact(c.get("db"), c.var.user.organizationId, id);
  if (!found) throw notFound(id);
  return c.json(ok(shapeContact(found)), 200);
};

export const create: TrainingHandler<CreateRoute> = async (c) => {
  const body = c.req.valid("json");
  const db = c.get("db");
  const now = Date.now();
  const contact: ContactRecord = {
    id: newObjectId(now),
    firstName: body.firstName,
    lastName: textOrNull(body.lastName),
    phoneNumber: body.phoneNumber ?? null,
    email: body.email ?? null,
    channelType: body.channelType,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await db.batch([
      insertContactStatement(db, { ...contact, organizationId: c.var.user.organizationId }),
    ]);
  } catch (error) {
    conflictOr(error, contact);
  }
  c.header("Location", `/api/contacts/${contact.id}`);
  return c.json(ok(shapeContact(contact)), 201);
};

export const patch: TrainingHandler<PatchRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const changes =
    body.lastName === undefined ? body : { ...body, lastName: textOrNull(body.lastName) };
  let updated: ContactRecord | undefined;
  try {
    updated = await updateContact(c.get("db"), c.var.user.organizationId, id, changes, Date.now());
  } catch (error) {
    conflictOr(error, body);
  }
  if (!updated) throw notFound(id);
  return c.json(ok(shapeContact(updated)), 200);
};

export const remove: TrainingHandler<RemoveRoute> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await deleteContact(c.get("db"), c.var.user.organizationId, id))) throw notFound(id);
  return c.body(null, 204);
};
