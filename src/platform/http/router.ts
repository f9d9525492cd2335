import { type Hook, OpenAPIHono, type z } from "@hono/zod-openapi";
import type { Env, HonoRequest, MiddlewareHandler } from "hono";
import { type FieldIssue, validationError } from "../errors/api-error";
import { ALWAYS, type Answers, answersOf, withAnswers } from "../errors/documented";
import { type ErrorRenderer, errorHandler } from "../errors/faults";
import { issuesFromZod, malformedTextIssues } from "../errors/validation";
import "../errors/zod-messages";
import { strictUtf8Body } from "./strict-utf8";

/** A `\uD800`–`\uDFFF` escape: only a body holding one can hold a lone surrogate. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

const parseOrNothing = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

type ValidationResult = { success: boolean; target: string; data?: unknown; error?: z.ZodError };

/**
 * What is wrong with one validated input: the schema's findings and, for a JSON body, its lone
 * surrogates, which no schema has to remember. Decoded text never holds a lone surrogate, so the
 * body is parsed again (and walked) only when it escapes one. A failed result carries the body as
 * received, a successful one only its output.
 */
export async function inputIssues(
  result: ValidationResult,
  req: HonoRequest,
): Promise<FieldIssue[]> {
  const issues = result.error ? issuesFromZod(result.target, result.error) : [];
  if (result.target === "json") {
    const text = await req.text();
    if (SURROGATE_ESCAPE.test(text)) {
      // A body sent as another media type was never parsed: nothing of it reaches a handler.
      const body = result.success ? parseOrNothing(text) : result.data;
      issues.push(...malformedTextIssues(result.target, body));
    }
  }
  return issues;
}

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
 * middleware (its role check), then, on a route that takes a body, its strict UTF-8 reading
 * (`strictUtf8Body`), then, on POST routes, `posts.middleware` (idempotency, which must not
 * answer a caller the route would refuse). They are attached to the routes themselves, not to a
 * path pattern, so an unknown path or a wrong method still answers 404 or 405 rather than 401.
 *
 * Validation answers through the router's hook: every issue of an input (`inputIssues`) in one
 * 400. A route's own hook answers first, and whatever it lets through still gets that check.
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
  const defaultHook: Hook<unknown, E, string, Promise<Response | undefined>> = async (
    result,
    c,
  ) => {
    const issues = await inputIssues(result, c.req);
    if (issues.length > 0) return render(c, validationError(issues));
  };
  const withDefault =
    (hook: Hook<unknown, E, string, unknown>): typeof defaultHook =>
    async (result, c) =>
      ((await hook(result, c)) as Response | undefined) ?? defaultHook(result, c);
  const router = new OpenAPIHono<E>({ strict: true, defaultHook });
  router.onError(errorHandler(render));
  const register = router.openapi.bind(router);
  router.openapi = ((route, handler, hook) => {
    const post = posts && route.method === "post" ? posts : undefined;
    const own = route.request?.headers as z.ZodObject | undefined;
    const headers = post ? (own ? own.extend(post.headers.shape) : post.headers) : own;
    const middleware = [
      ...before,
      ...[route.middleware ?? []].flat(),
      // Once the caller may send this body, and before anything reads it.
      ...(route.request?.body ? [strictUtf8Body] : []),
      ...(post?.middleware ?? []),
    ];
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
      hook && (withDefault(hook as never) as typeof hook),
    );
  }) as typeof router.openapi;
  return router;
}
