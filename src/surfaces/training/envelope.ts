import { z } from "@hono/zod-openapi";
import type { ApiError, ErrorStatus } from "../../platform/errors/api-error";
import { documentErrors, ErrorCodeSchema, FieldIssueSchema } from "../../platform/errors/documented";

/** The Training API's error envelope. `error` stays a string, as the vendor documents it. */

export const TrainingErrorSchema = z
  .object({
    success: z.literal(false),
    error: z.string().openapi({ example: "Invalid or expired token" }),
    code: ErrorCodeSchema.openapi({ example: "invalid_token" }),
    requestId: z.string().openapi({ example: "3f0c8a52-8d1e-4f0a-9f7e-6f2b1c9d4e21" }),
    details: z.array(FieldIssueSchema).optional(),
  })
  .openapi("TrainingError");

export type TrainingErrorBody = z.infer<typeof TrainingErrorSchema>;

export function trainingErrorBody(error: ApiError, requestId: string): TrainingErrorBody {
  return {
    success: false,
    error: error.message,
    code: error.code,
    requestId,
    ...(error.details ? { details: error.details } : {}),
  };
}

export const trainingErrors = (...statuses: ErrorStatus[]) =>
  documentErrors(TrainingErrorSchema, statuses);
