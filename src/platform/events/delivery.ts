import { and, eq, sql } from "drizzle-orm";
import { type Database, tenantDatabase } from "../db/client";
import { webhookDeliveries, webhookEndpoints, webhookEvents } from "../db/schema";
import { checkWebhookUrl } from "../http/outbound-url";
import { newObjectId } from "../util/ids";
import { toIso } from "../util/time";
import type { WebhookMessage } from "./announce";
import { receivers } from "./outbox";
import { signedHeaders } from "./signature";

/*
 * The queue consumer: delivers webhook events, at least once, signed (Standard Webhooks).
 *
 * A message `{ eventId }` fans the event out to every enabled endpoint of the organization that
 * listens to its type (or to the one endpoint a test ping names), attempt 1 each. A failed
 * attempt (a non-2xx answer, a redirect, a timeout, a network error) queues the next one for
 * that endpoint alone, `{ eventId, endpointId, attempt }`, after a growing delay; after the last
 * the delivery is `failed` for good. Every attempt is a row of `webhook_deliveries`, unique per
 * (event, endpoint, attempt): a queue message delivered twice records and sends an attempt once
 * unless the first run died mid-attempt (then the receiver sees the same `webhook-id` again).
 */

/** Seconds before attempts 2, 3, …: 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h (≈ 21 h in all). */
export const RETRY_DELAYS = [10, 60, 300, 1800, 7200, 21600, 43200];
export const MAX_ATTEMPTS = RETRY_DELAYS.length + 1;
/** How long a receiver has to answer. */
export const DELIVERY_TIMEOUT_MS = 10_000;
const USER_AGENT = "edge-conversations-webhooks/1";

export interface DeliveryDeps {
  /** Sends the HTTP request (`fetch`; a test passes a receiver of its own). */
  send: (request: Request) => Promise<Response>;
  /** Where next attempts go. */
  queue: Pick<Queue<WebhookMessage>, "send">;
  now: () => number;
}

type EventRow = typeof webhookEvents.$inferSelect;
type EndpointRow = typeof webhookEndpoints.$inferSelect;

/** The queue handler: each message acked once handled, retried (by the queue) if it threw. */
export async function handleWebhookBatch(
  batch: MessageBatch<WebhookMessage>,
  env: Env,
  deps: Partial<DeliveryDeps> = {},
): Promise<void> {
  const full: DeliveryDeps = {
    send: (request) => fetch(request),
    queue: env.WEBHOOK_QUEUE as Queue<WebhookMessage>,
    now: Date.now,
    ...deps,
  };
  const allowLoopback = env.WEBHOOK_ALLOW_LOOPBACK === "true";
  // One message at a time, a few sends at a time: a Worker invocation opens at most 6
  // connections at once, and a send waiting for one would spend its 10 s doing nothing.
  for (const message of batch.messages) {
    try {
      const db = await tenantDatabase(env, message.body.organizationId);
      await handleMessage(db, message.body, full, allowLoopback);
      message.ack();
    } catch (error) {
      console.error(
        JSON.stringify({
          level: "error",
          message: "webhook message failed; the queue retries it",
          eventId: message.body.eventId,
          attempts: message.attempts,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      message.retry({ delaySeconds: queueRetryDelay(message.attempts) });
    }
  }
}

/**
 * When the queue tries a failed message again (the database was unreachable, say): 30 s,
 * doubling, at most an hour; with `max_retries = 20` that rides out about 17 hours of outage.
 */
export const queueRetryDelay = (attempts: number) =>
  Math.min(30 * 2 ** Math.max(0, attempts - 1), 3600);

/** At most this many sends at once per invocation (under the 6 open connections allowed). */
const PARALLEL_SENDS = 5;

async function handleMessage(
  db: Database,
  body: WebhookMessage,
  deps: DeliveryDeps,
  allowLoopback: boolean,
): Promise<void> {
  const e = webhookEndpoints;
  const [event] = await db
    .select()
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.id, body.eventId),
        eq(webhookEvents.organizationId, body.organizationId),
      ),
    );
  if (!event) return; // pruned, or its organization deleted
  const retry = "endpointId" in body;
  const target = retry ? body.endpointId : event.endpointId;
  const endpoints = await db
    .select()
    .from(e)
    .where(
      receivers(
        event.organizationId,
        target ? { endpointId: target } : { types: sql`(${event.type})` },
      ),
    );
  const attempt = retry ? body.attempt : 1;
  if (retry && endpoints.length === 0) {
    // Paused or deleted since: the retry is dropped, and the last attempt says no more follow.
    await db
      .update(webhookDeliveries)
      .set({ nextAttemptAt: null })
      .where(
        and(
          eq(webhookDeliveries.eventId, event.id),
          eq(webhookDeliveries.endpointId, body.endpointId),
          eq(webhookDeliveries.attempt, attempt - 1),
        ),
      );
    return;
  }
  for (let i = 0; i < endpoints.length; i += PARALLEL_SENDS) {
    await Promise.all(
      endpoints
        .slice(i, i + PARALLEL_SENDS)
        .map((endpoint) => attemptDelivery({ db, event, endpoint, attempt, deps, allowLoopback })),
    );
  }
}

/** The body every attempt of an event sends, byte for byte. */
export const payloadOf = (event: Pick<EventRow, "type" | "createdAt" | "data">): string =>
  `{"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(toIso(event.createdAt))},"data":${event.data}}`;

/** One attempt to deliver one event to one endpoint, and what it needs. */
interface Attempt {
  db: Database;
  event: EventRow;
  endpoint: EndpointRow;
  attempt: number;
  deps: DeliveryDeps;
  allowLoopback: boolean;
}

async function attemptDelivery(run: Attempt): Promise<void> {
  const { db, event, endpoint, attempt, deps } = run;
  const d = webhookDeliveries;
  const started = deps.now();
  const id = newObjectId(started);
  const [claimed] = await db
    .insert(d)
    .values({
      id,
      organizationId: event.organizationId,
      endpointId: endpoint.id,
      eventId: event.id,
      type: event.type,
      attempt,
      status: "pending",
      createdAt: started,
    })
    .onConflictDoNothing()
    .returning({ id: d.id });
  if (!claimed) {
    // This attempt was recorded by an earlier run of the message: send again only if that run
    // died before an answer (still pending).
    const [earlier] = await db
      .select({ id: d.id, status: d.status })
      .from(d)
      .where(and(eq(d.eventId, event.id), eq(d.endpointId, endpoint.id), eq(d.attempt, attempt)));
    if (earlier?.status !== "pending") return;
    return send(run, earlier.id);
  }
  return send(run, id);
}

async function send(run: Attempt, deliveryId: string): Promise<void> {
  const { db, event, endpoint, attempt, deps, allowLoopback } = run;
  const started = deps.now();
  let responseStatus: number | null = null;
  let succeeded = false;
  let retryable = true;
  // Checked again at send time: the rules may have tightened since the URL was saved.
  const verdict = checkWebhookUrl(endpoint.url, { allowLoopback });
  if (!verdict.ok) {
    retryable = false;
  } else {
    const body = payloadOf(event);
    const secrets = [endpoint.secret];
    if (
      endpoint.previousSecret &&
      endpoint.previousSecretExpiresAt &&
      endpoint.previousSecretExpiresAt > started
    ) {
      secrets.push(endpoint.previousSecret);
    }
    const headers = await signedHeaders(secrets, event.id, Math.floor(started / 1000), body);
    try {
      const response = await deps.send(
        new Request(verdict.url, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": USER_AGENT, ...headers },
          body,
          // A redirect is an answer, not an instruction: following it could reach any address.
          redirect: "manual",
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        }),
      );
      responseStatus = response.status;
      succeeded = response.status >= 200 && response.status < 300;
      await response.body?.cancel();
    } catch {
      // Timeout, refused connection, DNS: no status; retried.
    }
  }
  const finished = deps.now();
  const next = !succeeded && retryable && attempt < MAX_ATTEMPTS;
  const delay = RETRY_DELAYS[attempt - 1] ?? 0;
  if (next) {
    // Queued before the row says so: a crash in between repeats an attempt, never drops one.
    await deps.queue.send(
      {
        organizationId: event.organizationId,
        eventId: event.id,
        endpointId: endpoint.id,
        attempt: attempt + 1,
      },
      { delaySeconds: delay },
    );
  }
  await db
    .update(webhookDeliveries)
    .set({
      status: succeeded ? "succeeded" : "failed",
      responseStatus,
      durationMs: Math.max(0, finished - started),
      nextAttemptAt: next ? finished + delay * 1000 : null,
    })
    .where(eq(webhookDeliveries.id, deliveryId));
}
