import { and, eq, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../platform/db/client";
import { bool, iso, isoOrNull, jsonObject } from "../../../platform/db/json-document";
import { setupTokens, users } from "../../../platform/db/schema";
import { CreatedUserResponseSchema, UserSchema } from "./users.schemas";

/*
 * The user document, defined once: what `GET /api/users/{id}` and `GET /api/users/me` answer as
 * their `data`, each item of a list page, the `data` of a PATCH answer (the RETURNING of the
 * update) and the `user` of the create answer. Never the password hash or the token version.
 * Keys and their order are UserSchema's.
 */

const u = users;

/** The user as GET answers it, over `users`. */
export const userJson: SQL = jsonObject(UserSchema, {
  _id: u.id,
  firstName: u.firstName,
  lastName: u.lastName,
  email: u.email,
  role: u.role,
  isActive: bool(u.isActive),
  createdAt: iso(u.createdAt),
  updatedAt: iso(u.updatedAt),
  lastLoginAt: isoOrNull(u.lastLoginAt),
});

/** What a select or a write's RETURNING reads: the document as `doc` (JSON text). */
export const userDoc = { doc: sql<string>`${userJson}`.as("doc") };

type Bound = string | Placeholder;

const ofOrganization = (organizationId: Bound, id: Bound) =>
  and(eq(u.id, id), eq(u.organizationId, organizationId));

/** One user's `{ doc }`, or no row. */
export const selectUserDocument = (db: Database, organizationId: Bound, id: Bound) =>
  db.select(userDoc).from(u).where(ofOrganization(organizationId, id));

/**
 * The create answer's `{ doc }`: the new user and their setup token, read at the end of the
 * batch that wrote both. Only the token's SHA-256 is stored, so the token itself cannot be read
 * back: it is bound into this statement as a value (never stored, never logged), in the key
 * order of the schema; its expiry is the stored one.
 */
export const selectCreatedUserDocument = (
  db: Database,
  organizationId: string,
  id: string,
  setupToken: { plaintext: string; hash: string },
) =>
  db
    .select({
      doc: sql<string>`${jsonObject(CreatedUserResponseSchema.shape.data, {
        user: userJson,
        setupToken: sql`${setupToken.plaintext}`,
        setupExpiresAt: iso(setupTokens.expiresAt),
      })}`.as("doc"),
    })
    .from(u)
    .innerJoin(
      setupTokens,
      and(
        eq(setupTokens.tokenHash, setupToken.hash),
        eq(setupTokens.userId, u.id),
        eq(setupTokens.organizationId, u.organizationId),
      ),
    )
    .where(ofOrganization(organizationId, id));
