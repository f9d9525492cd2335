import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ApiError, ErrorStatus } from "../../platform/errors/api-error";
import {
  documentErrors,
  ErrorCodeSchema,
  FieldIssueSchema,
} from "../../platform/errors/documented";
import { contentHash, respondConditionally } from "../../platform/http/conditional";
import type { ErrorEnvelope } from "../../platform/http/router";

/*
 * The Conversations API's envelope: results are bare JSON, failures `{ error: { code, message,
 * requestId } }` (`reset_at` on a 429), as the vendor documents.
 */

/** A single-resource GET as JSON text: with an ETag of its content, or a 304. */
export const respondWithResource = async (c: Context, json: string) =>
  respondConditionally(c, json, `"${await contentHash(json)}"`);

export const ConversationsErrorSchema = z
  .object({
    error: z.object({
      code: ErrorCodeSchema.openapi({ example: "invalid_api_key" }),
      message: z.string().openapi({ example: "Invalid or revoked API key" }),
      requestId: z.string().openapi({ example: "3f0c8a52-8d1e-4f0a-9f7e-6f2b1c9d4e21" }),
      details: z.array(FieldIssueSchema).optional(),
      reset_at: z
        .string()
        .optional()
        .openapi({ description: "On 429 only: when the limit resets (ISO 8601)." }),
    }),
  })
  .openapi("ConversationsError");

export type ConversationsErrorBody = z.infer<typeof ConversationsErrorSchema>;

export function conversationsErrorBody(error: ApiError, requestId: string): ConversationsErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.details ? { details: error.details } : {}),
      ...(error.resetAt ? { reset_at: error.resetAt } : {}),
    },
  };
}

export const renderConversationsError = (c: Context, error: ApiError): Response =>
  c.json(conversationsErrorBody(error, c.get("requestId")), error.status, error.headers);

export const conversationsEnvelope: ErrorEnvelope = {
  render: renderConversationsError,
  schema: ConversationsErrorSchema,
};

/** The error statuses a route answers itself (its router adds the rest). */
export const conversationsErrors = (...statuses: ErrorStatus[]) =>
  documentErrors(ConversationsErrorSchema, statuses);
