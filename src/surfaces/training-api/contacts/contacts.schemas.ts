import { z } from "@hono/zod-openapi";
import { contactColumns } from "../../../platform/db/zod";
import {
  ChannelTypeSchema,
  CursorQuerySchema,
  EmailSchema,
  IsoDateSchema,
  idParamsSchema,
  LimitQuerySchema,
  ObjectIdSchema,
  PersonNameSchema,
  PhoneSchema,
  SearchQuerySchema,
} from "../../../platform/http/schemas";
import { dataSchema, listResponseSchema } from "../envelope";

export const ContactParamsSchema = idParamsSchema("65c2d0e0f0a0b0c0d0e0f0a0");

export const ContactSchema = z
  .object({
    _id: ObjectIdSchema.openapi({ example: "65c2d0e0f0a0b0c0d0e0f0a0" }),
    firstName: contactColumns.firstName.openapi({ example: "Jane" }),
    lastName: contactColumns.lastName.openapi({ example: "Doe" }),
    phoneNumber: contactColumns.phoneNumber.openapi({ example: "+14155550123" }),
    email: contactColumns.email.openapi({ example: "jane@example.com" }),
    channelType: contactColumns.channelType.openapi({ example: "sms" }),
    createdAt: IsoDateSchema,
    updatedAt: IsoDateSchema,
  })
  .openapi("Contact", { description: "A customer of the organization." });

export const ContactEnvelopeSchema = dataSchema(ContactSchema, "ContactResponse");

export const ContactListResponseSchema = listResponseSchema(ContactSchema, "ContactList");

const contactFields = {
  firstName: PersonNameSchema.openapi({ example: "Jane" }),
  lastName: PersonNameSchema.nullable().optional().openapi({ example: "Doe" }),
  phoneNumber: PhoneSchema.nullable().optional(),
  email: EmailSchema.nullable().optional(),
  channelType: ChannelTypeSchema,
};

export const CreateContactBodySchema = z.strictObject(contactFields).openapi("CreateContact");

export const PatchContactBodySchema = z
  .strictObject({
    ...contactFields,
    firstName: contactFields.firstName.optional(),
    channelType: ChannelTypeSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: "must change at least one of firstName, lastName, phoneNumber, email, channelType",
    params: { rule: "not_empty" },
  })
  .openapi("PatchContact");

export type ContactChanges = z.output<typeof PatchContactBodySchema>;

export const ListContactsQuerySchema = z.strictObject({
  q: SearchQuerySchema.optional().openapi({
    description: "Case-insensitive text in the full name, email or phone number.",
  }),
  channelType: ChannelTypeSchema.optional(),
  email: EmailSchema.optional(),
  phoneNumber: PhoneSchema.optional(),
  limit: LimitQuerySchema,
  cursor: CursorQuerySchema,
});

export type ContactFilters = Pick<
  z.output<typeof ListContactsQuerySchema>,
  "q" | "channelType" | "email" | "phoneNumber"
>;
