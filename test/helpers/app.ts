import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../../src/app";

export const app = createApp();

/**
 * A request to the app as the Worker would serve it, optionally with some bindings replaced
 * (a wrapped DB, another config value).
 */
export async function request(
  path: string,
  init: RequestInit = {},
  bindings: Partial<Env> = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.request(path, init, { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
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
