import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ApiError, ErrorStatus } from "../../platform/errors/api-error";
import {
  documentErrors,
  ErrorCodeSchema,
  FieldIssueSchema,
} from "../../platform/errors/documented";
import { respondConditionally } from "../../platform/http/conditional";
import { type CursorPosition, encodeCursor } from "../../platform/http/cursor";
import { jsonText } from "../../platform/http/json-text";
import type { ErrorEnvelope } from "../../platform/http/router";

/*
 * The Training API's envelope: `{ success: true, data }` around every result, and
 * `{ success: false, error, code, requestId }` around every failure (`error` stays a string, as
 * the vendor documents it).
 */

export const ok = <T>(data: T) => ({ success: true as const, data });

/** Where a newest-first list stopped, and how to go on. */
export const PaginationSchema = z.object({
  nextCursor: z.string().nullable().openapi({
    description: "Pass as `cursor` for the next page; null on the last page.",
  }),
  hasMore: z.boolean(),
  limit: z.number().int(),
});

/** A single result's answer: `{ success, data }`, named `name`. */
export const dataSchema = <T extends z.ZodType>(data: T, name: string) =>
  z.object({ success: z.literal(true), data }).openapi(name);

/** A list page's answer: `{ success, data: [item…], pagination }`, named `name`. */
export const listResponseSchema = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({ success: z.literal(true), data: z.array(item), pagination: PaginationSchema })
    .openapi(name);

/** The cursor position of a row listed newest first by (createdAt, id). */
const byCreation = (row: { createdAt: number; id: string }): CursorPosition => ({
  createdAt: row.createdAt,
  id: row.id,
});

/** A newest-first keyset page of documents (JSON text, `limit + 1` rows: one more says so). */
export function respondWithPage(
  c: Context,
  rows: { doc: string; createdAt: number; id: string }[],
  limit: number,
) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const hasMore = rows.length > limit;
  const pagination = {
    nextCursor: hasMore && last !== undefined ? encodeCursor(byCreation(last)) : null,
    hasMore,
    limit,
  };
  const data = items.map((row) => row.doc).join(",");
  return jsonText(
    c,
    `{"success":true,"data":[${data}],"pagination":${JSON.stringify(pagination)}}`,
    200,
  );
}

/** A result whose data is already JSON text (a document, an array of them): `{ success, data }`. */
export const respondWithData = <S extends 200 | 201>(
  c: Context,
  dataJson: string,
  status: S,
  headers: Record<string, string> = {},
) => jsonText(c, `{"success":true,"data":${dataJson}}`, status, headers);

/** A write's answer around its document (JSON text): `{ success, message, data }`. */
export const respondWritten = <S extends 200 | 201>(
  c: Context,
  message: string,
  dataJson: string,
  status: S,
  headers: Record<string, string> = {},
) =>
  jsonText(
    c,
    `{"success":true,"message":${JSON.stringify(message)},"data":${dataJson}}`,
    status,
    headers,
  );

/** A single-resource GET whose data is already JSON text: the envelope, its ETag, or a 304. */
export const respondWithResource = (c: Context, dataJson: string, etag: string) =>
  respondConditionally(c, `{"success":true,"data":${dataJson}}`, etag);

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

export const renderTrainingError = (c: Context, error: ApiError): Response =>
  c.json(trainingErrorBody(error, c.get("requestId")), error.status, error.headers);

export const trainingEnvelope: ErrorEnvelope = {
  render: renderTrainingError,
  schema: TrainingErrorSchema,
};

/** The error statuses a route answers itself (its routers add the rest). */
export const trainingErrors = (...statuses: ErrorStatus[]) =>
  documentErrors(TrainingErrorSchema, statuses);
