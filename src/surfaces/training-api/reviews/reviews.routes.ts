import { createRoute, z } from "@hono/zod-openapi";
import { bearerSecurity } from "../bearer";
import { listResponseSchema } from "../envelope";
import {
  ListReviewsQuerySchema,
  ReviewSchema,
  ReviewStatsQuerySchema,
  ReviewStatsSchema,
} from "./reviews.schemas";

const tags = ["Reviews"];
const security = bearerSecurity;

export const list = createRoute({
  operationId: "listReviews",
  method: "get",
  path: "/api/training/reviews",
  tags,
  summary: "Reviewed AI drafts, newest review first (an extension)",
  description:
    "Each AI draft a person approved, edited or rejected: the AI's text next to the text sent, how long the review took and how many characters changed. Cursor-paginated; any role.",
  security,
  request: { query: ListReviewsQuerySchema },
  responses: {
    200: {
      description: "One page of reviews",
      content: {
        "application/json": {
          schema: listResponseSchema(ReviewSchema, "ReviewList"),
        },
      },
    },
  },
});

export const stats = createRoute({
  operationId: "reviewStats",
  method: "get",
  path: "/api/training/reviews/stats",
  tags,
  summary: "How the AI's drafts fare in review, per day, week, agent, pathway or model",
  description:
    "The drafts written in [from, to) (default: the last 30 days), counted by what became of them, with approval, edit and reject rates over those reviewed and the median and 90th percentile of review time. Its cost follows the range, not the organization's history. Any role.",
  security,
  request: { query: ReviewStatsQuerySchema },
  responses: {
    200: {
      description: "The range's buckets and total",
      content: {
        "application/json": {
          schema: z
            .object({ success: z.literal(true), data: ReviewStatsSchema })
            .openapi("ReviewStatsResponse"),
        },
      },
    },
  },
});

export type ListRoute = typeof list;
export type StatsRoute = typeof stats;
