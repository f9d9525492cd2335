import { DatabaseError } from "../errors/database-error";

/** Called once per D1 round trip with its duration in milliseconds. */
export type RoundTripListener = (durationMs: number) => void;

/** Runs one D1 round trip: timed, abandoned past the timeout, its failure a `DatabaseError`. */
export type RoundTrip = <T>(operation: () => Promise<T>) => Promise<T>;

/**
 * Every round trip of a request is timed for `Server-Timing`, and every failure surfaces as a
 * `DatabaseError` the error handler can classify (503 vs 500). A call that hangs is abandoned:
 * the request answers 503 instead of waiting for the platform to kill it (a write abandoned this
 * way may still commit; D1 batches are atomic).
 */
export const timedRoundTrips =
  (onRoundTrip: RoundTripListener, timeoutMs = 10_000): RoundTrip =>
  async (operation) => {
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`D1 did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([operation(), timeout]);
    } catch (error) {
      throw error instanceof DatabaseError ? error : new DatabaseError(error);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      onRoundTrip(performance.now() - started);
    }
  };
