import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { WebhookMessage } from "../../src/platform/events/announce";
import { RETENTION_MS, SWEEP_GRACE_MS, sweepDatabase } from "../../src/platform/events/sweep";
import { ACME } from "../helpers/seed";
import { createEndpoint, recordingQueue } from "../helpers/webhooks";

afterEach(async () => {
  await env.DB.batch([
    env.DB.prepare("delete from webhook_endpoints"),
    env.DB.prepare("delete from webhook_events"),
  ]);
});

const insertEvent = (id: string, createdAt: number, queuedAt: number | null) =>
  env.DB.prepare(
    "insert into webhook_events (id, organization_id, type, data, endpoint_id, created_at, queued_at) values (?, ?, 'webhook.test', '{}', null, ?, ?)",
  ).bind(id, ACME, createdAt, queuedAt);
const queuedAt = async (id: string) =>
  (
    await env.DB.prepare("select queued_at from webhook_events where id = ?")
      .bind(id)
      .first<{ queued_at: number | null }>()
  )?.queued_at;

describe("the sweep", () => {
  it("queues events a request wrote but never queued, once a minute old; not the young ones", async () => {
    const now = Date.now();
    await env.DB.batch([
      insertEvent("evt_stranded", now - SWEEP_GRACE_MS - 1, null),
      insertEvent("evt_young", now - 1000, null),
      insertEvent("evt_done", now - SWEEP_GRACE_MS * 5, now - SWEEP_GRACE_MS * 5),
    ]);
    const { queue, sent } = recordingQueue();
    const result = await sweepDatabase(drizzle(env.DB), queue as Queue<WebhookMessage>, now);
    expect(result.queued).toBe(1);
    expect(sent.map((m) => m.body)).toEqual([{ organizationId: ACME, eventId: "evt_stranded" }]);
    expect(await queuedAt("evt_stranded")).toBe(now);
    expect(await queuedAt("evt_young")).toBeNull();
    // Queued once: the next sweep finds nothing.
    expect((await sweepDatabase(drizzle(env.DB), queue as Queue<WebhookMessage>, now)).queued).toBe(
      0,
    );
  });

  it("prunes events and delivery attempts older than 30 days", async () => {
    const now = Date.now();
    const { id } = await createEndpoint({ events: ["conversation.created"] });
    const old = now - RETENTION_MS - 1;
    await env.DB.batch([
      insertEvent("evt_old", old, old),
      insertEvent("evt_recent", now - 1000, now - 1000),
      env.DB.prepare(
        "insert into webhook_deliveries (id, organization_id, endpoint_id, event_id, type, attempt, status, created_at) values ('6790a0b0c0d0e0f0a0b0c0e1', ?, ?, 'evt_old', 'webhook.test', 1, 'succeeded', ?), ('6790a0b0c0d0e0f0a0b0c0e2', ?, ?, 'evt_recent', 'webhook.test', 1, 'succeeded', ?)",
      ).bind(ACME, id, old, ACME, id, now - 1000),
    ]);
    const { queue } = recordingQueue();
    const result = await sweepDatabase(drizzle(env.DB), queue as Queue<WebhookMessage>, now);
    expect(result).toMatchObject({ prunedEvents: 1, prunedDeliveries: 1 });
    const left = await env.DB.prepare("select id from webhook_events order by id").all();
    expect(left.results.map((r) => r.id)).toEqual(["evt_recent"]);
  });
});

describe("the Worker's queue and scheduled handlers (src/index.ts)", () => {
  it("the Cron Trigger queues a stranded event through the real queue binding", async () => {
    const now = Date.now();
    await insertEvent("evt_cron", now - SWEEP_GRACE_MS - 5000, null).run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await queuedAt("evt_cron")).toEqual(expect.any(Number));
  });

  it("the queue handler acks what it handled", async () => {
    // An event without listeners: nothing to send, the message is done.
    await insertEvent("evt_alone", Date.now(), Date.now()).run();
    const batch = createMessageBatch<WebhookMessage>("edge-conversations-webhooks", [
      {
        id: "m1",
        timestamp: new Date(),
        attempts: 1,
        body: { organizationId: ACME, eventId: "evt_alone" },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(result.retryMessages).toEqual([]);
  });
});
