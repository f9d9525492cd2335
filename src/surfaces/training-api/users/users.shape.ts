import type { z } from "@hono/zod-openapi";
import { toIso, toIsoOrNull } from "../../../platform/util/time";
import type { UserRecord } from "./users.repository";
import type { UserSchema } from "./users.schemas";

export const shapeUser = (user: UserRecord): z.infer<typeof UserSchema> => ({
  _id: user.id,
  firstName: user.firstName,
  lastName: user.lastName,
  email: user.email,
  role: user.role,
  isActive: user.isActive,
  createdAt: toIso(user.createdAt),
  updatedAt: toIso(user.updatedAt),
  lastLoginAt: toIsoOrNull(user.lastLoginAt),
});
