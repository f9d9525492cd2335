import type { AppOpenAPI } from "./app-env";
import { ApiError, validationError } from "./errors/api-error";
import { errorResponse, onError } from "./errors/handler";
import { REQUIRED_MESSAGE } from "./errors/zod-messages";
import { createRouter } from "./lib/create-app";
import { registerOpenApi } from "./lib/openapi";
import { createRouteTable } from "./lib/route-table";
import { requestContext } from "./middleware/request-context";
import apiKeys from "./routes/api-keys/api-keys.index";
import auth from "./routes/auth/auth.index";
import conversations from "./routes/conversations/conversations.index";
import health from "./routes/health/health.index";
import snapshots from "./routes/training-snapshots/snapshots.index";

/** The whole API. The Worker serves it and the tests request it: one app, built one way. */
export function createApp(): AppOpenAPI {
  const app = createRouter();
  app.use("*", requestContext);

  app.route("/", health);
  app.route("/", auth);
  app.route("/", snapshots);
  app.route("/", conversations);
  app.route("/", apiKeys);
  registerOpenApi(app);

  let routeTable: ReturnType<typeof createRouteTable> | undefined;
  app.notFound((c) => {
    routeTable ??= createRouteTable(app.routes);
    const { allowed, emptyParam } = routeTable.match(c.req.method, c.req.path);
    if (emptyParam) {
      return errorResponse(
        c,
        validationError([
          { field: `path.${emptyParam}`, rule: "required", message: REQUIRED_MESSAGE },
        ]),
      );
    }
    if (allowed.length > 0) {
      return errorResponse(
        c,
        new ApiError("method_not_allowed", `Method ${c.req.method} is not allowed on this path`, {
          headers: { Allow: allowed.join(", ") },
        }),
      );
    }
    const path = c.req.path.length > 200 ? `${c.req.path.slice(0, 200)}…` : c.req.path;
    return errorResponse(
      c,
      new ApiError("route_not_found", `No route for ${c.req.method} ${path}`),
    );
  });
  app.onError(onError);
  return app;
}
