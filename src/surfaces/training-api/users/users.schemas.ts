import { z } from "@hono/zod-openapi";
import { USER_ROLES } from "../../../platform/db/schema";
import { userColumns } from "../../../platform/db/zod";
import {
  CursorQuerySchema,
  EmailSchema,
  IsoDateSchema,
  idParamsSchema,
  LimitQuerySchema,
  ObjectIdSchema,
  PersonNameSchema,
} from "../../../platform/http/schemas";
import { dataSchema, listResponseSchema } from "../envelope";

export const UserParamsSchema = idParamsSchema("65b1f0a2c3d4e5f6a7b8c9d0");

export const UserSchema = z
  .object({
    _id: ObjectIdSchema.openapi({ example: "65b1f0a2c3d4e5f6a7b8c9d0" }),
    firstName: userColumns.firstName.openapi({ example: "Alice" }),
    lastName: userColumns.lastName.openapi({ example: "Rivera" }),
    email: userColumns.email.openapi({ example: "alice@example.com" }),
    role: userColumns.role.openapi({ example: "manager" }),
    isActive: userColumns.isActive,
    createdAt: IsoDateSchema,
    updatedAt: IsoDateSchema,
    lastLoginAt: IsoDateSchema.nullable(),
  })
  .openapi("User", { description: "A member of the organization's staff. Never a password hash." });

export const UserEnvelopeSchema = dataSchema(UserSchema, "UserResponse");

export const UserListResponseSchema = listResponseSchema(UserSchema, "UserList");

const RoleSchema = z.enum(USER_ROLES).openapi({ example: "manager" });

export const CreateUserBodySchema = z
  .strictObject({
    // Stored trimmed and lowercase, as login looks it up.
    email: EmailSchema.openapi({ example: "grace@acme.example" }),
    firstName: PersonNameSchema.openapi({ example: "Grace" }),
    lastName: PersonNameSchema.openapi({ example: "Hopper" }),
    role: RoleSchema,
  })
  .openapi("CreateUser");

export const CreatedUserResponseSchema = z
  .object({
    success: z.literal(true),
    data: z.object({
      user: UserSchema,
      setupToken: z.string().openapi({
        description:
          "Shown once: the user sets a password with it (`POST /api/auth/setup-password`), within 72 hours.",
        example: "st_8qzJ2xVn5bQ0rT7wYc3LmK9pD1sF6hG4jA2eR5uN0oI",
      }),
      setupExpiresAt: IsoDateSchema,
    }),
  })
  .openapi("CreatedUser");

export const PatchUserBodySchema = z
  .strictObject({
    firstName: PersonNameSchema.optional(),
    lastName: PersonNameSchema.optional(),
    role: RoleSchema.optional(),
    isActive: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: "must change at least one of firstName, lastName, role, isActive",
    params: { rule: "not_empty" },
  })
  .openapi("PatchUser");

export type UserChanges = z.output<typeof PatchUserBodySchema>;

export const ListUsersQuerySchema = z.strictObject({
  role: RoleSchema.optional(),
  isActive: z
    .enum(["true", "false"])
    .transform((value) => value === "true")
    .optional()
    .openapi({ description: "Only active (`true`) or deactivated (`false`) users." }),
  limit: LimitQuerySchema,
  cursor: CursorQuerySchema,
});

export type UserFilters = Pick<z.output<typeof ListUsersQuerySchema>, "role" | "isActive">;
