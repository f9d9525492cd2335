import type { Statement } from "./statement";

/*
 * A deferred check (the freshness check every request makes) sent inside the request's one read,
 * so that read stays a single statement rather than a batch of two. D1 charges per statement as
 * well as per round trip: under `wrangler dev` the second statement of a batch cost ≈ 0.25 ms of
 * the runtime's CPU per GET, and on Cloudflare each statement of a batch is executed and metered
 * on its own.
 *
 *   select p.*, q.* from (select 1)
 *     left join (select 1 as "__check", * from (<check>)) as p on 1
 *     left join (select 1 as "__row", * from (<read>)) as q on 1
 *   [order by q."createdAt" desc, q."id" desc]
 *
 * The one-row anchor keeps a row whether the check or the read found anything; each side's
 * marker column says whether it did, and where its columns begin. The check gives at most one
 * row (it is keyed by a unique column), so each row of the read comes once, the check's columns
 * repeated beside it. A read of several rows (a list page) names its order on its own columns:
 * SQLite drops the ORDER BY of a subquery joined to others unless it has a LIMIT, so the combined
 * statement orders by it again. A check must not bind a `limit ?`: SQLite then ran the whole
 * statement ~10× slower (200 µs instead of 21 on the demo snapshot).
 */

const CHECK = "__check";
const ROW = "__row";

/** An order on a read's own columns (as its rows name them), first key first. */
export type RowOrder = readonly (readonly [column: string, direction: "asc" | "desc"])[];

/** One statement answering `check` and the rows of `read` (in `order`); parameters in text order. */
export function readWithCheck(check: Statement, read: Statement, order: RowOrder = []): Statement {
  const orderBy = order.map(([column, direction]) => `q."${column}" ${direction}`).join(", ");
  return {
    sql:
      `select p.*, q.* from (select 1)` +
      ` left join (select 1 as "${CHECK}", * from (${check.sql})) as p on 1` +
      ` left join (select 1 as "${ROW}", * from (${read.sql})) as q on 1` +
      (orderBy ? ` order by ${orderBy}` : ""),
    params: [...check.params, ...read.params],
  };
}

type Row = Record<string, unknown>;

/**
 * The check's rows and the read's rows, from the combined statement's column names and rows
 * (D1's `raw({ columnNames: true })`). Column names may repeat across the two sides.
 */
export function splitReadWithCheck(
  names: string[],
  values: unknown[][],
): { checkRows: Row[]; rows: Row[] } {
  const split = names.indexOf(ROW);
  if (names[0] !== CHECK || split < 0) throw new Error("not a read with a check's columns");
  const pick = (row: unknown[], from: number, to: number): Row => {
    const picked: Row = {};
    for (let i = from; i < to; i++) picked[names[i] as string] = row[i];
    return picked;
  };
  const first = values[0];
  return {
    checkRows: first?.[0] === 1 ? [pick(first, 1, split)] : [],
    rows: values.flatMap((row) => (row[split] === 1 ? [pick(row, split + 1, names.length)] : [])),
  };
}
