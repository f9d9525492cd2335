import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../../app-env";
import { ApiError, type ErrorCode } from "./api-error";
import { conversationsErrorBody } from "../../surfaces/conversations/envelope";
import { DatabaseError, findDatabaseError } from "./database-error";
import { trainingErrorBody } from "../../surfaces/training/envelope";

export type Surface = "training" | "conversations";

/** A path belongs to the Conversations API by its prefix; everything else answers like Training. */
export const surfaceOf = (path: string): Surface =>
  path === "/v1/api" || path.startsWith("/v1/api/") ? "conversations" : "training";

/** Seconds a client should wait before retrying after a database outage or overload. */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: "invalid_json",
  401: "missing_token",
  404: "route_not_found",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

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

/** Renders an error in the envelope of the surface the request was addressed to. */
export function errorResponse(c: Context<AppEnv>, error: ApiError): Response {
  const requestId = c.get("requestId");
  const body =
    surfaceOf(c.req.path) === "conversations"
      ? conversationsErrorBody(error, requestId)
      : trainingErrorBody(error, requestId);
  return c.json(body, error.status, error.headers);
}

export const onError: ErrorHandler<AppEnv> = (thrown, c) => {
  const error = toApiError(thrown);
  if (error.status >= 500) {
    // The cause stays in the log, keyed by request id; the body never carries it. For database
    // failures that is D1's own message, not Drizzle's wrapper, which lists bound parameters.
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
  return errorResponse(c, error);
};
