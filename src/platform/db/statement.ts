/** A statement ready for D1: its SQL text and the values bound to it (Drizzle's `toSQL()`). */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** A Drizzle query (of a batch) as a statement: for a batch that mixes it with statements rendered once. */
export const statementOf = (query: unknown): Statement => (query as { toSQL(): Statement }).toSQL();
