import { createRoute } from "@hono/zod-openapi";
import { bearerSecurity, writers } from "../bearer";
import { trainingErrors } from "../envelope";
import {
  ContactEnvelopeSchema,
  ContactListResponseSchema,
  ContactParamsSchema,
  CreateContactBodySchema,
  ListContactsQuerySchema,
  PatchContactBodySchema,
} from "./contacts.schemas";

const tags = ["Contacts"];
const security = bearerSecurity;
const WRITER_NOTE = "Needs the `admin` or `manager` role; an `agent` gets 403 `forbidden`.";
const UNIQUE =
  "Phone number and email are each unique in the organization: a second contact with either is 409 `conflict`.";
const contact = (description: string) => ({
  description,
  content: { "application/json": { schema: ContactEnvelopeSchema } },
});

export const list = createRoute({
  operationId: "listContacts",
  method: "get",
  path: "/api/contacts",
  tags,
  summary: "List contacts, newest first",
  description:
    "Cursor-paginated. `q` searches the full name, email and phone number (3+ characters through a full-text index); `email` and `phoneNumber` are exact lookups.",
  security,
  request: { query: ListContactsQuerySchema },
  responses: {
    200: {
      description: "One page of contacts",
      content: { "application/json": { schema: ContactListResponseSchema } },
    },
  },
});

export const getOne = createRoute({
  operationId: "getContact",
  method: "get",
  path: "/api/contacts/{id}",
  tags,
  summary: "Get a contact",
  description:
    "One contact of the caller's organization, for any role. A contact of another organization answers 404, as a missing one does.",
  security,
  request: { params: ContactParamsSchema },
  responses: { 200: contact("The contact"), ...trainingErrors(404) },
});

export const create = createRoute({
  operationId: "createContact",
  method: "post",
  path: "/api/contacts",
  middleware: [writers] as const,
  tags,
  summary: "Add a contact",
  description: `${UNIQUE} ${WRITER_NOTE}`,
  security,
  request: {
    body: { required: true, content: { "application/json": { schema: CreateContactBodySchema } } },
  },
  responses: {
    201: {
      ...contact("The new contact"),
      headers: { Location: { description: "The contact's URL", schema: { type: "string" } } },
    },
    ...trainingErrors(409),
  },
});

export const patch = createRoute({
  operationId: "updateContact",
  method: "patch",
  path: "/api/contacts/{id}",
  middleware: [writers] as const,
  tags,
  summary: "Change a contact",
  description: `\`null\` clears \`lastName\`, \`phoneNumber\` or \`email\`. Snapshots keep the customer details they captured. ${UNIQUE} ${WRITER_NOTE}`,
  security,
  request: {
    params: ContactParamsSchema,
    body: { required: true, content: { "application/json": { schema: PatchContactBodySchema } } },
  },
  responses: { 200: contact("The contact"), ...trainingErrors(404, 409) },
});

export const remove = createRoute({
  operationId: "deleteContact",
  method: "delete",
  path: "/api/contacts/{id}",
  middleware: [writers] as const,
  tags,
  summary: "Delete a contact and their live conversations",
  description: `The contact's conversations and messages are erased with them. Training snapshots keep their customer copies; their \`contactId\` populates as null. ${WRITER_NOTE}`,
  security,
  request: { params: ContactParamsSchema },
  responses: { 204: { description: "Deleted" }, ...trainingErrors(404) },
});

export type ListRoute = typeof list;
export type GetOneRoute = typeof getOne;
export type CreateRoute = typeof create;
export type PatchRoute = typeof patch;
export type RemoveRoute = typeof remove;
