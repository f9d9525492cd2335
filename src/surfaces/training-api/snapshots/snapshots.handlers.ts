import type { Hook } from "@hono/zod-openapi";
import { ApiError, validationError } from "../../../platform/errors/api-error";
import { contentHash } from "../../../platform/http/conditional";
import { parseIfMatch, versionedEtag } from "../../../platform/http/etag";
import { inputIssues } from "../../../platform/http/router";
import { newObjectId } from "../../../platform/util/ids";
import { textOrNull } from "../../../platform/util/text";
import type { TrainingEnv } from "../bearer";
import { renderTrainingError, respondWithResource, respondWritten } from "../envelope";
import { respondWithList, type TrainingHandler } from "../router";
import { capturedSnapshot, loadCaptureSources } from "./snapshots.capture";
import {
  deleteSnapshot,
  findSnapshotDocument,
  insertSnapshot,
  listSnapshots,
  updateSnapshot,
} from "./snapshots.repository";
import type {
  CreateRoute,
  GetOneRoute,
  ListRoute,
  PatchRoute,
  RemoveRoute,
} from "./snapshots.routes";
import {
  EDITABLE_SNAPSHOT_FIELDS,
  MAX_SNAPSHOT_MESSAGES,
  SnapshotSchema,
} from "./snapshots.schemas";

/** The ETag of a snapshot's representation: its version (for If-Match) and a hash of it. */
const snapshotEtag = async (version: number, dataJson: string) =>
  versionedEtag(version, await contentHash(dataJson));

const notFound = (id: string) => new ApiError("not_found", `Training snapshot ${id} not found`);
const stale = () =>
  new ApiError(
    "precondition_failed",
    "The snapshot has changed since the ETag in If-Match; fetch it again and retry",
  );

export const list: TrainingHandler<ListRoute> = (c) =>
  respondWithList(c, c.req.valid("query"), listSnapshots);

export const create: TrainingHandler<CreateRoute> = async (c) => {
  const { user } = c.var;
  const body = c.req.valid("json");
  const db = c.get("db");
  const sources = await loadCaptureSources(
    db,
    user.organizationId,
    user.userId,
    { contactId: body.contactId, conversationId: body.conversationId, messageIds: body.messageIds },
    MAX_SNAPSHOT_MESSAGES,
  );
  const now = Date.now();
  const { snapshot, copies } = capturedSnapshot(body, sources, {
    id: newObjectId(now),
    organizationId: user.organizationId,
    now,
  });
  const { version, doc } = await insertSnapshot(db, c.var.outbox, snapshot, copies);
  return respondWritten(c, "Training snapshot created successfully", doc, 201, {
    ETag: await snapshotEtag(version, doc),
    Location: `/api/training/snapshots/${snapshot.id}`,
  });
};

export const getOne: TrainingHandler<GetOneRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const { user } = c.var;
  const found = await findSnapshotDocument(c.get("db"), user.organizationId, id);
  if (!found) throw notFound(id);
  return respondWithResource(c, found.doc, await snapshotEtag(found.version, found.doc));
};

const IMMUTABLE_FIELDS = new Set(
  Object.keys(SnapshotSchema.shape).filter((key) => !EDITABLE_SNAPSHOT_FIELDS.includes(key)),
);

/**
 * PATCH's validation hook: a field of the snapshot that cannot be edited is reported as
 * `immutable`, so the client learns it is not a typo but a rule.
 */
export const patchHook: Hook<unknown, TrainingEnv, string, Promise<Response> | undefined> = (
  result,
  c,
) => {
  if (result.success) return undefined;
  return inputIssues(result, c.req).then((found) => {
    const issues = found.map((issue) => {
      const key = issue.field.replace(/^body\./, "");
      return issue.rule === "unknown_field" && IMMUTABLE_FIELDS.has(key)
        ? {
            ...issue,
            rule: "immutable",
            message: `cannot be changed; only ${EDITABLE_SNAPSHOT_FIELDS.join(", ")} can`,
          }
        : issue;
    });
    return renderTrainingError(c, validationError(issues));
  });
};

export const patch: TrainingHandler<PatchRoute> = async (c) => {
  const { user } = c.var;
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const { "if-match": ifMatch } = c.req.valid("header");
  const changes = body.notes === undefined ? body : { ...body, notes: textOrNull(body.notes) };
  const outcome = await updateSnapshot(
    c.get("db"),
    c.var.outbox,
    user.organizationId,
    id,
    changes,
    parseIfMatch(ifMatch),
    Date.now(),
  );
  if (outcome.status === "not_found") throw notFound(id);
  if (outcome.status === "stale") throw stale();
  const { version, doc } = outcome.value;
  return respondWritten(c, "Training snapshot updated successfully", doc, 200, {
    ETag: await snapshotEtag(version, doc),
  });
};

export const remove: TrainingHandler<RemoveRoute> = async (c) => {
  const { user } = c.var;
  const { id } = c.req.valid("param");
  const { "if-match": ifMatch } = c.req.valid("header");
  const outcome = await deleteSnapshot(
    c.get("db"),
    c.var.outbox,
    user.organizationId,
    id,
    parseIfMatch(ifMatch),
  );
  if (outcome.status === "not_found") throw notFound(id);
  if (outcome.status === "stale") throw stale();
  return c.body(null, 204);
};
