import { DatabaseError } from "../errors/database-error";

/** Called once per D1 round trip with its duration in milliseconds. */
export type RoundTripListener = (durationMs: number) => void;

type Track = <T>(operation: () => Promise<T>) => Promise<T>;

/**
 * A prepared statement that reports each execution as one round trip. `bind` returns a new
 * statement, as D1's does, so the wrapper follows it.
 */
class TimedStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    private readonly track: Track,
  ) {}

  bind(...values: unknown[]): TimedStatement {
    return new TimedStatement(this.inner.bind(...values), this.track);
  }

  first<T>(column?: string): Promise<T | null> {
    return this.track(() =>
      column === undefined ? this.inner.first<T>() : this.inner.first<T>(column),
    );
  }

  all<T>(): Promise<D1Result<T>> {
    return this.track(() => this.inner.all<T>());
  }

  run<T>(): Promise<D1Result<T>> {
    return this.track(() => this.inner.run<T>());
  }

  raw<T>(options?: { columnNames?: boolean }): Promise<T[]> {
    // D1's overloads differ only in whether the first row holds the column names.
    return this.track(() => this.inner.raw<T>(options as { columnNames: false }));
  }
}

const unwrap = (statement: D1PreparedStatement | TimedStatement): D1PreparedStatement =>
  statement instanceof TimedStatement ? statement.inner : statement;

/**
 * Wraps a D1 session (or the binding) so that every round trip is timed for `Server-Timing`,
 * and every failure surfaces as a `DatabaseError` the error handler can classify (503 vs 500).
 * A `batch` is one round trip, however many statements it carries.
 */
export function instrumentD1(
  db: Pick<D1Database, "prepare" | "batch"> | D1DatabaseSession,
  onRoundTrip: RoundTripListener,
  timeoutMs = 10_000,
): D1Database {
  const track: Track = async (operation) => {
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A call that hangs is abandoned: the request answers 503 instead of waiting for the
    // platform to kill it. (A write abandoned this way may still commit; D1 batches are atomic.)
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
  const instrumented = {
    prepare: (query: string) => new TimedStatement(db.prepare(query), track),
    batch: <T>(statements: (D1PreparedStatement | TimedStatement)[]) =>
      track(() => db.batch<T>(statements.map(unwrap))),
  };
  // Drizzle's D1 driver only calls prepare and batch, which a D1 session has too: this is how
  // Drizzle runs inside a session (it has no session support of its own yet). The cast states it.
  return instrumented as unknown as D1Database;
}
