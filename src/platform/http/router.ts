import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { errorResponse } from "../errors/faults";
import { zodValidationError } from "../errors/validation";
import "../errors/zod-messages";

/**
 * Every router of the app, so that validation failures anywhere (path, query, headers, body)
 * answer in the envelope of the surface the request was addressed to.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    strict: true,
    defaultHook: (result, c) => {
      if (!result.success) return errorResponse(c, zodValidationError(result.target, result.error));
    },
  });
}
