import { and, inArray, isNull, sql } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import type { Database } from "../db/client";
import { unfenced } from "../db/fences";
import { webhookEvents } from "../db/schema";
import { afterResponse } from "../http/after-response";
import type { AppEnv } from "../http/app-env";
import { Outbox } from "./outbox";

/** What the webhook queue carries: an event to fan out, or one endpoint's next attempt. */
export type WebhookMessage =
  | { organizationId: string; eventId: string }
  | { organizationId: string; eventId: string; endpointId: string; attempt: number };

/**
 * Queues the given events that exist (their insert was conditional) and are not queued yet,
 * then marks them queued. Sending first: a crash in between sends an event twice at worst
 * (receivers dedupe on `webhook-id`), never loses one.
 */
export async function queueEvents(
  db: Database,
  queue: Queue<WebhookMessage>,
  ids: string[],
  now = Date.now(),
): Promise<number> {
  if (ids.length === 0) return 0;
  const found = await db
    .select({ id: webhookEvents.id, organizationId: webhookEvents.organizationId })
    .from(webhookEvents)
    .where(
      and(
        inArray(webhookEvents.id, sql`(select value from json_each(${JSON.stringify(ids)}))`),
        isNull(webhookEvents.queuedAt),
        unfenced(webhookEvents.organizationId),
      ),
    );
  await queueFound(db, queue, found, now);
  return found.length;
}

/** Sends events known to exist, then marks them queued (see `queueEvents`). */
async function queueFound(
  db: Database,
  queue: Queue<WebhookMessage>,
  found: { id: string; organizationId: string }[],
  now: number,
): Promise<void> {
  for (let i = 0; i < found.length; i += 100) {
    const chunk = found.slice(i, i + 100);
    await queue.sendBatch(
      chunk.map(({ id, organizationId }) => ({
        body: { organizationId, eventId: id } satisfies WebhookMessage,
      })),
    );
    await db
      .update(webhookEvents)
      .set({ queuedAt: now })
      .where(
        and(
          inArray(
            webhookEvents.id,
            sql`(select value from json_each(${JSON.stringify(chunk.map((r) => r.id))}))`,
          ),
          unfenced(webhookEvents.organizationId),
        ),
      );
  }
}

/**
 * App middleware: once the request is answered, the events it recorded go to the queue, off the
 * response path (`waitUntil`). A failure here is logged; the scheduled sweep queues them later.
 */
export const announceEvents = createMiddleware<AppEnv>(async (c, next) => {
  const outbox = new Outbox();
  c.set("outbox", outbox);
  await next();
  const { events } = outbox;
  // Most writes wrote no event (nobody listens): nothing to do, not even a lookup.
  if (events.every((e) => e.settled && !e.written)) return;
  // The request's own handle: the database authentication chose for this organization. Events
  // whose batch the outbox saw are known; any other is looked up.
  const queue = c.env.WEBHOOK_QUEUE;
  const known = events.every((e) => e.settled);
  await afterResponse(
    c,
    known
      ? queueFound(
          c.var.db,
          queue,
          events.filter((e) => e.written),
          Date.now(),
        )
      : queueEvents(
          c.var.db,
          queue,
          events.map((e) => e.id),
        ),
    "webhook events not queued; the sweep will",
  );
});
