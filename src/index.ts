import { createApp } from "./app";
import { tenantDatabases } from "./platform/db/client";
import type { WebhookMessage } from "./platform/events/announce";
import { handleWebhookBatch } from "./platform/events/delivery";
import { sweep } from "./platform/events/sweep";
import { storeMissingDistances } from "./surfaces/conversations-api/messages/messages.drafts";

/** The Workflow that moves an organization to another shard (wrangler.toml `[[workflows]]`). */
export { MoveOrganization } from "./platform/db/move-workflow";

const app = createApp();

/** The API's type, for `hono/client`: `hc<AppType>(baseUrl)` (see scripts/client-example.ts). */
export type AppType = typeof app;

export default {
  fetch: app.fetch,
  /** Webhook deliveries (the `WEBHOOK_QUEUE` consumer). */
  queue: (batch, env) => handleWebhookBatch(batch, env),
  /**
   * The sweeps (Cron Trigger): stranded webhook events queued, old ones pruned; edited drafts
   * whose request stopped before storing their distance given one.
   */
  scheduled: async (_controller, env, ctx) => {
    ctx.waitUntil(sweep(env));
    ctx.waitUntil(
      Promise.all(tenantDatabases(env).map((db) => storeMissingDistances(db))).then((counts) => {
        const stored = counts.reduce((a, b) => a + b, 0);
        if (stored > 0)
          console.info(JSON.stringify({ level: "info", message: "edit distances stored", stored }));
      }),
    );
  },
} satisfies ExportedHandler<Env, WebhookMessage>;
