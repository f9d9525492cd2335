import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../../src/app";
import { openApiConfig } from "../../src/meta/openapi";
import { contractCheck, type OpenApiDocument, type RouteDefinition } from "./contract";

export const app = createApp();

let checkAnswer: ReturnType<typeof contractCheck> | undefined;

/**
 * A request to the app as the Worker would serve it, optionally with some bindings replaced
 * (a wrapped DB, another config value). Every answer is held to the OpenAPI document
 * (helpers/contract.ts): one it does not document fails the test.
 */
export async function request(
  path: string,
  init: RequestInit = {},
  bindings: Partial<Env> = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.request(path, init, { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  checkAnswer ??= contractCheck(
    app.getOpenAPI31Document(openApiConfig("http://localhost")) as unknown as OpenApiDocument,
    app.routes,
    app.openAPIRegistry.definitions as unknown as RouteDefinition[],
  );
  await checkAnswer((init.method ?? "GET").toUpperCase(), path, response);
  return response;
}

export const json = (body: unknown, init: RequestInit = {}): RequestInit => ({
  ...init,
  method: init.method ?? "POST",
  headers: { "content-type": "application/json", ...(init.headers as Record<string, string>) },
  body: JSON.stringify(body),
});

/** The `d1;dur=` entries of a Server-Timing header: one per D1 round trip. */
export const d1RoundTrips = (response: Response): number =>
  (response.headers.get("server-timing") ?? "").split(",").filter((e) => e.trim().startsWith("d1;"))
    .length;
