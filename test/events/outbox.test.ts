import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { json, request } from "../helpers/app";
import { countingD1 } from "../helpers/d1";
import { uniquePhone } from "../helpers/factories";
import { organizationOn } from "../helpers/shards";
import { createEndpoint } from "../helpers/webhooks";

/*
 * What a write costs the database after its answer: the outbox knows from the write's own batch
 * whether it wrote an event, so a write nobody listens to costs nothing more, and one that wrote
 * an event only marks it queued.
 */

type Org = Awaited<ReturnType<typeof organizationOn>>;

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

/*
 * An event nobody listens to: once an isolate has seen one written to nobody, the organization's
 * next batches leave its insert out, and their fence trips if an endpoint listens after all.
 */
describe("the outbox leaves out the insert of an event nobody listens to", () => {
  const shardC = (counted: D1Database) => ({ SHARD_C: counted }) as Partial<Env>;
  const eventInserts = (batch: string[] | undefined) =>
    (batch ?? []).filter((q) => q.startsWith('insert into "webhook_events"'));
  const writes = [
    [
      "POST …/messages",
      "conversation.message.created",
      (org: Org, on: Partial<Env>) => append(org.ids.conversation, org.keyHeaders, on),
    ],
    [
      "POST /v1/api/conversations",
      "conversation.created",
      (org: Org, on: Partial<Env>) =>
        request(
          "/v1/api/conversations",
          json(
            {
              customer: { name: "Una Heard", phone: uniquePhone() },
              messages: [{ direction: "inbound", message: "Hello?" }],
            },
            org.keyHeaders,
          ),
          on,
        ),
    ],
  ] as const;

  it.each(writes)(
    "%s: one round trip, no event insert, the trip inside the fence",
    async (_, __, write) => {
      const org = await organizationOn("SHARD_C");
      await write(org, {}); // the isolate learns the shard, and that nobody listens
      const { db, counter } = countingD1(env.SHARD_C);
      const response = await write(org, shardC(db));
      expect(response.status).toBe(201);
      expect(counter.roundTrips).toBe(1);
      const [batch] = counter.batches;
      // Before: the event's insert (the whole document in SQL) went in every batch.
      expect(eventInserts(batch)).toEqual([]);
      expect(batch?.[0]).toMatch(
        /^insert into "fence_trips" .* union all select \* from \(select .*'listened'/,
      );
    },
  );

  it.each(writes)(
    "%s: an endpoint made since gets the event, written once, with its change once",
    async (_, type, write) => {
      const org = await organizationOn("SHARD_C");
      await write(org, {}); // believed: nobody listens
      await createEndpoint({ events: [type] }, org.token);
      const { db, counter } = countingD1(env.SHARD_C);
      const response = await write(org, shardC(db));
      expect(response.status).toBe(201);
      const answer = (await response.json()) as Record<string, any>;
      // The fence tripped and nothing was written; the batch again with the event; the event queued.
      expect(counter.batches).toHaveLength(3);
      expect(eventInserts(counter.batches[0])).toEqual([]);
      expect(eventInserts(counter.batches[1])).toHaveLength(1);
      const { results: events } = await env.SHARD_C.prepare(
        "select data, queued_at from webhook_events where organization_id = ? and type = ?",
      )
        .bind(org.ids.org, type)
        .all<{ data: string; queued_at: number | null }>();
      expect(events).toHaveLength(1);
      const data = JSON.parse(events[0]?.data ?? "{}");
      expect(type === "conversation.created" ? data : data.message).toEqual(answer);
      expect(events[0]?.queued_at).not.toBeNull();
      const id = type === "conversation.created" ? answer.messages[0]._id : answer._id;
      const { results: rows } = await env.SHARD_C.prepare("select id from messages where id = ?")
        .bind(id)
        .all();
      expect(rows).toHaveLength(1);

      // Now believed heard: the next batch carries the insert again, and no trip.
      const next = countingD1(env.SHARD_C);
      expect((await write(org, shardC(next.db))).status).toBe(201);
      expect(next.counter.batches).toHaveLength(2); // the write, then its event queued
      expect(eventInserts(next.counter.batches[0])).toHaveLength(1);
      expect(next.counter.batches[0]?.[0]).not.toMatch(/'listened'/);
    },
  );

  it("the organization's fence still decides first: frozen is 503, and nothing is written", async () => {
    const org = await organizationOn("SHARD_C");
    await append(org.ids.conversation, org.keyHeaders, {}); // believed: nobody listens
    await createEndpoint({ events: ["conversation.message.created"] }, org.token);
    await env.SHARD_C.prepare(
      "insert into organization_fences (organization_id, state, moved_to, since) values (?, 'frozen', null, ?)",
    )
      .bind(org.ids.org, Date.now())
      .run();
    const response = await append(org.ids.conversation, org.keyHeaders, {});
    expect(response.status).toBe(503);
    // The fence's row goes first in the trip: the move's answer, not the listener's retry.
    expect(response.headers.get("retry-after")).toBe("2");
    expect(await response.text()).toMatch(/being moved/);
    const { results } = await env.SHARD_C.prepare(
      "select count(*) as n from webhook_events where organization_id = ?",
    )
      .bind(org.ids.org)
      .all<{ n: number }>();
    expect(results[0]?.n).toBe(0);
  });

  it("a Drizzle batch (a new snapshot) leaves it out too, and an endpoint made since gets it", async () => {
    const org = await organizationOn("SHARD_C");
    const snapshot = (on: Partial<Env>) =>
      request(
        "/api/training/snapshots",
        json(
          { contactId: org.ids.contact, conversationId: org.ids.conversation },
          { headers: { authorization: `Bearer ${org.token}` } },
        ),
        on,
      );
    expect((await snapshot({})).status).toBe(201); // believed: nobody listens
    const quiet = countingD1(env.SHARD_C);
    expect((await snapshot(shardC(quiet.db))).status).toBe(201);
    expect(quiet.counter.batches.flatMap(eventInserts)).toEqual([]);
    await createEndpoint({ events: ["training.snapshot.created"] }, org.token);
    const created = await snapshot({});
    expect(created.status).toBe(201);
    const { data } = (await created.json()) as { data: { _id: string } };
    const { results } = await env.SHARD_C.prepare(
      "select data from webhook_events where organization_id = ? and type = 'training.snapshot.created'",
    )
      .bind(org.ids.org)
      .all<{ data: string }>();
    expect(results.map((r) => JSON.parse(r.data)._id)).toEqual([data._id]);
  });
});
