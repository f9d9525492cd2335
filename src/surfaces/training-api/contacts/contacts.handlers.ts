import { ApiError } from "../../../platform/errors/api-error";
import { findDatabaseError } from "../../../platform/errors/database-error";
import { newObjectId } from "../../../platform/util/ids";
import { textOrNull } from "../../../platform/util/text";
import { respondWithData } from "../envelope";
import { respondWithList, type TrainingHandler } from "../router";
import {
  deleteContact,
  duplicateOf,
  findContactDocument,
  insertContact,
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

export const list: TrainingHandler<ListRoute> = (c) =>
  respondWithList(c, c.req.valid("query"), listContacts);

export const getOne: TrainingHandler<GetOneRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const doc = await findContactDocument(c.get("db"), c.var.user.organizationId, id);
  if (doc === null) throw notFound(id);
  return respondWithData(c, doc, 200);
};

export const create: TrainingHandler<CreateRoute> = async (c) => {
  const body = c.req.valid("json");
  const now = Date.now();
  const contact = {
    id: newObjectId(now),
    organizationId: c.var.user.organizationId,
    firstName: body.firstName,
    lastName: textOrNull(body.lastName),
    phoneNumber: body.phoneNumber ?? null,
    email: body.email ?? null,
    channelType: body.channelType,
    createdAt: now,
    updatedAt: now,
  };
  let doc: string;
  try {
    doc = await insertContact(c.get("db"), contact);
  } catch (error) {
    conflictOr(error, contact);
  }
  return respondWithData(c, doc, 201, { Location: `/api/contacts/${contact.id}` });
};

export const patch: TrainingHandler<PatchRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const changes =
    body.lastName === undefined ? body : { ...body, lastName: textOrNull(body.lastName) };
  let doc: string | undefined;
  try {
    doc = await updateContact(c.get("db"), c.var.user.organizationId, id, changes, Date.now());
  } catch (error) {
    conflictOr(error, body);
  }
  if (doc === undefined) throw notFound(id);
  return respondWithData(c, doc, 200);
};

export const remove: TrainingHandler<RemoveRoute> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await deleteContact(c.get("db"), c.var.user.organizationId, id))) throw notFound(id);
  return c.body(null, 204);
};
