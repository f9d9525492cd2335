import type { Context } from "hono";

/**
 * Work a request leaves for after its answer (`waitUntil`): not awaited, not in Server-Timing.
 * A failure is logged as a warning saying what takes over (`fallback`: a sweep, the next
 * request); without an execution context (a bare `app.request` in a script) it is awaited.
 */
export async function afterResponse(
  c: Context,
  work: Promise<unknown>,
  fallback: string,
): Promise<void> {
  const logged = work.then(
    () => undefined,
    (error: unknown) =>
      console.warn(
        JSON.stringify({
          level: "warn",
          requestId: c.get("requestId"),
          message: fallback,
          error: error instanceof Error ? error.message : String(error),
        }),
      ),
  );
  try {
    c.executionCtx.waitUntil(logged);
  } catch {
    await logged;
  }
}
