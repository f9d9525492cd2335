import type { Statement } from "./statement";

/*
 * A deferred check (the freshness check every Training API request makes) sent inside the
 * request's one read, so that read stays a single statement rather than a batch of two. D1
 * charges per statement as well as per round trip: under `wrangler dev` the second statement of
 * the batch cost ≈ 0.25 ms of the runtime's CPU per GET, and on Cloudflare each statement of a
 * batch is executed and metered on its own.
 *
 *   select p.*, q.* from (select 1)
 *     left join (select 1 as "__check", * from (<check>)) as p on 1
 *     left join (select 1 as "__row", * from (<read>)) as q on 1
 *
 * The one-row anchor keeps a row whether the check or the read found anything; each side's
 * marker column says whether it did, and where its columns begin. Only for a read of its first
 * row (the statement then has one row, whatever the check found). A check must not bind a
 * `limit ?`: SQLite then ran the whole statement ~10× slower (200 µs instead of 21 on the demo
 * snapshot); key it by a unique column instead.
 */

const CHECK = "__check";
const ROW = "__row";

/** One statement answering `check` and the first row of `read`; parameters in text order. */
export function readWithCheck(check: Statement, read: Statement): Statement {
  return {
    sql:
      `select p.*, q.* from (select 1)` +
      ` left join (select 1 as "${CHECK}", * from (${check.sql})) as p on 1` +
      ` left join (select 1 as "${ROW}", * from (${read.sql})) as q on 1`,
    params: [...check.params, ...read.params],
  };
}

type Row = Record<string, unknown>;

/**
 * The check's rows and the read's first row, from the combined statement's column names and
 * first row (D1's `raw({ columnNames: true })`). Column names may repeat across the two sides.
 */
export function splitReadWithCheck(
  names: string[],
  values: unknown[] | undefined,
): { checkRows: Row[]; row: Row | null } {
  const split = names.indexOf(ROW);
  if (names[0] !== CHECK || split < 0) throw new Error("not a read with a check's columns");
  const pick = (from: number, to: number): Row => {
    const row: Row = {};
    for (let i = from; i < to; i++) row[names[i] as string] = values?.[i];
    return row;
  };
  return {
    checkRows: values?.[0] === 1 ? [pick(1, split)] : [],
    row: values?.[split] === 1 ? pick(split + 1, names.length) : null,
  };
}
