import type { Context, Env, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError, type ErrorCode } from "./api-error";
import { DatabaseError, findDatabaseError } from "./database-error";

/** Renders an error in one surface's envelope. Each surface has one; the platform has none. */
export type ErrorRenderer = (c: Context, error: ApiError) => Response;

/** Seconds a client should wait before retrying after a database outage or overload. */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: "invalid_json",
  401: "missing_token",
  404: "route_not_found",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/** Seconds a client waits before retrying a write refused while its organization moves. */
export const MOVE_RETRY_AFTER_SECONDS = 2;

/** What an organization's move refused, when nothing else caused it. */
const MOVING = new Error("the organization is being moved to another shard");

/** The answer to a write while its organization is being copied to another shard. */
export const organizationFrozen = (cause: unknown = MOVING) =>
  new ApiError(
    "service_unavailable",
    "This workspace is being moved to another database: writes resume in a few seconds; reads are served",
    { headers: { "Retry-After": String(MOVE_RETRY_AFTER_SECONDS) }, cause },
  );

/** Whatever was thrown becomes an ApiError; anything unforeseen is a 500 that says nothing inside. */
export function toApiError(thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown;
  const error = findDatabaseError(thrown) ?? thrown;
  if (error instanceof DatabaseError) {
    switch (error.kind) {
      case "constraint":
        return new ApiError("conflict", "The change conflicts with the current state of the data", {
          cause: error,
        });
      case "query":
        return new ApiError("internal_error", "Internal server error", { cause: error });
      case "frozen":
        return organizationFrozen(error);
      // Moved: only when sending the request to the new shard failed too (request-context.ts).
      // Listened: the outbox sends that batch again with its event (outbox.ts); not expected here.
      case "moved":
      case "listened":
      case "unavailable":
        return new ApiError(
          "service_unavailable",
          "The database is temporarily unavailable; retry shortly",
          { headers: { "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) }, cause: error },
        );
    }
  }
  // Hono's own exceptions (a malformed JSON body, a body limit) carry a status and a safe message.
  if (error instanceof HTTPException) {
    const code = HTTP_STATUS_CODES[error.status];
    if (code) return new ApiError(code, error.message, { cause: error });
  }
  return new ApiError("internal_error", "Internal server error", { cause: error });
}

/**
 * A 5xx leaves its cause in the log, keyed by request id; the body never carries it. For
 * database failures that is D1's own message, not Drizzle's wrapper, which lists bound parameters.
 */
function logFault(c: Context, error: ApiError, thrown: unknown) {
  const cause = error.cause instanceof Error ? error.cause : thrown;
  console.error(
    JSON.stringify({
      level: "error",
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      code: error.code,
      error: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
    }),
  );
}

/**
 * A request that met its organization's move (platform/db/fences.ts): a write refused while it
 * is copied, or a request sent on to the new shard. Not a fault; the request's own log line
 * records the 503.
 */
function movingOrganization(thrown: unknown): boolean {
  const kind = findDatabaseError(thrown)?.kind;
  return (
    kind === "frozen" ||
    kind === "moved" ||
    (thrown instanceof Error && thrown.name === "OrganizationMoved") ||
    (thrown instanceof ApiError && thrown.cause === MOVING)
  );
}

/** `onError` of a router: any thrown value, answered in that router's envelope. */
export function errorHandler<E extends Env>(render: ErrorRenderer): ErrorHandler<E> {
  return (thrown, c) => {
    const error = toApiError(thrown);
    if (error.status >= 500 && !movingOrganization(thrown)) logFault(c, error, thrown);
    return render(c, error);
  };
}
