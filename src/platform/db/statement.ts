/** A statement ready for D1: its SQL text and the values bound to it (Drizzle's `toSQL()`). */
export interface Statement {
  sql: string;
  params: unknown[];
}
