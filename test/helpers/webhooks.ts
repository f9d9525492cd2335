import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import type { WebhookMessage } from "../../src/platform/events/announce";
import { type DeliveryDeps, handleWebhookBatch } from "../../src/platform/events/delivery";
import { json, request } from "./app";
import { tokenFor } from "./auth";
import { ACME, ADMIN } from "./seed";

type Body = Record<string, any>;

export const adminToken = (organizationId = ACME, userId = ADMIN) =>
  tokenFor({ userId, organizationId, role: "admin" });

/** A webhook endpoint made through the API, with its secret. */
export async function createEndpoint(
  body: Record<string, unknown>,
  token?: string,
): Promise<{ id: string; secret: string; body: Body }> {
  const response = await request(
    "/api/webhooks",
    json(
      { url: "https://hooks.example.com/edge", ...body },
      { headers: { authorization: `Bearer ${token ?? (await adminToken())}` } },
    ),
  );
  const answer = (await response.json()) as Body;
  if (response.status !== 201) throw new Error(`endpoint not created: ${JSON.stringify(answer)}`);
  return { id: answer.data._id, secret: answer.data.secret, body: answer };
}

export interface Received {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * A receiver: records what it is sent and answers with the next status of `statuses` (the last
 * one repeats), or throws (a network failure) for `"error"`.
 */
export function receiver(statuses: (number | "error")[] = [200]) {
  const received: Received[] = [];
  const send = async (req: Request) => {
    received.push({
      url: req.url,
      headers: Object.fromEntries(req.headers),
      body: await req.text(),
    });
    const status = statuses[Math.min(received.length - 1, statuses.length - 1)];
    if (status === "error") throw new TypeError("Network connection lost.");
    return new Response("ok", { status });
  };
  return { received, send };
}

/** Verifies a received delivery with the reference library, as a receiver would. */
export const verify = (secret: string, delivery: Received) =>
  new Webhook(secret).verify(delivery.body, delivery.headers) as Body;

/** A queue stand-in that records what the consumer schedules. */
export function recordingQueue() {
  const sent: { body: WebhookMessage; delaySeconds?: number }[] = [];
  return {
    sent,
    queue: {
      send: async (body: WebhookMessage, options?: QueueSendOptions) => {
        sent.push({ body, delaySeconds: options?.delaySeconds });
      },
      sendBatch: async (messages: Iterable<MessageSendRequest<WebhookMessage>>) => {
        for (const m of messages) sent.push({ body: m.body, delaySeconds: m.delaySeconds });
      },
      // What a test needs of a Queue binding: the rest is never called.
    } as unknown as Queue<WebhookMessage>,
  };
}

let messageNumber = 0;

/** Runs the consumer over these messages; the queue's verdict on each (ack or retry). */
export async function consume(messages: WebhookMessage[], deps: Partial<DeliveryDeps>) {
  const batch = createMessageBatch<WebhookMessage>(
    "edge-conversations-webhooks",
    messages.map((body) => ({
      id: `msg-${++messageNumber}`,
      timestamp: new Date(),
      attempts: 1,
      body,
    })),
  );
  const ctx = createExecutionContext();
  await handleWebhookBatch(batch, env, deps);
  return getQueueResult(batch, ctx);
}

/** The organization's events of a type, newest first. */
export const eventsOf = async (type: string, organizationId = ACME) =>
  (
    await env.DB.prepare(
      "select * from webhook_events where organization_id = ? and type = ? order by created_at desc, id desc",
    )
      .bind(organizationId, type)
      .all<Record<string, any>>()
  ).results;

export const deliveriesOf = async (endpointId: string) =>
  (
    await env.DB.prepare(
      "select * from webhook_deliveries where endpoint_id = ? order by attempt, created_at",
    )
      .bind(endpointId)
      .all<Record<string, any>>()
  ).results;
