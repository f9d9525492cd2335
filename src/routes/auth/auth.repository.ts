import { and, eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { users } from "../../db/schema";

/** An email is unique per organization, so one address may name a few users across tenants. */
const MAX_CANDIDATES = 5;

export function findUsersByEmail(db: Database, email: string, organizationId?: string) {
  return db
    .select({
      id: users.id,
      organizationId: users.organizationId,
      firstName: users.firstName,
      lastName: users.lastName,
      email: users.email,
      role: users.role,
      passwordHash: users.passwordHash,
    })
    .from(users)
    .where(
      organizationId
        ? and(eq(users.email, email), eq(users.organizationId, organizationId))
        : eq(users.email, email),
    )
    .orderBy(users.organizationId)
    .limit(MAX_CANDIDATES);
}
