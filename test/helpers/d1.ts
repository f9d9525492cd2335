/**
 * Wraps a D1 binding and counts what reaches the database: every statement execution and every
 * batch is one round trip. Independent of the app's own Server-Timing instrumentation.
 */
export function countingD1(db: D1Database) {
  const counter = {
    roundTrips: 0,
    statements: [] as string[],
    /** The SQL of each batch's statements, in order. */
    batches: [] as string[][],
    sessions: [] as string[],
  };
  // The real batch needs the real statements back.
  const originals = new WeakMap<object, D1PreparedStatement>();
  const queries = new WeakMap<object, string>();
  const wrapStatement = (statement: D1PreparedStatement, query: string): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        if (property === "bind") {
          return (...args: unknown[]) => wrapStatement(value.apply(target, args), query);
        }
        if (["first", "all", "run", "raw"].includes(String(property))) {
          return (...args: unknown[]) => {
            counter.roundTrips++;
            counter.statements.push(query);
            return value.apply(target, args);
          };
        }
        return value.bind(target);
      },
    });
    originals.set(proxy, statement);
    queries.set(proxy, query);
    return proxy;
  };
  // The app reads and writes through D1 sessions: sessions are wrapped the same way.
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(real, property) {
        if (property === "prepare") {
          return (query: string) =>
            wrapStatement((real as unknown as D1Database).prepare(query), query);
        }
        if (property === "batch") {
          return (statements: D1PreparedStatement[]) => {
            counter.roundTrips++;
            counter.statements.push(`batch(${statements.length})`);
            counter.batches.push(statements.map((s) => queries.get(s) ?? "(unknown)"));
            return (real as unknown as D1Database).batch(
              statements.map((s) => originals.get(s) ?? s),
            );
          };
        }
        if (property === "withSession") {
          return (constraint?: string) => {
            counter.sessions.push(constraint ?? "(none)");
            return wrap((real as unknown as D1Database).withSession(constraint));
          };
        }
        const value = Reflect.get(real, property);
        return typeof value === "function" ? value.bind(real) : value;
      },
    });
  const wrapped = wrap(db);
  return { db: wrapped, counter };
}

/** A D1 binding whose every call fails the way an outage does. */
export function failingD1(message = "D1_ERROR: Network connection lost."): D1Database {
  const fail = () => Promise.reject(new Error(message));
  const statement = {
    bind: () => statement,
    first: fail,
    all: fail,
    run: fail,
    raw: fail,
  };
  const database = {
    prepare: () => statement,
    batch: fail,
    exec: fail,
    withSession: () => database,
    getBookmark: () => null,
  };
  return database as unknown as D1Database;
}

/**
 * A D1 binding whose `batch` number `batch` (1-based) has one statement replaced by one that
 * violates a constraint: D1 must then roll back every statement of that batch.
 */
export function sabotagedBatch(
  db: D1Database,
  target: { batch: number; statement: number | "last" },
): D1Database {
  let batches = 0;
  const wrap = <T extends object>(inner: T): T =>
    new Proxy(inner, {
      get(real, property) {
        const database = real as unknown as D1Database;
        if (property === "batch") {
          return (statements: D1PreparedStatement[]) => {
            batches++;
            if (batches !== target.batch) return database.batch(statements);
            const index = target.statement === "last" ? statements.length - 1 : target.statement;
            const broken = [...statements];
            broken[index] = database.prepare(
              "insert into organizations (id, name, created_at) values (null, null, null)",
            );
            return database.batch(broken);
          };
        }
        if (property === "withSession") {
          return (constraint?: string) => wrap(database.withSession(constraint));
        }
        const value = Reflect.get(real, property);
        return typeof value === "function" ? value.bind(real) : value;
      },
    });
  return wrap(db);
}

/** A D1 binding whose calls never answer, as a hung database does. */
export function hangingD1(): D1Database {
  const never = () => new Promise<never>(() => {});
  const statement = { bind: () => statement, first: never, all: never, run: never, raw: never };
  const database = {
    prepare: () => statement,
    batch: never,
    exec: never,
    withSession: () => database,
    getBookmark: () => null,
  };
  return database as unknown as D1Database;
}

/** A stand-in for the Rate Limiting binding: allows `limit` calls per key, then refuses. */
export function fakeLimiter(limit: number) {
  const counts = new Map<string, number>();
  const limiter = {
    calls: [] as string[],
    async limit({ key }: { key: string }) {
      limiter.calls.push(key);
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      return { success: count <= limit };
    },
  };
  return limiter;
}
