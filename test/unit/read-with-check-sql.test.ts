import { describe, expect, it } from "vitest";
import { sessionStateQuery } from "../../src/accounts/sessions";
import { readWithCheck, splitReadWithCheck } from "../../src/platform/db/read-with-check";

describe("readWithCheck", () => {
  it("wraps both statements behind a one-row anchor, parameters in text order", () => {
    const combined = readWithCheck(
      { sql: "select a from t where x = ? limit ?", params: ["x", 1] },
      { sql: "select b, c from u where y = ? and z = ?", params: ["y", "z"] },
    );
    expect(combined.params).toEqual(["x", 1, "y", "z"]);
    expect(combined.sql).toBe(
      'select p.*, q.* from (select 1) left join (select 1 as "__check", * from (select a from t where x = ? limit ?)) as p on 1 left join (select 1 as "__row", * from (select b, c from u where y = ? and z = ?)) as q on 1',
    );
    // Placeholders stay where they were: as many as parameters, the check's first.
    expect(combined.sql.match(/\?/g)).toHaveLength(4);
    expect(combined.sql.indexOf("x = ?")).toBeLessThan(combined.sql.indexOf("y = ?"));
  });
});

describe("the check sent inside GET snapshot", () => {
  it("binds no LIMIT: a bound `limit ?` inside the combined statement made SQLite ~10× slower over the statement", () => {
    const check = sessionStateQuery({ sessionId: "s", userId: "u", organizationId: "o" });
    // The organization binds the fence, then the session and its user.
    expect(check.sql).not.toMatch(/\blimit\b/i);
    expect(check.params).toEqual(["o", "s", "u", "o"]);
  });
});

describe("splitReadWithCheck", () => {
  const names = ["__check", "role", "version", "__row", "version", "doc"];

  it("both found: each side's columns under their own names, even a name both have", () => {
    expect(splitReadWithCheck(names, [[1, "admin", 3, 1, 7, "{}"]])).toEqual({
      checkRows: [{ role: "admin", version: 3 }],
      rows: [{ version: 7, doc: "{}" }],
    });
  });

  it("the check found nothing (a deleted session): no check row, the query's row still", () => {
    expect(splitReadWithCheck(names, [[null, null, null, 1, 7, "{}"]])).toEqual({
      checkRows: [],
      rows: [{ version: 7, doc: "{}" }],
    });
  });

  it("the read found nothing: no row, the check's row still", () => {
    expect(splitReadWithCheck(names, [[1, "agent", 2, null, null, null]])).toEqual({
      checkRows: [{ role: "agent", version: 2 }],
      rows: [],
    });
  });

  it("a null column of a found row stays null", () => {
    expect(splitReadWithCheck(names, [[1, null, 2, 1, 7, null]])).toEqual({
      checkRows: [{ role: null, version: 2 }],
      rows: [{ version: 7, doc: null }],
    });
  });

  it("refuses columns that are not a read with a check statement's", () => {
    expect(() => splitReadWithCheck(["version", "doc"], [[1, "{}"]])).toThrow(
      /not a read with a check/,
    );
    expect(() => splitReadWithCheck(["__check", "role"], [[1, "admin"]])).toThrow(
      /not a read with a check/,
    );
  });
});
