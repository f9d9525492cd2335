import { z } from "@hono/zod-openapi";
import { IsoDateSchema, ObjectIdSchema } from "../../../platform/http/schemas";
import { UserSchema } from "../users/users.schemas";

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

/** Password rules: 12–128 characters (and not the user's email, checked where it is known). */
export const NewPasswordSchema = z.string().min(12).max(128).openapi({
  example: "correct horse battery staple",
  description: "12–128 characters, not the email.",
});

/**
 * `st_` / `rt_`, the organization's id and `_` (tokens issued before they named it have
 * neither), then 43 base64url characters; anything else is refused before any lookup.
 */
const opaqueToken = (prefix: string) =>
  z
    .string()
    .regex(
      new RegExp(`^${prefix}_(?:[0-9a-f]{24}_)?[A-Za-z0-9_-]{43}$`),
      `must be a ${prefix}_… token issued by this API`,
    );

export const SetupPasswordBodySchema = z
  .strictObject({
    setupToken: opaqueToken("st").openapi({
      example: "st_8qzJ2xVn5bQ0rT7wYc3LmK9pD1sF6hG4jA2eR5uN0oI",
    }),
    password: NewPasswordSchema,
  })
  .openapi("SetupPasswordRequest");

export const RefreshBodySchema = z
  .strictObject({
    refreshToken: opaqueToken("rt").openapi({
      example: "rt_Xc9mP2qL7vB4nK8sT1wZ6yR3dF5gH0jA9eU2iO7oQ4l",
    }),
  })
  .openapi("RefreshRequest");

export const ChangePasswordBodySchema = z
  .strictObject({
    currentPassword: z.string().min(1).max(1024),
    newPassword: NewPasswordSchema,
  })
  .openapi("ChangePasswordRequest");

/** The user a login answers: the user's identity and role, none of the account's state. */
export const AuthenticatedUserSchema = UserSchema.pick({
  _id: true,
  firstName: true,
  lastName: true,
  email: true,
  role: true,
}).openapi("AuthenticatedUser");

export type AuthenticatedUser = z.infer<typeof AuthenticatedUserSchema>;

export const LoginResponseSchema = z
  .object({
    success: z.literal(true),
    data: z.object({
      token: z.string().openapi({
        description:
          "HS256 JWT for `Authorization: Bearer <token>`; lives `JWT_TTL_SECONDS` (15 minutes by default)",
      }),
      expiresAt: IsoDateSchema,
      refreshToken: z.string().openapi({
        description:
          "Single use: `POST /api/auth/refresh` exchanges it for a new pair. Shown once.",
        example: "rt_Xc9mP2qL7vB4nK8sT1wZ6yR3dF5gH0jA9eU2iO7oQ4l",
      }),
      refreshExpiresAt: IsoDateSchema,
      user: AuthenticatedUserSchema,
    }),
  })
  .openapi("LoginResponse");
