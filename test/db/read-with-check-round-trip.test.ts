import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openRequestDatabase, type RequestDatabase } from "../../src/platform/db/request-database";
import type { Statement } from "../../src/platform/db/statement";
import { countingD1 } from "../helpers/d1";

/*
 * The deferred check on the real local D1: inside the statement of a one-row read
 * (src/platform/db/read-with-check.ts), beside a page in a batch of two. Either way the rows and
 * the check's rows come back as if each had run alone, in one round trip.
 */

const check = (id: string) => ({
  sql: "select id as state_id, name as state_name from organizations where id = ? limit 1",
  params: [id],
});
const read = (id: string) => ({
  sql: "select id, name, created_at from organizations where id = ?",
  params: [id],
});
const ACME = "65a0e0e0e0e0e0e0e0e0e0e0";
const MISSING = "000000000000000000000000";

async function alone(query: { sql: string; params: unknown[] }) {
  return env.DB.prepare(query.sql)
    .bind(...query.params)
    .all<Record<string, unknown>>();
}

describe("RequestDatabase.readFirst with a deferred check", () => {
  it.each([
    ["both find a row", ACME, ACME],
    ["the check finds nothing", MISSING, ACME],
    ["the read finds nothing", ACME, MISSING],
    ["neither finds anything", MISSING, MISSING],
  ])("%s: the same rows as each statement alone, in one statement", async (_, checked, wanted) => {
    const { db, counter } = countingD1(env.DB);
    const request = openRequestDatabase(db);
    const pending = request.deferCheck(check(checked));
    const row = await request.readFirst(read(wanted));
    expect(pending.sent).toBe(true);
    expect(await pending.rows()).toEqual((await alone(check(checked))).results);
    expect(row).toEqual((await alone(read(wanted))).results[0] ?? null);
    expect(counter.roundTrips).toBe(1);
    expect(counter.statements).toHaveLength(1);
  });

  it("without a deferred check, the read runs alone", async () => {
    const { db, counter } = countingD1(env.DB);
    const row = await openRequestDatabase(db).readFirst(read(ACME));
    expect(row).toEqual((await alone(read(ACME))).results[0]);
    expect(counter.statements).toEqual([read(ACME).sql]);
  });
});

describe("RequestDatabase.readPage with a deferred check", () => {
  // Rows written in another order than the page's: only the page's own ORDER BY orders them.
  const unordered = {
    sql: `select column3 as doc, column1 as "createdAt", column2 as id from (values (2, 'b', 'second'), (1, 'a', 'first'), (3, 'c', 'third')) order by "createdAt" desc, id desc`,
    params: [],
  };

  it.each([
    ["the check finds a row", ACME],
    ["the check finds nothing", MISSING],
  ])(
    "%s: every row of the page in its order, the check beside it in one batch",
    async (_, checked) => {
      const { db, counter } = countingD1(env.DB);
      const request = openRequestDatabase(db);
      const pending = request.deferCheck(check(checked));
      const rows = await request.readPage<{ doc: string; createdAt: number; id: string }>(
        unordered,
      );
      expect(rows.map((row) => row.doc)).toEqual(["third", "second", "first"]);
      expect(rows).toEqual((await alone(unordered)).results);
      expect(pending.sent).toBe(true);
      expect(await pending.rows()).toEqual((await alone(check(checked))).results);
      expect(counter.roundTrips).toBe(1);
      // Not folded into one statement: the check, then the page as it is.
      expect(counter.batches).toEqual([[check(checked).sql, unordered.sql]]);
    },
  );

  it("an empty page: no rows, the check's row still", async () => {
    const { db } = countingD1(env.DB);
    const request = openRequestDatabase(db);
    const pending = request.deferCheck(check(ACME));
    const empty = {
      sql: `${unordered.sql.replace(" order by", " where column1 > 9 order by")}`,
      params: [],
    };
    expect(await request.readPage(empty)).toEqual([]);
    expect(await pending.rows()).toEqual((await alone(check(ACME))).results);
  });

  it("without a deferred check, the page runs alone", async () => {
    const { db, counter } = countingD1(env.DB);
    const rows = await openRequestDatabase(db).readPage(unordered);
    expect(rows).toEqual((await alone(unordered)).results);
    expect(counter.statements).toEqual([unordered.sql]);
  });
});

describe("either read with a deferred check", () => {
  it.each([
    ["readFirst", (db: RequestDatabase, statement: Statement) => db.readFirst(statement)],
    ["readPage", (db: RequestDatabase, statement: Statement) => db.readPage(statement)],
  ])("a failed %s leaves the check to be sent on its own", async (_, read) => {
    const { db, counter } = countingD1(env.DB);
    const request = openRequestDatabase(db);
    const pending = request.deferCheck(check(ACME));
    await expect(read(request, { sql: "select * from no_such_table", params: [] })).rejects.toThrow(
      /no such table/,
    );
    expect(pending.sent).toBe(false);
    expect(await pending.rows()).toEqual((await alone(check(ACME))).results);
    expect(counter.roundTrips).toBe(2);
  });
});
