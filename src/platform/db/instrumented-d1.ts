import { DatabaseError } from "../errors/database-error";

/** Called once per D1 round trip with its duration in milliseconds. */
export type RoundTripListener = (durationMs: number) => void;

type Track = <T>(operation: () => Promise<T>) => Promise<T>;

/** A statement as Drizzle's `toSQL()` gives it. */
export interface Query {
  sql: string;
  params: unknown[];
}

/**
 * A statement that rides in front of the request's next batch, so a check every request needs
 * (is this session still valid?) costs no round trip of its own. `rows()` gives its result:
 * from that batch if one ran, else from a round trip of its own made now.
 */
export interface Prelude {
  rows(): Promise<Record<string, unknown>[]>;
  /** Whether a batch has carried it (or is carrying it) already. */
  readonly carried: boolean;
}

/** A D1 handle for one request: the binding-shaped wrapper Drizzle runs on, and its prelude. */
export interface RequestD1 {
  d1: D1Database;
  /** Queues `query` to run first in the next batch (one prelude per request). */
  prelude(query: Query): Prelude;
}

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
): RequestD1 {
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

  let queued:
    | { statement: D1PreparedStatement; settle(rows: Record<string, unknown>[]): void }
    | undefined;

  // The batch carrying the prelude, while it runs.
  let carrying: Promise<unknown> | undefined;

  const batch = async <T>(statements: (D1PreparedStatement | TimedStatement)[]) => {
    const prelude = queued;
    if (!prelude) return track(() => db.batch<T>(statements.map(unwrap)));
    queued = undefined;
    const run = track(() => db.batch<T>([prelude.statement, ...statements.map(unwrap)]));
    carrying = run;
    try {
      const [first, ...rest] = await run;
      prelude.settle((first?.results ?? []) as Record<string, unknown>[]);
      return rest;
    } catch (error) {
      queued = prelude; // the batch failed as a whole: the prelude is still to run
      throw error;
    } finally {
      carrying = undefined;
    }
  };

  const instrumented = {
    prepare: (query: string) => new TimedStatement(db.prepare(query), track),
    batch,
  };
  return {
    // Drizzle's D1 driver only calls prepare and batch, which a D1 session has too: this is how
    // Drizzle runs inside a session (it has no session support of its own yet). The cast says so.
    d1: instrumented as unknown as D1Database,
    prelude(query: Query): Prelude {
      const statement = db.prepare(query.sql).bind(...query.params);
      let settle!: (rows: Record<string, unknown>[]) => void;
      const settled = new Promise<Record<string, unknown>[]>((resolve) => {
        settle = resolve;
      });
      queued = { statement, settle };
      return {
        get carried() {
          return queued?.statement !== statement;
        },
        async rows() {
          await carrying?.catch(() => undefined);
          if (queued?.statement === statement) {
            // No batch has carried it: it goes on its own.
            queued = undefined;
            settle((await track(() => statement.all<Record<string, unknown>>())).results);
          }
          return settled;
        },
      };
    },
  };
}
