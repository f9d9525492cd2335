import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import { idempotentPosts } from "../../platform/http/idempotency";
import { createRouter } from "../../platform/http/router";
import { authenticateKey, type ConversationsEnv } from "./api-key";
import { conversationsEnvelope, renderConversationsError } from "./envelope";

/**
 * A router of the Conversations API: API key + workspace on every route, `Idempotency-Key` on
 * its POSTs, bare JSON.
 */
export const createConversationsRouter = () =>
  createRouter<ConversationsEnv>(conversationsEnvelope, {
    before: [authenticateKey],
    posts: idempotentPosts<ConversationsEnv>(renderConversationsError),
  });

export type ConversationsHandler<R extends RouteConfig> = RouteHandler<R, ConversationsEnv>;

/** Where the Conversations API's paths start; any path under it answers in its envelope. */
export const CONVERSATIONS_PREFIX = "/v1/api/";
