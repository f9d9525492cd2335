import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { json, request } from "../helpers/app";
import { countingD1 } from "../helpers/d1";
import { organizationOn } from "../helpers/shards";
import { createEndpoint } from "../helpers/webhooks";

/*
 * What a write costs the database after its answer: the outbox knows from the write's own batch
 * whether it wrote an event, so a write nobody listens to costs nothing more, and one that wrote
 * an event only marks it queued.
 */

const append = (conversation: string, headers: RequestInit, on: Partial<Env>) =>
  request(
    `/v1/api/conversations/${conversation}/messages`,
    json({ direction: "inbound", message: "Counted" }, headers),
    on,
  );

describe("the outbox after a write", () => {
  it("looks nothing up when no endpoint listens: the write is the only round trip", async () => {
    const org = await organizationOn("SHARD_C");
    await append(org.ids.conversation, org.keyHeaders, {}); // the isolate learns the shard
    const { db, counter } = countingD1(env.SHARD_C);
    const response = await append(org.ids.conversation, org.keyHeaders, {
      SHARD_C: db,
    } as Partial<Env>);
    expect(response.status).toBe(201);
    // Before, a lookup of the request's event ids followed every write, answered or not.
    expect(counter.roundTrips).toBe(1);
  });

  it("marks the written event queued, without looking it up first", async () => {
    const org = await organizationOn("SHARD_C");
    await createEndpoint({ events: ["conversation.message.created"] }, org.token);
    await append(org.ids.conversation, org.keyHeaders, {});
    const { db, counter } = countingD1(env.SHARD_C);
    const response = await append(org.ids.conversation, org.keyHeaders, {
      SHARD_C: db,
    } as Partial<Env>);
    expect(response.status).toBe(201);
    // The write, then the event marked queued (a batch: writes carry the fence); no lookup.
    expect(counter.roundTrips).toBe(2);
    expect(counter.statements.filter((s) => /from "webhook_events"/.test(s))).toEqual([]);
    const { results } = await env.SHARD_C.prepare(
      "select queued_at from webhook_events where organization_id = ? and type = 'conversation.message.created'",
    )
      .bind(org.ids.org)
      .all<{ queued_at: number | null }>();
    expect(results).toHaveLength(2);
    expect(results.every((r) => r.queued_at !== null)).toBe(true);
  });
});
