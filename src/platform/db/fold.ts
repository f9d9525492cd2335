import type { Query } from "./instrumented-d1";

/*
 * A prelude (the freshness check every Training API request makes) folded into the request's
 * one read, so that read stays a single statement rather than a batch of two. D1 charges per
 * statement as well as per round trip: under `wrangler dev` the second statement of the batch
 * cost ≈ 0.25 ms of the runtime's CPU per GET (BENCHMARKS.md), and on Cloudflare each statement
 * of a batch is executed and metered on its own.
 *
 *   select p.*, q.* from (select 1)
 *     left join (select 1 as "__prelude", * from (<prelude>)) as p on 1
 *     left join (select 1 as "__row", * from (<query>)) as q on 1
 *
 * The one-row anchor keeps a row whether the prelude or the query found anything; each side's
 * marker column says whether it did, and where its columns begin. Only for a query read for
 * its first row (the statement then has one row, whatever the prelude found). A prelude must
 * not bind a `limit ?`: SQLite then ran the whole folded statement ~10× slower (200 µs instead
 * of 21 on the demo snapshot); key it by a unique column instead.
 */

const PRELUDE = "__prelude";
const ROW = "__row";

/** One statement answering `prelude` and the first row of `query`; parameters in text order. */
export function foldPrelude(prelude: Query, query: Query): Query {
  return {
    sql:
      `select p.*, q.* from (select 1)` +
      ` left join (select 1 as "${PRELUDE}", * from (${prelude.sql})) as p on 1` +
      ` left join (select 1 as "${ROW}", * from (${query.sql})) as q on 1`,
    params: [...prelude.params, ...query.params],
  };
}

type Row = Record<string, unknown>;

/**
 * The prelude's rows and the query's first row, from the folded statement's column names and
 * first row (D1's `raw({ columnNames: true })`). Column names may repeat across the two sides.
 */
export function unfold(
  names: string[],
  values: unknown[] | undefined,
): { preludeRows: Row[]; row: Row | null } {
  const split = names.indexOf(ROW);
  if (names[0] !== PRELUDE || split < 0) throw new Error("not a folded statement's columns");
  const pick = (from: number, to: number): Row => {
    const row: Row = {};
    for (let i = from; i < to; i++) row[names[i] as string] = values?.[i];
    return row;
  };
  return {
    preludeRows: values?.[0] === 1 ? [pick(1, split)] : [],
    row: values?.[split] === 1 ? pick(split + 1, names.length) : null,
  };
}
