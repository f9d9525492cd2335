import { ApiError, validationError } from "../../../platform/errors/api-error";
import { newWebhookSecret } from "../../../platform/events/signature";
import { decodeCursor } from "../../../platform/http/cursor";
import { checkWebhookUrl } from "../../../platform/http/outbound-url";
import { newObjectId } from "../../../platform/util/ids";
import { ok, respondWithData, respondWithPage } from "../envelope";
import type { TrainingHandler } from "../router";
import {
  deleteWebhook,
  findWebhookDocument,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  recordTestEvent,
  rotateSecret as rotate,
  updateWebhook,
} from "./webhooks.repository";
import type {
  CreateRoute,
  DeliveriesRoute,
  GetOneRoute,
  ListRoute,
  PatchRoute,
  RemoveRoute,
  RotateSecretRoute,
  TestRoute,
} from "./webhooks.routes";
import { MAX_URL_LENGTH, MAX_WEBHOOKS } from "./webhooks.schemas";

/** How long a rotated-out secret keeps signing. */
export const SECRET_GRACE_MS = 24 * 3600 * 1000;

const notFound = (id: string) => new ApiError("not_found", `Webhook ${id} not found`);

/**
 * The URL as it will be stored and called, or a 400 naming the rule it breaks: `invalid_url`
 * for a URL that cannot be one (not absolute, another scheme, credentials, a host that is not
 * public), `validation_failed` for one too long to store. The length limit
 * holds for what is stored: parsing percent-encodes, so a URL within it as sent (2,020
 * characters of `é`) can be six times as long once parsed.
 */
function publicUrl(env: Env, raw: string): string {
  const verdict = checkWebhookUrl(raw, { allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK === "true" });
  if (!verdict.ok) {
    throw new ApiError("invalid_url", `Invalid request: body.url ${verdict.reason}`, {
      details: [{ field: "body.url", rule: "public_url", message: verdict.reason }],
    });
  }
  const { href } = verdict.url;
  if (href.length > MAX_URL_LENGTH) {
    throw validationError([
      {
        field: "body.url",
        rule: "max_length",
        message: `must have at most ${MAX_URL_LENGTH} characters once encoded (${href.length})`,
      },
    ]);
  }
  return href;
}

export const create: TrainingHandler<CreateRoute> = async (c) => {
  const body = c.req.valid("json");
  const url = publicUrl(c.env, body.url);
  const now = Date.now();
  const id = newObjectId(now);
  const doc = await insertWebhook(c.get("db"), {
    id,
    organizationId: c.var.user.organizationId,
    url,
    events: body.events,
    description: body.description ?? null,
    enabled: body.enabled ?? true,
    secret: newWebhookSecret(),
    createdAt: now,
    updatedAt: now,
  });
  if (doc === undefined) {
    throw new ApiError(
      "conflict",
      `The organization already has ${MAX_WEBHOOKS} webhook endpoints; delete one first`,
    );
  }
  return respondWithData(c, doc, 201, { Location: `/api/webhooks/${id}` });
};

export const list: TrainingHandler<ListRoute> = async (c) => {
  const { cursor, limit } = c.req.valid("query");
  const position = cursor === undefined ? undefined : decodeCursor(cursor);
  const rows = await listWebhooks(c.get("db"), c.var.user.organizationId, position, limit + 1);
  return respondWithPage(c, rows, limit);
};

export const getOne: TrainingHandler<GetOneRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const doc = await findWebhookDocument(c.get("db"), c.var.user.organizationId, id);
  if (doc === null) throw notFound(id);
  return respondWithData(c, doc, 200);
};

export const patch: TrainingHandler<PatchRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const changes = body.url === undefined ? body : { ...body, url: publicUrl(c.env, body.url) };
  const doc = await updateWebhook(c.get("db"), c.var.user.organizationId, id, changes, Date.now());
  if (doc === undefined) throw notFound(id);
  return respondWithData(c, doc, 200);
};

export const remove: TrainingHandler<RemoveRoute> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await deleteWebhook(c.get("db"), c.var.user.organizationId, id))) throw notFound(id);
  return c.body(null, 204);
};

export const test: TrainingHandler<TestRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const outcome = await recordTestEvent(
    c.get("db"),
    c.var.outbox,
    c.var.user.organizationId,
    id,
    Date.now(),
  );
  if (!outcome) throw notFound(id);
  if (outcome === "disabled") {
    throw new ApiError("conflict", `Webhook ${id} is paused (enabled: false); enable it to test`);
  }
  return c.json(ok(outcome), 202);
};

export const rotateSecret: TrainingHandler<RotateSecretRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const now = Date.now();
  const doc = await rotate(
    c.get("db"),
    c.var.user.organizationId,
    id,
    newWebhookSecret(),
    now + SECRET_GRACE_MS,
    now,
  );
  if (doc === undefined) throw notFound(id);
  return respondWithData(c, doc, 200);
};

export const deliveries: TrainingHandler<DeliveriesRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const { cursor, limit } = c.req.valid("query");
  const position = cursor === undefined ? undefined : decodeCursor(cursor);
  const rows = await listDeliveries(
    c.get("db"),
    c.var.user.organizationId,
    id,
    position,
    limit + 1,
  );
  if (!rows) throw notFound(id);
  return respondWithPage(c, rows, limit);
};
