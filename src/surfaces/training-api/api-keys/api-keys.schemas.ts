import { z } from "@hono/zod-openapi";
import {
  IsoDateSchema,
  idParamsSchema,
  ObjectIdSchema,
  plainText,
} from "../../../platform/http/schemas";
import { dataSchema } from "../envelope";

export const ApiKeyParamsSchema = idParamsSchema("65a1e0e0e0e0e0e0e0e0e0e0");

export const CreateApiKeyBodySchema = z
  .strictObject({
    name: plainText(z.string().trim().min(1).max(100)).openapi({ example: "Production CRM sync" }),
  })
  .openapi("CreateApiKey");

export const ApiKeySchema = z
  .object({
    _id: ObjectIdSchema,
    name: z.string().openapi({ example: "Production CRM sync" }),
    prefix: z.string().openapi({
      example: "cvk_Ab12Cd34",
      description: "The key's first characters, to tell keys apart. Not enough to use it.",
    }),
    createdAt: IsoDateSchema,
    lastUsedAt: IsoDateSchema.nullable().openapi({
      description: "Last successful use, recorded at most once a minute.",
    }),
    revokedAt: IsoDateSchema.nullable(),
  })
  .openapi("ApiKey");

export const ApiKeyListResponseSchema = dataSchema(z.array(ApiKeySchema), "ApiKeyList");

export const CreatedApiKeyResponseSchema = z
  .object({
    success: z.literal(true),
    data: z.object({
      _id: ObjectIdSchema,
      name: z.string(),
      prefix: z.string(),
      key: z.string().openapi({
        description: "The key itself. Shown here once and never again: store it now.",
        example: "cvk_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90Uv1",
      }),
      createdAt: IsoDateSchema,
    }),
  })
  .openapi("CreatedApiKey");
