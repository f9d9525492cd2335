import { createRoute } from "@hono/zod-openapi";
import { trainingErrors } from "../../errors/training";
import { SnapshotEnvelopeSchema, SnapshotParamsSchema } from "./snapshots.schemas";

const tags = ["Training snapshots"];

export const getOne = createRoute({
  operationId: "getTrainingSnapshot",
  method: "get",
  path: "/api/training/snapshots/{id}",
  tags,
  summary: "Get a single training snapshot by ID",
  description:
    "The snapshot with its creator (`userId`) and contact (`contactId`) populated, and its messages in chronological order.",
  security: [{ bearerAuth: [] }],
  request: { params: SnapshotParamsSchema },
  responses: {
    200: {
      description: "Training snapshot returned",
      content: { "application/json": { schema: SnapshotEnvelopeSchema } },
    },
    ...trainingErrors(400, 401, 404),
  },
});

export type GetOneRoute = typeof getOne;
