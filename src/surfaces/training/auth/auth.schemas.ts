import { z } from "@hono/zod-openapi";
import { userColumns } from "../../../platform/db/zod";
import { IsoDateSchema, ObjectIdSchema } from "../../../platform/http/schemas";

export const LoginBodySchema = z
  .strictObject({
    email: z
      .email({
        // Only a bad format gets this wording; a missing or non-string email keeps the shared one.
        error: (issue) =>
          issue.code === "invalid_format" ? "must be an email address" : undefined,
      })
      .max(254)
      .openapi({ example: "alice@example.com" }),
    password: z.string().min(1).max(1024).openapi({ example: "demo-password-123" }),
    organizationId: ObjectIdSchema.optional().openapi({
      description:
        "Only needed when the same email belongs to users of several organizations: picks one.",
      example: "65a0e0e0e0e0e0e0e0e0e0e0",
    }),
  })
  .openapi("LoginRequest");

export const AuthenticatedUserSchema = z
  .object({
    _id: ObjectIdSchema.openapi({ example: "65b1f0a2c3d4e5f6a7b8c9d0" }),
    firstName: userColumns.firstName.openapi({ example: "Alice" }),
    lastName: userColumns.lastName.openapi({ example: "Rivera" }),
    email: userColumns.email.openapi({ example: "alice@example.com" }),
    role: userColumns.role.openapi({ example: "manager" }),
  })
  .openapi("AuthenticatedUser");

export const LoginResponseSchema = z
  .object({
    success: z.literal(true),
    data: z.object({
      token: z.string().openapi({ description: "HS256 JWT for `Authorization: Bearer <token>`" }),
      expiresAt: IsoDateSchema,
      user: AuthenticatedUserSchema,
    }),
  })
  .openapi("LoginResponse");
