/**
 * A failure reported by D1 (thrown by the binding, or by the request database around it).
 * The kind decides the answer, and so whether a client should retry:
 * - `constraint`: the change conflicts with the data (409), retrying the same request fails again;
 * - `unavailable`: D1 could not be reached or was overloaded, reset or too slow (503 with
 *   `Retry-After`): the same request may well succeed in a moment;
 * - `query`: anything else is deterministic (a statement or value D1 refuses, a missing table):
 *   our bug, answered 500, since a retry would fail the same way forever.
 * - `frozen` and `moved`: the write met its organization's fence (platform/db/fences.ts): the
 *   organization is being moved to another shard (503 with `Retry-After`), or it has been and the
 *   request goes there.
 * - `listened`: an endpoint listens to an event the batch left out, believing none did
 *   (platform/events/outbox.ts): the outbox sends the batch again with the event.
 * Only messages known to be transient are `unavailable`: an unknown message is a 500, logged
 * with D1's own text, rather than an invitation to retry.
 */
export type DatabaseErrorKind =
  | "constraint"
  | "query"
  | "unavailable"
  | "frozen"
  | "moved"
  | "listened";

const CONSTRAINT = /SQLITE_CONSTRAINT|constraint failed/i;
// D1's documented retryable failures (connection lost, object reset, overload, code update),
// SQLite's busy/locked, and the wrapper's own timeout.
const TRANSIENT =
  /network connection lost|connection (?:reset|refused|closed)|object to be reset|reset because its code was updated|overloaded|too many requests queued|transient|temporarily unavailable|try again|timed? ?out|did not answer within|SQLITE_BUSY|database is locked|SQLITE_LOCKED|disconnected/i;

export function classifyDatabaseFailure(message: string): DatabaseErrorKind {
  // The fence's named CHECK constraints (fence_trips in the schema).
  if (/constraint failed: organization_frozen/i.test(message)) return "frozen";
  if (/constraint failed: organization_moved/i.test(message)) return "moved";
  if (/constraint failed: event_listened/i.test(message)) return "listened";
  if (CONSTRAINT.test(message)) return "constraint";
  if (TRANSIENT.test(message)) return "unavailable";
  return "query";
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
