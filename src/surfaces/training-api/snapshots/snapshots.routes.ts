import { createRoute, z } from "@hono/zod-openapi";
import { countEntityTags, MAX_IF_MATCH_TAGS } from "../../../platform/http/etag";
import { bearerSecurity, writers } from "../bearer";
import { trainingErrors } from "../envelope";
import { snapshotExample } from "./snapshots.examples";
import {
  CreateSnapshotBodySchema,
  ListSnapshotsQuerySchema,
  PatchSnapshotBodySchema,
  SnapshotEnvelopeSchema,
  SnapshotListResponseSchema,
  SnapshotParamsSchema,
  SnapshotWriteResponseSchema,
} from "./snapshots.schemas";

const tags = ["Training snapshots"];
const security = bearerSecurity;
const WRITER_NOTE = "Needs the `admin` or `manager` role; an `agent` gets 403 `forbidden`.";

const etagHeader = {
  ETag: {
    description:
      'The snapshot\'s version and content, `"v<version>.<hash>"`: send it as `If-None-Match` on GET (304), or as `If-Match` on PATCH and DELETE (412 when stale).',
    schema: { type: "string" as const, example: '"v1.3f0c8a528d1e4f0a"' },
  },
};

const IfMatchHeadersSchema = z.object({
  "if-match": z
    .string()
    .max(1024)
    .refine((value) => countEntityTags(value) <= MAX_IF_MATCH_TAGS, {
      message: `must list at most ${MAX_IF_MATCH_TAGS} entity-tags`,
      params: { rule: "max_items" },
    })
    .optional()
    .openapi({
      description: `An ETag from a previous response, or \`*\`: the write happens only if it is current. At most ${MAX_IF_MATCH_TAGS} comma-separated entity-tags and 1,024 characters (more is a 400 with rule \`max_items\` or \`max_length\`).`,
      example: '"v1"',
    }),
});

export const list = createRoute({
  operationId: "listTrainingSnapshots",
  method: "get",
  path: "/api/training/snapshots",
  tags,
  summary: "List training snapshots, newest first",
  description:
    "Cursor-paginated. Items are snapshots without `messages`. Pass `pagination.nextCursor` back as `cursor` for the next page.",
  security,
  request: { query: ListSnapshotsQuerySchema },
  responses: {
    200: {
      description: "One page of snapshots",
      content: { "application/json": { schema: SnapshotListResponseSchema } },
    },
  },
});

export const create = createRoute({
  operationId: "createTrainingSnapshot",
  middleware: [writers] as const,
  method: "post",
  path: "/api/training/snapshots",
  tags,
  summary: "Capture a contact's conversation as a training snapshot",
  description: `Copies the contact's messages (all of them, those of \`conversationId\`, or exactly \`messageIds\`; at most 1,000), oldest first, with the customer's details as they are now. The snapshot is written whole or not at all. ${WRITER_NOTE}`,
  security,
  request: {
    body: { required: true, content: { "application/json": { schema: CreateSnapshotBodySchema } } },
  },
  responses: {
    201: {
      description: "The snapshot, exactly as GET returns it",
      headers: {
        ...etagHeader,
        Location: { description: "The new snapshot's URL", schema: { type: "string" } },
      },
      content: { "application/json": { schema: SnapshotWriteResponseSchema } },
    },
    ...trainingErrors(404, 409),
  },
});

export const getOne = createRoute({
  operationId: "getTrainingSnapshot",
  method: "get",
  path: "/api/training/snapshots/{id}",
  tags,
  summary: "Get a single training snapshot by ID",
  description:
    "The snapshot with its creator (`userId`) and contact (`contactId`) populated, and its messages in chronological order.",
  security,
  request: { params: SnapshotParamsSchema },
  responses: {
    200: {
      description: "Training snapshot returned",
      headers: etagHeader,
      content: {
        "application/json": {
          schema: SnapshotEnvelopeSchema,
          example: { success: true, data: snapshotExample },
        },
      },
    },
    304: {
      description: "Not modified: the `If-None-Match` ETag is current. No body.",
      headers: etagHeader,
    },
    ...trainingErrors(404),
  },
});

export const patch = createRoute({
  operationId: "updateTrainingSnapshot",
  middleware: [writers] as const,
  method: "patch",
  path: "/api/training/snapshots/{id}",
  tags,
  summary: "Edit a snapshot's notes, tags, quality, category or archive flag",
  description: `Messages and everything captured with them are immutable: naming any other field is a 400. With \`If-Match\`, a stale ETag is a 412. ${WRITER_NOTE}`,
  security,
  request: {
    params: SnapshotParamsSchema,
    headers: IfMatchHeadersSchema,
    body: { required: true, content: { "application/json": { schema: PatchSnapshotBodySchema } } },
  },
  responses: {
    200: {
      description: "The updated snapshot",
      headers: etagHeader,
      content: { "application/json": { schema: SnapshotWriteResponseSchema } },
    },
    ...trainingErrors(404, 412),
  },
});

export const remove = createRoute({
  operationId: "deleteTrainingSnapshot",
  middleware: [writers] as const,
  method: "delete",
  path: "/api/training/snapshots/{id}",
  tags,
  summary: "Delete a snapshot and its message copies",
  description: `With \`If-Match\`, a stale ETag is a 412. ${WRITER_NOTE}`,
  security,
  request: { params: SnapshotParamsSchema, headers: IfMatchHeadersSchema },
  responses: {
    204: { description: "Deleted" },
    ...trainingErrors(404, 412),
  },
});

export type ListRoute = typeof list;
export type CreateRoute = typeof create;
export type GetOneRoute = typeof getOne;
export type PatchRoute = typeof patch;
export type RemoveRoute = typeof remove;
