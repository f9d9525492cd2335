import { describe, expect, it } from "vitest";
import { classifyDatabaseFailure } from "../../src/platform/errors/database-error";

describe("classifyDatabaseFailure", () => {
  it.each([
    ["D1_ERROR: UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT", "constraint"],
    ["D1_ERROR: no such table: users: SQLITE_ERROR", "query"],
    ["D1_TYPE_ERROR: Type 'object' not supported for value", "query"],
    ["D1_ERROR: Network connection lost.", "unavailable"],
    ["D1 DB is overloaded. Too many requests queued.", "unavailable"],
    ["D1_ERROR: storage operation exceeded timeout which caused object to be reset", "unavailable"],
    ["D1_ERROR: Durable Object reset because its code was updated.", "unavailable"],
    ["D1 did not answer within 10000 ms", "unavailable"],
    ["D1_ERROR: database is locked: SQLITE_BUSY", "unavailable"],
    // Deterministic: the same statement fails the same way on every retry.
    ["D1_ERROR: LIKE or GLOB pattern too complex: SQLITE_ERROR", "query"],
    ["D1_ERROR: too many SQL variables at offset 412: SQLITE_ERROR", "query"],
    ["D1_ERROR: string or blob too big: SQLITE_TOOBIG", "query"],
    ['D1_ERROR: fts5: syntax error near ""', "query"],
    ["something D1 never said before", "query"],
    // The fence's named CHECKs (fence_trips), and the outbox's trip inside it.
    ["D1_ERROR: CHECK constraint failed: organization_frozen: SQLITE_CONSTRAINT", "frozen"],
    ["D1_ERROR: CHECK constraint failed: organization_moved: SQLITE_CONSTRAINT", "moved"],
    ["D1_ERROR: CHECK constraint failed: event_listened: SQLITE_CONSTRAINT", "listened"],
  ])("%s → %s", (message, kind) => {
    expect(classifyDatabaseFailure(message)).toBe(kind);
  });
});
