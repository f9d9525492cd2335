import { and, eq, type SQL, sql } from "drizzle-orm";
import { revokeSessionsIfInactive } from "../../../accounts/sessions";
import {
  issueSetupTokenStatements,
  voidSetupTokensIfInactive,
} from "../../../accounts/setup-tokens";
import type { Database } from "../../../platform/db/client";
import { documentById } from "../../../platform/db/document-by-id";
import * as keyset from "../../../platform/db/keyset";
import { renderedPerShape } from "../../../platform/db/rendered-once";
import type { RequestDatabase } from "../../../platform/db/request-database";
import { type UserRole, users } from "../../../platform/db/schema";
import { selectCreatedUserDocument, selectUserDocument, userDoc } from "./users.document";
import type { UserChanges, UserFilters } from "./users.schemas";

/*
 * The users' reads and writes, each one D1 round trip; every answer is the user document
 * (users.document.ts) as JSON text.
 */

const ofOrganization = (organizationId: string, id: string) =>
  and(eq(users.organizationId, organizationId), eq(users.id, id));

/** The GET's read: one statement, rendered once per isolate. */
const userDocument = documentById(selectUserDocument);

/** The statement `findUserDocument` runs, for EXPLAIN QUERY PLAN checks. */
export const userDocumentQuery = userDocument.query;

/** One user's document (JSON text), or null: one round trip, the caller's check inside it. */
export const findUserDocument = userDocument.find;

/** A page of the organization's users, newest first, through (organization, created_at, id). */
const pageStatement = renderedPerShape<
  keyset.PageValues & {
    organizationId: string;
    role?: string | undefined;
    isActive?: boolean | undefined;
  }
>((db, p) => {
  const page = keyset.page(users.createdAt, users.id, p);
  return db
    .select({ ...userDoc, ...page.position })
    .from(users)
    .where(
      and(
        eq(users.organizationId, p.organizationId),
        p.role ? eq(users.role, p.role) : undefined,
        p.isActive ? eq(users.isActive, p.isActive) : undefined,
        ...page.range,
      ),
    )
    .orderBy(...page.order)
    .limit(page.limit);
});

/** The statement of a list page: what `listUsers` sends. */
export const listUsersQuery = (
  organizationId: string,
  filters: UserFilters,
  position: keyset.CursorPosition | undefined,
  limit: number,
) =>
  pageStatement({
    organizationId,
    role: filters.role,
    isActive: filters.isActive,
    ...keyset.values(position, limit),
  });

/** A page of the organization's users: each user's document and its cursor position. */
export const listUsers = (
  db: RequestDatabase,
  organizationId: string,
  filters: UserFilters,
  position: keyset.CursorPosition | undefined,
  limit: number,
) =>
  db.readPage<{ doc: string; createdAt: number; id: string }>(
    listUsersQuery(organizationId, filters, position, limit),
  );

/** Another active admin of the organization exists: the one a guard below needs. */
const anotherActiveAdmin = (organizationId: string, id: string) => sql`exists (
  select 1 from ${users} as other
  where other.organization_id = ${organizationId} and other.id <> ${id}
    and other.role = 'admin' and other.is_active = 1)`;

/** The row is an active admin, and would stop being one. */
function removesAnAdmin(changes: Pick<UserChanges, "role" | "isActive">): SQL {
  const staysAdmin = changes.role === undefined || changes.role === "admin";
  const staysActive = changes.isActive !== false;
  if (staysAdmin && staysActive) return sql`0`;
  return sql`(${users.role} = 'admin' and ${users.isActive} = 1)`;
}

export type GuardedOutcome<T> =
  | { status: "done"; value: T }
  | { status: "not_found" }
  | { status: "last_admin" };

/**
 * Applies the changes unless they would leave the organization without an active admin, in one
 * batch: the guarded UPDATE, then a read that tells a missing user (404) from a refused change
 * (409). D1 runs a batch as one transaction, so two admins demoting each other at once cannot
 * both succeed. Deactivation also bumps the token version, ends every session and voids unused
 * setup tokens: every access, refresh and setup token of the user dies, and stays dead if the
 * user is activated again.
 */
export async function updateUser(
  db: Database,
  organizationId: string,
  id: string,
  changes: UserChanges,
  now: number,
): Promise<GuardedOutcome<string>> {
  const deactivates = changes.isActive === false;
  const [updated, current] = await db.batch([
    db
      .update(users)
      .set({
        ...changes,
        tokenVersion:
          changes.isActive === false ? sql`${users.tokenVersion} + 1` : sql`${users.tokenVersion}`,
        updatedAt: sql`max(${users.updatedAt} + 1, ${now})`,
      })
      .where(
        and(
          ofOrganization(organizationId, id),
          sql`(not ${removesAnAdmin(changes)} or ${anotherActiveAdmin(organizationId, id)})`,
        ),
      )
      .returning(userDoc),
    db.select({ id: users.id }).from(users).where(ofOrganization(organizationId, id)),
    ...(deactivates
      ? [
          revokeSessionsIfInactive(db, { id, organizationId }, now),
          voidSetupTokensIfInactive(db, { id, organizationId }, now),
        ]
      : []),
  ]);
  if (updated[0]) return { status: "done", value: updated[0].doc };
  return current[0] ? { status: "last_admin" } : { status: "not_found" };
}

/**
 * Deletes the user unless they are the organization's last active admin. Their sessions and
 * setup tokens go with them; snapshots keep their copies and populate `userId` as null.
 */
export async function deleteUser(
  db: Database,
  organizationId: string,
  id: string,
): Promise<GuardedOutcome<null>> {
  const [deleted, current] = await db.batch([
    db
      .delete(users)
      .where(
        and(
          ofOrganization(organizationId, id),
          sql`(not (${users.role} = 'admin' and ${users.isActive} = 1) or ${anotherActiveAdmin(organizationId, id)})`,
        ),
      )
      .returning({ id: users.id }),
    db.select({ id: users.id }).from(users).where(ofOrganization(organizationId, id)),
  ]);
  if (deleted[0]) return { status: "done", value: null };
  return current[0] ? { status: "last_admin" } : { status: "not_found" };
}

/**
 * A new user without a password, and the one-time setup token they set it with (`hash` stored,
 * `plaintext` only in the answer), in one batch that ends with the create answer's document.
 * A taken email breaks the unique index and the batch writes nothing.
 */
export async function insertUser(
  db: Database,
  user: {
    id: string;
    organizationId: string;
    email: string;
    firstName: string;
    lastName: string;
    role: UserRole;
    now: number;
  },
  setupToken: { plaintext: string; hash: string; expiresAt: number },
): Promise<string> {
  const results = await db.batch([
    db.insert(users).values({
      id: user.id,
      organizationId: user.organizationId,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      role: user.role,
      passwordHash: "",
      createdAt: user.now,
      updatedAt: user.now,
    }),
    ...issueSetupTokenStatements(db, {
      hash: setupToken.hash,
      organizationId: user.organizationId,
      userId: user.id,
      now: user.now,
      expiresAt: setupToken.expiresAt,
    }),
    selectCreatedUserDocument(db, user.organizationId, user.id, setupToken),
  ]);
  const [created] = results.at(-1) as { doc: string }[];
  return (created as { doc: string }).doc;
}
