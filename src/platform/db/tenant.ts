import { and, type Column, eq } from "drizzle-orm";

interface TenantRow {
  id: Column;
  organizationId: Column;
}

/**
 * The join condition of a reference inside one organization: the parent row is the one with
 * that id *and* the child's organization. The composite foreign keys already keep the data so;
 * the join states it too, so no row of another tenant can be populated whatever the data holds.
 */
export const sameTenant = (
  parent: TenantRow,
  reference: Column,
  child: { organizationId: Column },
) => and(eq(parent.id, reference), eq(parent.organizationId, child.organizationId));

/** The rows of a table that belong to this user of this organization (`userId` and tenant). */
export const ofUser = (
  table: { userId: Column; organizationId: Column },
  user: { id: string; organizationId: string },
) => and(eq(table.userId, user.id), eq(table.organizationId, user.organizationId));
