import { createApp } from "./app";
import type { WebhookMessage } from "./platform/events/announce";
import { handleWebhookBatch } from "./platform/events/delivery";
import { sweep } from "./platform/events/sweep";

const app = createApp();

/** The API's type, for `hono/client`: `hc<AppType>(baseUrl)` (see scripts/client-example.ts). */
export type AppType = typeof app;

export default {
  fetch: app.fetch,
  /** Webhook deliveries (the `WEBHOOK_QUEUE` consumer). */
  queue: (batch, env) => handleWebhookBatch(batch, env),
  /** The webhook sweep (Cron Trigger): stranded events queued, old ones pruned. */
  scheduled: async (_controller, env, ctx) => {
    ctx.waitUntil(sweep(env));
  },
} satisfies ExportedHandler<Env, WebhookMessage>;
