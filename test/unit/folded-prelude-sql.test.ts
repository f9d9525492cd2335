import { describe, expect, it } from "vitest";
import { sessionStateQuery } from "../../src/directory/sessions";
import { foldPrelude, unfold } from "../../src/platform/db/fold";

describe("foldPrelude", () => {
  it("wraps both statements behind a one-row anchor, parameters in text order", () => {
    const folded = foldPrelude(
      { sql: "select a from t where x = ? limit ?", params: ["x", 1] },
      { sql: "select b, c from u where y = ? and z = ?", params: ["y", "z"] },
    );
    expect(folded.params).toEqual(["x", 1, "y", "z"]);
    expect(folded.sql).toBe(
      'select p.*, q.* from (select 1) left join (select 1 as "__prelude", * from (select a from t where x = ? limit ?)) as p on 1 left join (select 1 as "__row", * from (select b, c from u where y = ? and z = ?)) as q on 1',
    );
    // Placeholders stay where they were: as many as parameters, the prelude's first.
    expect(folded.sql.match(/\?/g)).toHaveLength(4);
    expect(folded.sql.indexOf("x = ?")).toBeLessThan(folded.sql.indexOf("y = ?"));
  });
});

describe("the prelude folded into GET snapshot", () => {
  it("binds no LIMIT: a bound `limit ?` inside the fold made SQLite ~10× slower over the statement", () => {
    const check = sessionStateQuery({ sessionId: "s", userId: "u", organizationId: "o" });
    expect(check.sql).not.toMatch(/\blimit\b/i);
    expect(check.params).toEqual(["s", "u", "o"]);
  });
});

describe("unfold", () => {
  const names = ["__prelude", "role", "version", "__row", "version", "doc"];

  it("both found: each side's columns under their own names, even a name both have", () => {
    expect(unfold(names, [1, "admin", 3, 1, 7, "{}"])).toEqual({
      preludeRows: [{ role: "admin", version: 3 }],
      row: { version: 7, doc: "{}" },
    });
  });

  it("the prelude found nothing (a deleted session): no prelude row, the query's row still", () => {
    expect(unfold(names, [null, null, null, 1, 7, "{}"])).toEqual({
      preludeRows: [],
      row: { version: 7, doc: "{}" },
    });
  });

  it("the query found nothing: null, the prelude's row still", () => {
    expect(unfold(names, [1, "agent", 2, null, null, null])).toEqual({
      preludeRows: [{ role: "agent", version: 2 }],
      row: null,
    });
  });

  it("a null column of a found row stays null", () => {
    expect(unfold(names, [1, null, 2, 1, 7, null])).toEqual({
      preludeRows: [{ role: null, version: 2 }],
      row: { version: 7, doc: null },
    });
  });

  it("refuses columns that are not a folded statement's", () => {
    expect(() => unfold(["version", "doc"], [1, "{}"])).toThrow(/not a folded/);
    expect(() => unfold(["__prelude", "role"], [1, "admin"])).toThrow(/not a folded/);
  });
});
