import { z } from "@hono/zod-openapi";
import { CHANNEL_TYPES } from "../db/schema";
import { OBJECT_ID_PATTERN, VENDOR_ID_PATTERN } from "../util/ids";

/** Any case is accepted; handlers get the stored, lowercase form. */
export const ObjectIdSchema = z
  .string()
  .regex(OBJECT_ID_PATTERN, "must be a 24-character hexadecimal id")
  .overwrite((id) => id.toLowerCase())
  .openapi({ example: "67f1a0b0c0d0e0f0a0b0c0d0" });

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

/** An ISO 8601 date-time in a query string, as epoch milliseconds. */
export const DateQuerySchema = z.iso
  .datetime({ offset: true })
  .transform((value) => Date.parse(value))
  .openapi({ example: "2026-05-01T00:00:00.000Z" });

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
export const DateInputSchema = z.iso
  .datetime({ offset: true })
  .transform((value) => Date.parse(value))
  .openapi({ example: "2024-12-01T08:45:00.000Z" });

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing NUL is the point
const NO_NUL = /^[^\u0000]*$/;

/** The text of a message: newlines and tabs are text, a NUL never is. */
export const MessageTextSchema = z
  .string()
  .min(1)
  .max(10_000)
  .regex(NO_NUL, "must not contain NUL characters");
