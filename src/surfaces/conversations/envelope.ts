import { z } from "@hono/zod-openapi";
import type { ApiError, ErrorStatus } from "../../platform/errors/api-error";
import { documentErrors, ErrorCodeSchema, FieldIssueSchema } from "../../platform/errors/documented";

/** The Conversations API's error envelope: `{ error: { code, message } }`, as the vendor documents. */

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

export const conversationsErrors = (...statuses: ErrorStatus[]) =>
  documentErrors(ConversationsErrorSchema, statuses);
