import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { docsRouter } from "./meta/docs";
import { healthRouter } from "./meta/health/health.index";
import { registerOpenApi } from "./meta/openapi";
import { reviewRouter } from "./meta/review";
import { corsOrigins } from "./platform/config";
import { ApiError, validationError } from "./platform/errors/api-error";
import { type ErrorRenderer, errorHandler } from "./platform/errors/faults";
import { REQUIRED_MESSAGE } from "./platform/errors/zod-messages";
import { announceEvents } from "./platform/events/announce";
import type { AppEnv } from "./platform/http/app-env";
import { requestContext } from "./platform/http/request-context";
import { createRouteTable } from "./platform/http/route-table";
import { conversationsRoutes, conversationsSurface } from "./surfaces/conversations-api";
import { trainingRoutes, trainingSurface } from "./surfaces/training-api";

/**
 * The security headers of every answer, as OWASP's REST Security Cheat Sheet sets them for an API:
 * its answers are JSON, never rendered as a page, never framed, never read by another origin's
 * page without CORS. Headers that only steer how a browser treats an HTML document
 * (Cross-Origin-Opener-Policy, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options,
 * X-Permitted-Cross-Domain-Policies, X-XSS-Protection) are left to the HTML pages
 * (static-page.ts), which set their own full set: a header is only added where an answer has none.
 */
const API_SECURITY_HEADERS = {
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  xFrameOptions: "DENY",
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  // Nothing here sets X-Powered-By: no header to remove on every answer.
  removePoweredBy: false,
  overwrite: false,
} satisfies Parameters<typeof secureHeaders>[0];

/** Enough for the largest valid body (1,000 message ids plus 10,000 characters of notes). */
export const MAX_BODY_BYTES = 128 * 1024;

/**
 * The envelope of a request that no surface router answered (an unknown path, a wrong method,
 * a failure before routing): the surface whose prefix the path shares, else the Training shape.
 * The only place that tells surfaces apart by URL.
 */
const renderByPath: ErrorRenderer = (c: Context, error: ApiError) => {
  const path = c.req.path;
  const { prefix, render } = conversationsSurface;
  const conversations = path.startsWith(prefix) || `${path}/` === prefix;
  return (conversations ? render : trainingSurface.render)(c, error);
};

/** The CORS middleware for these allowed origins; null when none are (CORS off). */
function corsMiddleware(origins: "*" | string[]): MiddlewareHandler<AppEnv> | null {
  if (origins !== "*" && origins.length === 0) return null;
  return cors({
    origin: origins,
    allowMethods: ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: [
      "authorization",
      "content-type",
      "x-api-key",
      "x-workspace-id",
      "if-match",
      "if-none-match",
      "x-d1-bookmark",
      "x-request-id",
      "idempotency-key",
    ],
    exposeHeaders: [
      "Idempotent-Replayed",
      "ETag",
      "Link",
      "Location",
      "Retry-After",
      "RateLimit-Limit",
      "RateLimit-Remaining",
      "RateLimit-Reset",
      "Server-Timing",
      "x-d1-bookmark",
      "x-request-id",
    ],
    maxAge: 600,
  });
}

/** The whole API. The Worker serves it and the tests request it: one app, built one way. */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ strict: true });
  // A request that finds its organization moved is sent through the app again (to its new shard).
  app.use(
    "*",
    requestContext(renderByPath, (request, env, ctx) => app.fetch(request, env, ctx)),
  );
  app.use("*", announceEvents);
  app.use("*", secureHeaders(API_SECURITY_HEADERS));
  // Built once per CORS_ORIGINS value (a setting, fixed for an isolate), not on every request.
  const corsBySetting = new Map<string, MiddlewareHandler<AppEnv> | null>();
  const corsFor = (env: Env): MiddlewareHandler<AppEnv> | null => {
    const setting = env.CORS_ORIGINS ?? "";
    let handler = corsBySetting.get(setting);
    if (handler === undefined) {
      handler = corsMiddleware(corsOrigins(env));
      corsBySetting.set(setting, handler);
    }
    return handler;
  };
  app.use("*", (c, next) => {
    const handler = corsFor(c.env);
    return handler ? handler(c, next) : next();
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        renderByPath(
          c,
          new ApiError(
            "payload_too_large",
            `Request bodies are limited to ${MAX_BODY_BYTES} bytes`,
          ),
        ),
    }),
  );

  // Chained, so the app's type carries every route for the typed client (`AppType`).
  // Outside both surfaces, errors answer in the Training shape: the default.
  const fallback = trainingSurface.envelope;
  const routes = app
    .route("/", healthRouter(fallback))
    .route("/", trainingRoutes)
    .route("/", conversationsRoutes);
  registerOpenApi(app);
  app.route("/", docsRouter(fallback));
  app.route("/", reviewRouter(fallback));

  let routeTable: ReturnType<typeof createRouteTable> | undefined;
  app.notFound((c) => {
    routeTable ??= createRouteTable(app.routes);
    const { allowed, emptyParam } = routeTable.match(c.req.method, c.req.path);
    if (emptyParam) {
      return renderByPath(
        c,
        validationError([
          { field: `path.${emptyParam}`, rule: "required", message: REQUIRED_MESSAGE },
        ]),
      );
    }
    if (allowed.length > 0) {
      return renderByPath(
        c,
        new ApiError("method_not_allowed", `Method ${c.req.method} is not allowed on this path`, {
          headers: { Allow: allowed.join(", ") },
        }),
      );
    }
    const path = c.req.path.length > 200 ? `${c.req.path.slice(0, 200)}…` : c.req.path;
    return renderByPath(c, new ApiError("route_not_found", `No route for ${c.req.method} ${path}`));
  });
  app.onError(errorHandler(renderByPath));
  return routes;
}
