import type { Context, TypedResponse } from "hono";

/**
 * JSON text built inside SQLite, as a route's typed answer. The text is the document the route's
 * schema describes (the contract tests hold every answer to it), so no object is typed here.
 */
export const jsonText = <S extends 200 | 201>(
  c: Context,
  text: string,
  status: S,
  headers: Record<string, string> = {},
) =>
  c.body(text, status, {
    "Content-Type": "application/json",
    ...headers,
  }) as unknown as TypedResponse<never, S, "json">;
