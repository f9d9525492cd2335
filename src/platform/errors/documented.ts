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
  400: "The request is invalid: `details` names each offending field and the rule it broke (a body that is not JSON at all is `invalid_json`, without `details`).",
  401: "Missing or invalid credentials.",
  403: "The credentials are valid but not allowed to do this.",
  404: "No such resource in the caller's organization.",
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

/**
 * Every route answers these whatever it does: a malformed `x-d1-bookmark` (400), a body over
 * the limit (413, whatever the method), oversized headers (431), faults (500, 503). All of them
 * are answered before or around the route, by the app.
 */
export const ALWAYS: ErrorStatus[] = [400, 413, 431, 500, 503];

/**
 * The error statuses something in front of a route can answer, and for any whose generic
 * description does not cover why, the sentence that does.
 */
export interface Answers {
  statuses: readonly ErrorStatus[];
  notes?: Partial<Record<ErrorStatus, string>>;
}

const ANSWERS = Symbol("answers");

/**
 * Marks a middleware with the error statuses it can answer: every route it guards then
 * documents them (see createRouter), so a route cannot forget what its middleware answers.
 */
export function answering<M extends object>(answers: Answers, middleware: M): M {
  return Object.assign(middleware, { [ANSWERS]: answers });
}

/** What a middleware marked by `answering` answers; nothing for any other. */
export const answersOf = (middleware: unknown): Answers | undefined =>
  typeof middleware === "function" || (typeof middleware === "object" && middleware !== null)
    ? (middleware as { [ANSWERS]?: Answers })[ANSWERS]
    : undefined;

interface ErrorResponse {
  description: string;
  content: { "application/json": { schema: z.ZodType } };
}

/**
 * The OpenAPI `responses` entries for a surface's error statuses, all pointing at that surface's
 * envelope: what a route answers itself (404, 409, 412…). What every route answers, and what its
 * middleware answers, its router adds (`withAnswers`).
 */
export function documentErrors(schema: z.ZodType, statuses: ErrorStatus[]) {
  const responses: Partial<Record<ErrorStatus, ErrorResponse>> = {};
  for (const status of statuses) {
    responses[status] = {
      description: DESCRIPTIONS[status],
      content: { "application/json": { schema } },
    };
  }
  return responses;
}

type Responses = Record<string | number, unknown>;

/**
 * A route's `responses` with these answers added in the surface's envelope: a status the route
 * does not document yet gets its own entry; one it documents keeps its entry, and a note on why
 * (an `Idempotency-Key` still being answered, for a 409) is added to its description.
 */
export function withAnswers<R extends Responses>(
  responses: R,
  schema: z.ZodType,
  answers: readonly Answers[],
): R {
  const merged: Responses = { ...responses };
  for (const { statuses, notes } of answers) {
    for (const status of statuses) {
      const note = notes?.[status];
      const documented = merged[status] as { description: string } | undefined;
      if (!documented) {
        merged[status] = {
          description: note ?? DESCRIPTIONS[status],
          content: { "application/json": { schema } },
        };
      } else if (note && !documented.description.includes(note)) {
        merged[status] = { ...documented, description: `${documented.description} ${note}` };
      }
    }
  }
  return merged as R;
}
