import type { z } from "@hono/zod-openapi";
import { toIso } from "../../../platform/util/time";
import type { ContactRecord } from "./contacts.repository";
import type { ContactSchema } from "./contacts.schemas";

export const shapeContact = (contact: ContactRecord): z.infer<typeof ContactSchema> => ({
  _id: contact.id,
  firstName: contact.firstName,
  lastName: contact.lastName,
  phoneNumber: contact.phoneNumber,
  email: contact.email,
  channelType: contact.channelType,
  createdAt: toIso(contact.createdAt),
  updatedAt: toIso(contact.updatedAt),
});
