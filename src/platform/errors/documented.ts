import { z } from "@hono/zod-openapi";
import { ERROR_STATUS, type ErrorCode, type ErrorStatus } from "./api-error";

export const ErrorCodeSchema = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

export const FieldIssueSchema = z
  .object({
    field: z.string().openapi({ example: "path.id" }),
    rule: z.string().openapi({ example: "pattern" }),
    message: z.string().openapi({ example: "must be a 24-character hexadecimal id" }),
  })
  .openapi("FieldIssue");

const DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: "The request is invalid: `details` names each offending field and the rule it broke.",
  401: "Missing or invalid credentials.",
  403: "The credentials are valid but not allowed to do this.",
  404: "No such resource in the caller's organization, or no such route.",
  405: "The path exists but not with this method; see the `Allow` header.",
  409: "The resource is not in a state that allows this change.",
  412: "`If-Match` does not match the resource's current ETag.",
  413: "The request body is too large.",
  415: "The request body is not JSON.",
  422: "The `Idempotency-Key` was used with another request body within 24 hours.",
  429: "Too many requests; retry after `Retry-After` seconds.",
  431: "A request header is too large.",
  500: "Unexpected fault. The body carries a request id to quote; never a stack or SQL.",
  503: "The database is unavailable or overloaded; retry after `Retry-After` seconds.",
};

/** Every route answers these whatever it does. */
export const ALWAYS: ErrorStatus[] = [429, 431, 500, 503];

/**
 * The OpenAPI `responses` entries for a surface's error statuses, all pointing at that surface's
 * envelope, so every route documents its errors with one spread.
 */
export function documentErrors(schema: z.ZodType, statuses: ErrorStatus[]) {
  const responses: Partial<
    Record<
      ErrorStatus,
      { description: string; content: { "application/json": { schema: z.ZodType } } }
    >
  > = {};
  for (const status of [...statuses, ...ALWAYS]) {
    responses[status] = {
      description: DESCRIPTIONS[status],
      content: { "application/json": { schema } },
    };
  }
  return responses;
}
