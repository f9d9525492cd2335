import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { Env, MiddlewareHandler } from "hono";
import { type ErrorRenderer, errorHandler } from "../errors/faults";
import { zodValidationError } from "../errors/validation";
import "../errors/zod-messages";

/**
 * A router answering every failure of its routes (validation of path, query, headers or body,
 * and anything thrown) in one envelope. Each API surface builds its routers with its own.
 *
 * `before` runs first on every route registered with `openapi()`, before validation: a
 * surface's authentication, which no handler then has to remember. Then the route's own
 * middleware (its role check), then `after` (idempotency, which must not answer a caller the
 * route would refuse). They are attached to the routes themselves, not to a path pattern, so an
 * unknown path or a wrong method still answers 404 or 405 rather than 401.
 */
export function createRouter<E extends Env>(
  render: ErrorRenderer,
  {
    before = [],
    after = [],
    postHeaders,
  }: {
    before?: MiddlewareHandler<E>[];
    after?: MiddlewareHandler<E>[];
    /** Headers every POST route of the router takes (documented and validated with its own). */
    postHeaders?: z.ZodObject;
  } = {},
) {
  const router = new OpenAPIHono<E>({
    strict: true,
    defaultHook: (result, c) => {
      if (!result.success) return render(c, zodValidationError(result.target, result.error));
    },
  });
  router.onError(errorHandler(render));
  if (before.length > 0 || after.length > 0 || postHeaders) {
    const register = router.openapi.bind(router);
    router.openapi = ((route, handler, hook) => {
      const own = route.request?.headers as z.ZodObject | undefined;
      const headers =
        postHeaders && route.method === "post"
          ? own
            ? own.extend(postHeaders.shape)
            : postHeaders
          : own;
      return register(
        {
          ...route,
          ...(headers ? { request: { ...route.request, headers } } : {}),
          middleware: [...before, ...[route.middleware ?? []].flat(), ...after],
        },
        handler,
        hook,
      );
    }) as typeof router.openapi;
  }
  return router;
}
