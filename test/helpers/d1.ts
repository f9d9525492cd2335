/**
 * Wraps a D1 binding and counts what reaches the database: every statement execution and every
 * batch is one round trip. Independent of the app's own Server-Timing instrumentation.
 */
export function countingD1(db: D1Database) {
  const counter = { roundTrips: 0, statements: [] as string[] };
  // The real batch needs the real statements back.
  const originals = new WeakMap<object, D1PreparedStatement>();
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
    return proxy;
  };
  const wrapped: D1Database = new Proxy(db, {
    get(target, property, receiver) {
      if (property === "prepare") {
        return (query: string) => wrapStatement(target.prepare(query), query);
      }
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          counter.roundTrips++;
          counter.statements.push(`batch(${statements.length})`);
          return target.batch(statements.map((s) => originals.get(s) ?? s));
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
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
  return {
    prepare: () => statement,
    batch: fail,
    exec: fail,
  } as unknown as D1Database;
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
  return new Proxy(db, {
    get(real, property) {
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          batches++;
          if (batches !== target.batch) return real.batch(statements);
          const index = target.statement === "last" ? statements.length - 1 : target.statement;
          const broken = [...statements];
          broken[index] = real.prepare(
            "insert into organizations (id, name, created_at) values (null, null, null)",
          );
          return real.batch(broken);
        };
      }
      const value = Reflect.get(real, property);
      return typeof value === "function" ? value.bind(real) : value;
    },
  });
}
