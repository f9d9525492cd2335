import type { Statement } from "./statement";

/*
 * A deferred check (the freshness check every request makes) sent inside the request's read of
 * one row (a document), so that read stays a single statement rather than a batch of two:
 *
 *   select p.*, q.* from (select 1)
 *     left join (select 1 as "__check", * from (<check>)) as p on 1
 *     left join (select 1 as "__row", * from (<read>)) as q on 1
 *
 * The one-row anchor keeps a row whether the check or the read found anything; each side's
 * marker column says whether it did, and where its columns begin. The check gives at most one
 * row (it is keyed by a unique column). A check must not bind a `limit ?`: SQLite then ran the
 * whole statement ~10× slower (200 µs instead of 21 on the demo snapshot).
 *
 * Only for one row. A page of rows goes beside its check, in a batch of two (`readPage`): folded,
 * SQLite materializes the page and sorts it again (it drops the order of a joined subquery), and
 * that costs more than the second statement. On the benchmark's 100k rows, in `node:sqlite`
 * (compile + run, median of 3,000), a reviews page took 184 µs and its check 46; folded, 430.
 * Under Miniflare, the runtime's CPU per call was 80–275 µs less as a batch of two than folded
 * for five of the six lists' pages (the sixth, the conversations list with its small fence
 * check, within the noise). For one row the fold is as cheap as the batch or cheaper (GET
 * snapshot: 1,314 µs folded, 1,428 as a batch).
 */

const CHECK = "__check";
const ROW = "__row";

/** One statement answering `check` and the row of `read`; parameters in text order. */
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
