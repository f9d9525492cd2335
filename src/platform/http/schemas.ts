import { z } from "@hono/zod-openapi";
import { CHANNEL_TYPES } from "../db/schema";
import { OBJECT_ID_PATTERN, VENDOR_ID_PATTERN } from "../util/ids";
import { splitFullName } from "../util/text";

/** Any case is accepted; handlers get the stored, lowercase form. */
export const ObjectIdSchema = z
  .string()
  .regex(OBJECT_ID_PATTERN, "must be a 24-character hexadecimal id")
  .overwrite((id) => id.toLowerCase())
  .openapi({ example: "67f1a0b0c0d0e0f0a0b0c0d0" });

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing NUL is the point
const NO_NUL = /^[^\u0000]*$/;

/** Plain text on one line: no control characters (U+0000–U+001F, U+007F), not even a tab. */
export const plainText = (schema: z.ZodString) =>
  schema.regex(NO_CONTROL_CHARACTERS, "must not contain control characters");

/** Free text (messages, notes): line breaks and tabs are kept, NUL never. */
export const freeText = (schema: z.ZodString) =>
  schema.regex(NO_NUL, "must not contain NUL characters");

/** The longest first or last name of a user or a contact. */
export const NAME_MAX_LENGTH = 100;

/** A user's or a contact's first or last name. */
export const PersonNameSchema = plainText(z.string().trim().min(1).max(NAME_MAX_LENGTH));

/** The longest customer name ingestion accepts (a whole name: first and last). */
export const CUSTOMER_NAME_MAX_LENGTH = 200;

/**
 * A customer's whole name as ingestion takes it in (a conversation's `customer.name`, an
 * imported export item's): the same characters as a person's name. A new contact is made of it
 * (split at the first space), so each part is held to a contact name's length.
 */
export const CustomerNameSchema = plainText(
  z.string().trim().max(CUSTOMER_NAME_MAX_LENGTH),
).superRefine((name, ctx) => {
  // An over-long name is already refused as a whole: one issue per field and rule.
  if (name.length > CUSTOMER_NAME_MAX_LENGTH) return;
  const { firstName, lastName } = splitFullName(name);
  const parts = [
    [firstName, "before its first space, which become the contact's first name"],
    [lastName ?? "", "after its first space, which become the contact's last name"],
  ] as const;
  for (const [part, where] of parts) {
    if (part.length > NAME_MAX_LENGTH) {
      ctx.addIssue({
        code: "custom",
        message: `must have at most ${NAME_MAX_LENGTH} characters ${where}`,
        params: { rule: "max_length" },
      });
    }
  }
});

export const VendorIdSchema = z
  .string()
  .regex(VENDOR_ID_PATTERN, "must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'")
  .openapi({ example: "112ec528bf7946a12ab0fs21" });

export const IsoDateSchema = z.iso
  .datetime({ precision: 3 })
  .openapi({ example: "2026-05-18T14:30:00.000Z", description: "ISO 8601 UTC with milliseconds" });

/** `limit` of every list: 1–100, 20 when absent. */
export const LimitQuerySchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(100)
  .default(20)
  .openapi({ description: "Items per page, 1–100.", example: 20 });

export const CursorQuerySchema = z
  .string()
  .optional()
  .openapi({ description: "The cursor the previous page announced; absent for the first page." });

/** The first and the last millisecond the documented form writes in UTC: years 1970 to 9999. */
const MIN_DATE_MS = Date.UTC(1970, 0, 1);
const MAX_DATE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * An ISO 8601 date-time with `Z` or an offset, as epoch milliseconds. Its UTC year must be 1970
 * to 9999: an offset can carry a four-digit year out of that range, and what is stored is
 * returned as `YYYY-MM-DDTHH:mm:ss.sssZ`.
 */
const dateTimeInput = (example: string) =>
  z.iso
    .datetime({ offset: true })
    .transform((value) => Date.parse(value))
    .superRefine((ms, ctx) => {
      if (ms < MIN_DATE_MS) {
        ctx.addIssue({
          code: "custom",
          message: "must be 1970-01-01T00:00:00.000Z or later",
          params: { rule: "min" },
        });
      } else if (ms > MAX_DATE_MS) {
        ctx.addIssue({
          code: "custom",
          message: "must be 9999-12-31T23:59:59.999Z or earlier",
          params: { rule: "max" },
        });
      }
    })
    .openapi({ example, description: "ISO 8601 date-time, UTC years 1970 to 9999." });

/**
 * `q` of a list: text searched for as is, ignoring case. Control characters are refused: a NUL
 * would end the pattern of a short search early.
 */
export const SearchQuerySchema = plainText(z.string().trim().min(1).max(100));

/** An ISO 8601 date-time in a query string, as epoch milliseconds. */
export const DateQuerySchema = dateTimeInput("2026-05-01T00:00:00.000Z");

/** E.164: `+`, a country code and up to 15 digits in all, nothing else. */
export const PhoneSchema = z
  .string()
  .regex(/^\+[1-9]\d{1,14}$/, "must be an E.164 phone number such as +14155550123")
  .openapi({ example: "+14155550123" });

/** Stored trimmed and lowercase: uniqueness and lookups ignore case. */
export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(
    z
      .email({
        error: (issue) =>
          issue.code === "invalid_format" ? "must be an email address" : undefined,
      })
      .max(254),
  )
  .openapi({ example: "jane@example.com" });

export const ChannelTypeSchema = z.enum(CHANNEL_TYPES).openapi({ example: "sms" });

/** An ISO 8601 date-time in a body, as epoch milliseconds (any offset, stored as UTC). */
export const DateInputSchema = dateTimeInput("2024-12-01T08:45:00.000Z");

/** The text of a message: newlines and tabs are text, a NUL never is. */
export const MessageTextSchema = freeText(z.string().min(1).max(10_000));

/** `{ id }` of a path `/…/{id}`: an ObjectId (anything else is a 400, not a 404). */
export const idParamsSchema = (example: string) =>
  z.object({ id: ObjectIdSchema.openapi({ param: { name: "id", in: "path" }, example }) });
