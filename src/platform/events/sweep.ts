import { and, isNull, lt, lte, sql } from "drizzle-orm";
import { type Database, tenantDatabases } from "../db/client";
import { unfenced } from "../db/fences";
import { webhookDeliveries, webhookEvents } from "../db/schema";
import { queueEvents, type WebhookMessage } from "./announce";

/*
 * The scheduled sweep (a Cron Trigger, every minute), over every tenant database:
 * - events a request wrote but never queued (the Worker stopped between the write and the
 *   queue) are queued once they are a minute old, so none is lost;
 * - events and delivery attempts older than 30 days are deleted, a bounded number per run.
 */

/** An unqueued event younger than this is probably being queued by its request right now. */
export const SWEEP_GRACE_MS = 60_000;
export const RETENTION_MS = 30 * 24 * 3600 * 1000;
const QUEUE_PER_RUN = 500;
const PRUNE_PER_RUN = 1000;

export interface SweepResult {
  queued: number;
  prunedEvents: number;
  prunedDeliveries: number;
}

/** Events never queued, a minute old or more, oldest first (the partial index of them). */
export const strandedEventsQuery = (db: Database, now: number) =>
  db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(
      and(
        isNull(webhookEvents.queuedAt),
        lte(webhookEvents.createdAt, now - SWEEP_GRACE_MS),
        unfenced(webhookEvents.organizationId),
      ),
    )
    .orderBy(webhookEvents.createdAt)
    .limit(QUEUE_PER_RUN);

/** Deletes of delivery attempts and events older than `cutoff`, a bounded number of each. */
export const pruneStatements = (db: Database, cutoff: number) =>
  [
    db
      .delete(webhookDeliveries)
      .where(
        sql`${webhookDeliveries.id} in (select ${webhookDeliveries.id} from ${webhookDeliveries} where ${lt(webhookDeliveries.createdAt, cutoff)} and ${unfenced(webhookDeliveries.organizationId)} limit ${PRUNE_PER_RUN})`,
      )
      .returning({ id: webhookDeliveries.id }),
    db
      .delete(webhookEvents)
      .where(
        sql`${webhookEvents.id} in (select ${webhookEvents.id} from ${webhookEvents} where ${lt(webhookEvents.createdAt, cutoff)} and ${unfenced(webhookEvents.organizationId)} limit ${PRUNE_PER_RUN})`,
      )
      .returning({ id: webhookEvents.id }),
  ] as const;

export async function sweepDatabase(
  db: Database,
  queue: Queue<WebhookMessage>,
  now = Date.now(),
): Promise<SweepResult> {
  const stranded = await strandedEventsQuery(db, now);
  const queued = await queueEvents(
    db,
    queue,
    stranded.map((e) => e.id),
    now,
  );
  const [deliveries, events] = await db.batch(pruneStatements(db, now - RETENTION_MS));
  return { queued, prunedEvents: events.length, prunedDeliveries: deliveries.length };
}

/** The Cron Trigger's work: every tenant database, one after the other. */
export async function sweep(env: Env, now = Date.now()): Promise<SweepResult> {
  const total: SweepResult = { queued: 0, prunedEvents: 0, prunedDeliveries: 0 };
  for (const db of tenantDatabases(env)) {
    const result = await sweepDatabase(db, env.WEBHOOK_QUEUE as Queue<WebhookMessage>, now);
    total.queued += result.queued;
    total.prunedEvents += result.prunedEvents;
    total.prunedDeliveries += result.prunedDeliveries;
  }
  if (total.queued + total.prunedEvents + total.prunedDeliveries > 0) {
    console.info(JSON.stringify({ level: "info", message: "webhook sweep", ...total }));
  }
  return total;
}
