import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { Env, MiddlewareHandler } from "hono";
import { ALWAYS, type Answers, answersOf, withAnswers } from "../errors/documented";
import { type ErrorRenderer, errorHandler } from "../errors/faults";
import { zodValidationError } from "../errors/validation";
import "../errors/zod-messages";

/** How a surface answers failures, and the schema that documents them. */
export interface ErrorEnvelope {
  render: ErrorRenderer;
  schema: z.ZodType;
}

/** A JSON body is read only after its content type is checked: anything else is a 415. */
const BODY: Answers = { statuses: [415] };

/**
 * A router answering every failure of its routes (validation of path, query, headers or body,
 * and anything thrown) in one envelope. Each API surface builds its routers with its own.
 *
 * `before` runs first on every route registered with `openapi()`, before validation: a
 * surface's authentication, which no handler then has to remember. Then the route's own
 * middleware (its role check), then, on POST routes, `posts.middleware` (idempotency, which must
 * not answer a caller the route would refuse). They are attached to the routes themselves, not to
 * a path pattern, so an unknown path or a wrong method still answers 404 or 405 rather than 401.
 *
 * Each route's documented `responses` get every error status it can answer besides its own:
 * those of every route (ALWAYS), a 415 where it reads a JSON body, and whatever its middleware
 * says it answers (`answering`). A new route cannot forget them.
 */
export function createRouter<E extends Env>(
  { render, schema }: ErrorEnvelope,
  {
    before = [],
    posts,
  }: {
    before?: MiddlewareHandler<E>[];
    /**
     * What every POST route takes: headers (documented and validated with the route's own), and
     * middleware run last.
     */
    posts?: { headers: z.ZodObject; middleware: MiddlewareHandler<E>[] };
  } = {},
) {
  const router = new OpenAPIHono<E>({
    strict: true,
    defaultHook: (result, c) => {
      if (!result.success) return render(c, zodValidationError(result.target, result.error));
    },
  });
  router.onError(errorHandler(render));
  const register = router.openapi.bind(router);
  router.openapi = ((route, handler, hook) => {
    const post = posts && route.method === "post" ? posts : undefined;
    const own = route.request?.headers as z.ZodObject | undefined;
    const headers = post ? (own ? own.extend(post.headers.shape) : post.headers) : own;
    const middleware = [...before, ...[route.middleware ?? []].flat(), ...(post?.middleware ?? [])];
    const answers = [
      { statuses: ALWAYS },
      ...(route.request?.body ? [BODY] : []),
      ...middleware.flatMap((m) => answersOf(m) ?? []),
    ];
    return register(
      {
        ...route,
        ...(headers ? { request: { ...route.request, headers } } : {}),
        middleware,
        responses: withAnswers(route.responses, schema, answers),
      },
      handler,
      hook,
    );
  }) as typeof router.openapi;
  return router;
}
