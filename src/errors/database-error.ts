/**
 * A failure reported by D1 (thrown by the binding, or by the instrumented wrapper around it).
 * The kind decides the answer: a broken constraint is a conflict the client can act on, a query the
 * database cannot run is our bug (500), anything else is an outage or overload (503, retry later).
 */
export type DatabaseErrorKind = "constraint" | "query" | "unavailable";

const CONSTRAINT = /SQLITE_CONSTRAINT|constraint failed/i;
const QUERY_BUG =
  /no such (table|column|function)|syntax error|D1_TYPE_ERROR|D1_COLUMN_NOTFOUND|datatype mismatch|too many SQL variables|wrong number of bindings|SQLITE_TOOBIG|string or blob too big/i;

export function classifyDatabaseFailure(message: string): DatabaseErrorKind {
  if (CONSTRAINT.test(message)) return "constraint";
  if (QUERY_BUG.test(message)) return "query";
  return "unavailable";
}

export class DatabaseError extends Error {
  readonly kind: DatabaseErrorKind;

  constructor(cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(message, { cause });
    this.name = "DatabaseError";
    this.kind = classifyDatabaseFailure(message);
  }
}

/** Drizzle wraps driver errors in its own (with the SQL and its parameters): look underneath. */
export function findDatabaseError(error: unknown): DatabaseError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DatabaseError) return e;
  }
  return undefined;
}
