import { drizzle } from "drizzle-orm/d1";
import type { Database } from "./client";
import { fenceWithTrip, writeFence } from "./fences";
import type * as keyset from "./keyset";
import { readWithCheck, splitReadWithCheck } from "./read-with-check";
import type { Statement } from "./statement";
import type { RoundTrip } from "./timing";

type Row = Record<string, unknown>;

/**
 * A check the request needs (is this session still valid?) that costs no round trip of its own:
 * it travels with the request's next batch or `readPage`, or inside its next `readFirst`.
 * `rows()` gives its answer, from that round trip if one ran, else from a round trip of its own
 * made now.
 */
export interface DeferredCheck {
  rows(): Promise<Row[]>;
  /** Whether a round trip has carried it (or is carrying it). */
  readonly sent: boolean;
}

/**
 * Statements that must commit with the request's write or not at all (an idempotency key): they
 * travel at the front of the first batch that writes. `committed` says whether it went through.
 */
export interface WriteClaim {
  readonly committed: boolean;
}

/**
 * The request's database: Drizzle over the D1 session that authentication chose for this request,
 * every round trip timed (`Server-Timing`, timeouts), and what the request sends along with its
 * own statements. Handlers and repositories receive it as `c.var.db`.
 */
export type RequestDatabase = Database & {
  /** The first row of a read, or null, in one statement: a deferred check travels inside it. */
  readFirst<T>(statement: Statement): Promise<T | null>;
  /**
   * Every row of a keyset page (keyset.ts), in order, in one round trip: a deferred check travels
   * in front of it in a batch of two, not inside it (read-with-check.ts says why).
   */
  readPage<T extends keyset.CursorPosition>(statement: Statement): Promise<T[]>;
  /** Sends `statement` with the request's next round trip (one check per request). */
  deferCheck(statement: Statement): DeferredCheck;
  /** Commits `statements` with the request's first write (one claim per request). */
  commitWithFirstWrite(statements: Statement[]): WriteClaim;
  /** The organization whose fence its writes meet, once authentication knows it. */
  readonly organizationId: string | undefined;
  /**
   * Fails the request's next write batch, as its fence would, when `trip` (a select of
   * organization id and state rows) gives a row: it travels inside the fence (`fenceWithTrip`),
   * so it costs no statement. Only for a database that knows its organization.
   */
  tripNextWrite(trip: Statement): void;
  /**
   * Statements already rendered (`renderedBatch`) as one batch, with what a batch carries (the
   * fence, the claim, the check): each statement's rows.
   */
  batchStatements(statements: Statement[]): Promise<Row[][]>;
};

const WRITE = /^\s*(insert|update|delete|replace)\b/i;

type Source = Pick<D1Database, "prepare" | "batch"> | D1DatabaseSession;

interface PendingCheck {
  statement: Statement;
  prepared: D1PreparedStatement;
  settle(rows: Row[]): void;
}

/**
 * The D1-shaped handle Drizzle runs on for one request: `prepare` and `batch` (all Drizzle's D1
 * driver calls, and what a D1 session has too: this is how Drizzle runs inside a session), each
 * call one timed round trip that carries the pending check or claim when it can. Once it knows
 * the organization, every write it sends opens with the organization's fence (fences.ts).
 */
class RequestChannel {
  private check: PendingCheck | undefined;
  /** The round trip carrying the check, while it runs. */
  private carrying: Promise<unknown> | undefined;
  private claim: { prepared: D1PreparedStatement[]; committed: boolean } | undefined;
  /** The organization's write fence, in front of every batch that writes. */
  private readonly fence: { statement: Statement; prepared: D1PreparedStatement } | undefined;
  /** What the next write batch's fence also trips on (`tripNextWrite`). */
  private trip: Statement | undefined;

  constructor(
    private readonly source: Source,
    readonly roundTrip: RoundTrip,
    organizationId: string | undefined,
  ) {
    if (organizationId !== undefined) {
      const statement = writeFence({ organizationId });
      this.fence = { statement, prepared: this.bound(statement) };
    }
  }

  private bound(statement: Statement): D1PreparedStatement {
    return this.source.prepare(statement.sql).bind(...statement.params);
  }

  tripNextWrite(trip: Statement): void {
    if (!this.fence) throw new Error("a trip needs the organization's fence to travel in");
    this.trip = trip;
  }

  /** The fence a write batch opens with: with the pending trip inside, which it takes. */
  private fenceOfWrite(): D1PreparedStatement | undefined {
    const trip = this.trip;
    this.trip = undefined;
    if (!this.fence || !trip) return this.fence?.prepared;
    return this.bound(fenceWithTrip(this.fence.statement, trip));
  }

  prepare(query: string): ChannelStatement {
    return new ChannelStatement(this.source.prepare(query), this, query);
  }

  /**
   * A batch: when it writes, the fence and then the pending claim in front; the pending check in
   * front of all.
   */
  async batch<T>(given: (D1PreparedStatement | ChannelStatement)[]): Promise<D1Result<T>[]> {
    const writes = given.some((s) => s instanceof ChannelStatement && WRITE.test(s.query));
    const claim = writes && this.claim && !this.claim.committed ? this.claim : undefined;
    const fence = writes ? this.fenceOfWrite() : undefined;
    const front = [...(fence ? [fence] : []), ...(claim?.prepared ?? [])];
    const statements = [...front, ...given.map(unwrap)];
    const check = this.check;
    const results = check
      ? await this.carry(
          check,
          () => this.source.batch<T>([check.prepared, ...statements]),
          ([first, ...rest]) => [(first?.results ?? []) as Row[], rest],
        )
      : await this.roundTrip(() => this.source.batch<T>(statements));
    if (claim) claim.committed = true;
    return results.slice(front.length);
  }

  /**
   * A write on its own goes as a batch when something must travel in front of it (the fence, a
   * pending claim), so that it commits with them or not at all.
   */
  asGuardedBatch(statement: ChannelStatement): Promise<D1Result> | undefined {
    const pendingClaim = this.claim !== undefined && !this.claim.committed;
    if ((!pendingClaim && !this.fence) || !WRITE.test(statement.query)) return undefined;
    return this.batch([statement]).then(([result]) => result as D1Result);
  }

  /** The rows of a read: alone, or with the pending check in front, in a batch of two. */
  async readAll(statement: Statement): Promise<Row[]> {
    if (!this.check) return (await this.roundTrip(() => this.bound(statement).all<Row>())).results;
    const [result] = await this.batch<Row>([this.bound(statement)]);
    return result?.results ?? [];
  }

  /**
   * The first row of a read, in one statement: with the pending check inside when there is one
   * (read-with-check.ts).
   */
  async readFirst(statement: Statement): Promise<Row | undefined> {
    const check = this.check;
    if (!check) return (await this.roundTrip(() => this.bound(statement).all<Row>())).results[0];
    const combined = readWithCheck(check.statement, statement);
    return this.carry(
      check,
      () => this.bound(combined).raw<unknown[]>({ columnNames: true }),
      ([names, ...values]) => {
        const { checkRows, rows } = splitReadWithCheck(names as string[], values);
        return [checkRows, rows[0]];
      },
    );
  }

  deferCheck(statement: Statement): DeferredCheck {
    const prepared = this.bound(statement);
    let settle!: (rows: Row[]) => void;
    const settled = new Promise<Row[]>((resolve) => {
      settle = resolve;
    });
    this.check = { statement, prepared, settle };
    const channel = this;
    return {
      get sent() {
        return channel.check?.prepared !== prepared;
      },
      async rows() {
        await channel.carrying?.catch(() => undefined);
        if (channel.check?.prepared === prepared) {
          // No round trip has carried it: it goes on its own.
          channel.check = undefined;
          settle((await channel.roundTrip(() => prepared.all<Row>())).results);
        }
        return settled;
      },
    };
  }

  commitWithFirstWrite(statements: Statement[]): WriteClaim {
    const claim = {
      prepared: statements.map((s) => this.bound(s)),
      committed: false,
    };
    this.claim = claim;
    return {
      get committed() {
        return claim.committed;
      },
    };
  }

  /**
   * Runs `operation` carrying the pending check: `split` gives the check's rows (which settle
   * it) and the caller's answer. If the round trip fails, the check is still to be sent.
   */
  private async carry<R, A>(
    check: PendingCheck,
    operation: () => Promise<R>,
    split: (result: R) => [Row[], A],
  ): Promise<A> {
    this.check = undefined;
    const run = this.roundTrip(operation);
    this.carrying = run;
    try {
      const [checkRows, answer] = split(await run);
      check.settle(checkRows);
      return answer;
    } catch (error) {
      this.check = check;
      throw error;
    } finally {
      this.carrying = undefined;
    }
  }
}

/** A prepared statement of the channel: `bind` returns a new one, as D1's does. */
class ChannelStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    private readonly channel: RequestChannel,
    /** The SQL, to tell a write from a read. */
    readonly query: string,
  ) {}

  bind(...values: unknown[]): ChannelStatement {
    return new ChannelStatement(this.inner.bind(...values), this.channel, this.query);
  }

  async first<T>(column?: string): Promise<T | null> {
    const batched = this.channel.asGuardedBatch(this);
    if (batched) {
      const row = (await batched).results[0] as Row | undefined;
      return ((column === undefined ? row : row?.[column]) ?? null) as T | null;
    }
    return this.channel.roundTrip(() =>
      column === undefined ? this.inner.first<T>() : this.inner.first<T>(column),
    );
  }

  all<T>(): Promise<D1Result<T>> {
    return (
      (this.channel.asGuardedBatch(this) as Promise<D1Result<T>> | undefined) ??
      this.channel.roundTrip(() => this.inner.all<T>())
    );
  }

  run<T>(): Promise<D1Result<T>> {
    return (
      (this.channel.asGuardedBatch(this) as Promise<D1Result<T>> | undefined) ??
      this.channel.roundTrip(() => this.inner.run<T>())
    );
  }

  async raw<T>(options?: { columnNames?: boolean }): Promise<T[]> {
    const batched = this.channel.asGuardedBatch(this);
    if (batched) {
      // A batch answers objects: back to arrays, in column order (a write's RETURNING columns).
      const rows = (await batched).results as Row[];
      const arrays = rows.map((row) => Object.values(row));
      const names = rows[0] ? Object.keys(rows[0]) : [];
      return (options?.columnNames ? [names, ...arrays] : arrays) as T[];
    }
    // D1's overloads differ only in whether the first row holds the column names.
    return this.channel.roundTrip(() => this.inner.raw<T>(options as { columnNames: false }));
  }
}

const unwrap = (statement: D1PreparedStatement | ChannelStatement): D1PreparedStatement =>
  statement instanceof ChannelStatement ? statement.inner : statement;

/** Untimed round trips: for scripts and tests that open a request database outside a request. */
const untimed: RoundTrip = (operation) => operation();

/**
 * The request's database over `source` (the request's D1 session; the binding itself outside a
 * request), for `organizationId` once it is known: its writes then meet the organization's fence.
 * Drizzle's D1 driver only calls `prepare` and `batch`, which the channel has: the cast says so.
 */
export function openRequestDatabase(
  source: Source,
  roundTrip: RoundTrip = untimed,
  organizationId?: string,
): RequestDatabase {
  const channel = new RequestChannel(source, roundTrip, organizationId);
  const batchStatements = async (statements: Statement[]) =>
    (await channel.batch<Row>(statements.map((s) => channel.prepare(s.sql).bind(...s.params)))).map(
      (result) => result.results,
    );
  return Object.assign(drizzle(channel as unknown as D1Database), {
    readFirst: async <T>(statement: Statement) =>
      ((await channel.readFirst(statement)) ?? null) as T | null,
    readPage: async <T extends keyset.CursorPosition>(statement: Statement) =>
      (await channel.readAll(statement)) as T[],
    deferCheck: (statement: Statement) => channel.deferCheck(statement),
    commitWithFirstWrite: (statements: Statement[]) => channel.commitWithFirstWrite(statements),
    organizationId,
    tripNextWrite: (trip: Statement) => channel.tripNextWrite(trip),
    batchStatements,
  }) as RequestDatabase;
}
