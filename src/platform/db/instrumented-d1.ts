import { DatabaseError } from "../errors/database-error";
import { foldPrelude, unfold } from "./fold";

/** Called once per D1 round trip with its duration in milliseconds. */
export type RoundTripListener = (durationMs: number) => void;

type Track = <T>(operation: () => Promise<T>) => Promise<T>;

/** A statement as Drizzle's `toSQL()` gives it. */
export interface Query {
  sql: string;
  params: unknown[];
}

/**
 * A statement that rides in front of the request's next batch (or inside its next `firstRow`
 * read, folded into that statement), so a check every request needs (is this session still
 * valid?) costs no round trip of its own. `rows()` gives its result: from that round trip if one
 * ran, else from a round trip of its own made now.
 */
export interface Prelude {
  rows(): Promise<Record<string, unknown>[]>;
  /** Whether a batch has carried it (or is carrying it) already. */
  readonly carried: boolean;
}

/**
 * Statements that must commit with the request's write, or not at all (an idempotency key's
 * claim): they ride at the front of the first batch that writes. `committed` says whether that
 * batch went through.
 */
export interface WriteClaim {
  readonly committed: boolean;
}

/** A D1 handle for one request: the binding-shaped wrapper Drizzle runs on, and its extras. */
export interface RequestD1 {
  d1: D1Database;
  /** Queues `query` to run first in the next batch (one prelude per request). */
  prelude(query: Query): Prelude;
  /**
   * The first row of a read, or null; a queued prelude is folded into the same statement
   * (./fold.ts), so the request still sends one statement. Reads only: a pending claim waits
   * for a write.
   */
  firstRow(query: Query): Promise<Record<string, unknown> | null>;
  /** Queues `queries` to run first in the next batch that writes (one claim per request). */
  claim(queries: Query[]): WriteClaim;
}

const WRITE = /^\s*(insert|update|delete|replace)\b/i;

/**
 * A prepared statement that reports each execution as one round trip. `bind` returns a new
 * statement, as D1's does, so the wrapper follows it.
 */
/** Runs a lone write as a batch of its own when statements must ride with it (a claim). */
type Carrier = (statement: TimedStatement) => Promise<D1Result> | undefined;

class TimedStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    private readonly track: Track,
    /** The SQL, to tell a write from a read. */
    readonly query: string,
    private readonly carrier: Carrier,
  ) {}

  bind(...values: unknown[]): TimedStatement {
    return new TimedStatement(this.inner.bind(...values), this.track, this.query, this.carrier);
  }

  async first<T>(column?: string): Promise<T | null> {
    const carried = this.carrier(this);
    if (carried) {
      const row = (await carried).results[0] as Record<string, unknown> | undefined;
      return ((column === undefined ? row : row?.[column]) ?? null) as T | null;
    }
    return this.track(() =>
      column === undefined ? this.inner.first<T>() : this.inner.first<T>(column),
    );
  }

  all<T>(): Promise<D1Result<T>> {
    return (
      (this.carrier(this) as Promise<D1Result<T>> | undefined) ??
      this.track(() => this.inner.all<T>())
    );
  }

  run<T>(): Promise<D1Result<T>> {
    return (
      (this.carrier(this) as Promise<D1Result<T>> | undefined) ??
      this.track(() => this.inner.run<T>())
    );
  }

  async raw<T>(options?: { columnNames?: boolean }): Promise<T[]> {
    const carried = this.carrier(this);
    if (carried) {
      // A batch answers objects: back to arrays, in column order (a write's RETURNING columns).
      const rows = (await carried).results as Record<string, unknown>[];
      const arrays = rows.map((row) => Object.values(row));
      const names = rows[0] ? Object.keys(rows[0]) : [];
      return (options?.columnNames ? [names, ...arrays] : arrays) as T[];
    }
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
    | {
        query: Query;
        statement: D1PreparedStatement;
        settle(rows: Record<string, unknown>[]): void;
      }
    | undefined;

  // The batch carrying the prelude, while it runs.
  let carrying: Promise<unknown> | undefined;
  let claim: { statements: D1PreparedStatement[]; committed: boolean } | undefined;

  const batch = async <T>(given: (D1PreparedStatement | TimedStatement)[]) => {
    // A pending claim goes with the first batch that writes, and commits with it.
    const claiming =
      claim &&
      !claim.committed &&
      given.some((s) => s instanceof TimedStatement && WRITE.test(s.query))
        ? claim
        : undefined;
    const statements = claiming ? [...claiming.statements, ...given] : given;
    const skip = claiming ? claiming.statements.length : 0;
    const results = await carry<T>(statements);
    if (claiming) claiming.committed = true;
    return results.slice(skip);
  };

  /**
   * Runs `operation` carrying the queued prelude: `split` gives the prelude's rows (which settle
   * it) and the caller's answer. If the round trip fails the prelude is still to run.
   */
  const carryPrelude = async <R, A>(
    prelude: NonNullable<typeof queued>,
    operation: () => Promise<R>,
    split: (result: R) => [Record<string, unknown>[], A],
  ): Promise<A> => {
    queued = undefined;
    const run = track(operation);
    carrying = run;
    try {
      const [preludeRows, answer] = split(await run);
      prelude.settle(preludeRows);
      return answer;
    } catch (error) {
      queued = prelude;
      throw error;
    } finally {
      carrying = undefined;
    }
  };

  const carry = async <T>(statements: (D1PreparedStatement | TimedStatement)[]) => {
    const prelude = queued;
    if (!prelude) return track(() => db.batch<T>(statements.map(unwrap)));
    return carryPrelude(
      prelude,
      () => db.batch<T>([prelude.statement, ...statements.map(unwrap)]),
      ([first, ...rest]) => [(first?.results ?? []) as Record<string, unknown>[], rest],
    );
  };

  const firstRow = async (query: Query): Promise<Record<string, unknown> | null> => {
    const prelude = queued;
    if (!prelude) {
      return track(() =>
        db
          .prepare(query.sql)
          .bind(...query.params)
          .first(),
      );
    }
    const folded = foldPrelude(prelude.query, query);
    return carryPrelude(
      prelude,
      () =>
        db
          .prepare(folded.sql)
          .bind(...folded.params)
          .raw<unknown[]>({ columnNames: true }),
      ([names, values]) => {
        const { preludeRows, row } = unfold(names as string[], values);
        return [preludeRows, row];
      },
    );
  };

  // A write run on its own while a claim is pending goes as a batch, so the claim rides with it.
  const carrier: Carrier = (statement) => {
    if (!claim || claim.committed || !WRITE.test(statement.query)) return undefined;
    return batch([statement]).then(([result]) => result as D1Result);
  };
  const instrumented = {
    prepare: (query: string) => new TimedStatement(db.prepare(query), track, query, carrier),
    batch,
    firstRow,
  };
  return {
    // Drizzle's D1 driver only calls prepare and batch, which a D1 session has too: this is how
    // Drizzle runs inside a session (it has no session support of its own yet). The cast says so.
    d1: instrumented as unknown as D1Database,
    claim(queries: Query[]): WriteClaim {
      const pending = {
        statements: queries.map((q) => db.prepare(q.sql).bind(...q.params)),
        committed: false,
      };
      claim = pending;
      return {
        get committed() {
          return pending.committed;
        },
      };
    },
    firstRow,
    prelude(query: Query): Prelude {
      const statement = db.prepare(query.sql).bind(...query.params);
      let settle!: (rows: Record<string, unknown>[]) => void;
      const settled = new Promise<Record<string, unknown>[]>((resolve) => {
        settle = resolve;
      });
      queued = { query, statement, settle };
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
