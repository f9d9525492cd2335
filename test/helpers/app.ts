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

/** A JSON answer's body, or any other: the tests read what they need of it. */
export type Body = Record<string, any>;

/** `request`, with the answer's body read: its JSON, or null when it is empty (a 204, a 304). */
export async function requestBody(
  path: string,
  init: RequestInit = {},
  bindings: Partial<Env> = {},
): Promise<{ response: Response; body: Body }> {
  const response = await request(path, init, bindings);
  const text = await response.text();
  return { response, body: (text ? JSON.parse(text) : null) as Body };
}

/** A date as the API writes it: ISO 8601 in UTC, with milliseconds. */
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The validation details of a 400, from either surface's envelope. */
export const validationDetails = (body: Body) => (body.details ?? body.error?.details) as Body[];

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
