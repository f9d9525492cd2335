import type { Placeholder } from "drizzle-orm";
import type { Database } from "./client";
import { type Renderable, renderedOnce } from "./rendered-once";
import type { RequestDatabase } from "./request-database";

/*
 * The read of a single-resource GET: an organization's row by id as its document (`doc`, JSON
 * text built in SQL), in one statement rendered once per isolate, the request's deferred check
 * inside it (`readFirst`): one D1 round trip.
 */
export function documentById(
  select: (db: Database, organizationId: Placeholder, id: Placeholder) => Renderable,
) {
  const statement = renderedOnce(["organizationId", "id"], (db, p) =>
    select(db, p.organizationId, p.id),
  );
  /** The statement `find` runs, for EXPLAIN QUERY PLAN checks. */
  const query = (organizationId: string, id: string) => statement({ organizationId, id });
  /** The document (JSON text), or null when the organization has no such row. */
  const find = async (
    db: RequestDatabase,
    organizationId: string,
    id: string,
  ): Promise<string | null> =>
    (await db.readFirst<{ doc: string }>(query(organizationId, id)))?.doc ?? null;
  return { query, find };
}
