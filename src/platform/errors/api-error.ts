import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Every machine code either surface can answer with, and its HTTP status. Both envelopes carry the
 * same codes, so a client can switch on `code` whichever API it talks to.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  invalid_url: 400,
  missing_token: 401,
  invalid_token: 401,
  token_expired: 401,
  token_revoked: 401,
  invalid_setup_token: 401,
  invalid_refresh_token: 401,
  refresh_token_reused: 401,
  invalid_credentials: 401,
  missing_api_key: 401,
  invalid_api_key: 401,
  missing_workspace: 401,
  forbidden: 403,
  workspace_mismatch: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  last_admin: 409,
  idempotency_in_progress: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  rate_limited: 429,
  headers_too_large: 431,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

/** One broken rule of one input field, so a client can point at the exact thing to fix. */
export interface FieldIssue {
  /** Where the value came from and its path: `path.id`, `header.x-api-key`, `body.tags[2]`. */
  field: string;
  /** The rule broken, as a stable machine word: `pattern`, `required`, `too_long`, `unknown_field`… */
  rule: string;
  message: string;
}

interface ApiErrorOptions {
  details?: FieldIssue[];
  headers?: Record<string, string>;
  /** For 429: when the caller may try again (ISO 8601). */
  resetAt?: string;
  cause?: unknown;
}

export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly details: FieldIssue[] | undefined;
  readonly headers: Record<string, string>;
  readonly resetAt: string | undefined;

  constructor(code: ErrorCode, message: string, options: ApiErrorOptions = {}) {
    super(ERROR_STATUS[code], { message, cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
    this.resetAt = options.resetAt;
  }
}

export const validationError = (details: FieldIssue[]) =>
  new ApiError(
    "validation_failed",
    `Invalid request: ${details.map((d) => `${d.field} ${d.message}`).join("; ")}`,
    { details },
  );
