import { env } from "cloudflare:workers";

/** EXPLAIN QUERY PLAN of a statement on the test database: one line per step. */
export async function queryPlan(query: { sql: string; params: unknown[] }): Promise<string[]> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
    .bind(...query.params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail);
}
