import { z } from "@hono/zod-openapi";
import { OBJECT_ID_PATTERN, VENDOR_ID_PATTERN } from "./ids";

export const ObjectIdSchema = z
  .string()
  .regex(OBJECT_ID_PATTERN, "must be a 24-character hexadecimal id")
  .openapi({ example: "67f1a0b0c0d0e0f0a0b0c0d0" });

export const VendorIdSchema = z
  .string()
  .regex(VENDOR_ID_PATTERN, "must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'")
  .openapi({ example: "112ec528bf7946a12ab0fs21" });

export const IsoDateSchema = z.iso
  .datetime({ precision: 3 })
  .openapi({ example: "2026-05-18T14:30:00.000Z", description: "ISO 8601 UTC with milliseconds" });
