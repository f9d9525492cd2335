import { introspectWorkflowInstance } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { getTableConfig } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { freezeSource, MOVED_TABLES, planMove } from "../../src/platform/db/move-organization";
import type { MoveSummary } from "../../src/platform/db/move-workflow";
import * as schema from "../../src/platform/db/schema";
import { shardOf } from "../../src/platform/db/shards";
import { newObjectId } from "../../src/platform/util/ids";
import { d1RoundTrips, json, request } from "../helpers/app";
import { bearer } from "../helpers/auth";
import { countingD1 } from "../helpers/d1";
import { organizationOn } from "../helpers/shards";
import { consume, createEndpoint, type Received, receiver, verify } from "../helpers/webhooks";

/*
 * Moving an organization from one shard to another (docs/sharding.md), run as the Workflow the
 * admin command starts, with requests before, during and after: reads always served, writes
 * refused with 503 only while the copy runs, and nothing of the organization left behind.
 */

type Shard = "SHARD_B" | "SHARD_C";

/** Every row of the organization on a shard, table by table, in a fixed order. */
async function rowsOf(binding: string, organizationId: string) {
  const d1 = (env as unknown as Record<string, D1Database>)[binding] as D1Database;
  const tables: Record<string, unknown[]> = {};
  for (const table of MOVED_TABLES) {
    const columns = table.columns.map((c) => `"${c}"`).join(", ");
    const { results } = await d1
      .prepare(`select ${columns} from "${table.name}" where ${table.owned} order by ${columns}`)
      .bind(organizationId)
      .all();
    tables[table.name] = results;
  }
  return tables;
}

const countOf = (rows: Record<string, unknown[]>) =>
  Object.values(rows).reduce((sum, table) => sum + table.length, 0);

/** The conversation each busy organization creates, with an idempotency key. */
const CREATED = {
  customer: { name: "Mo Ving", phone: "+14155550142" },
  messages: [
    { direction: "inbound", message: "Before the move" },
    { direction: "outbound", message: "A draft", status: "pending", senderType: "AI" },
  ],
};

/** An organization on `from` with some history: conversations, messages, an idempotent write. */
async function busyOrganization(from: Shard) {
  const org = await organizationOn(from);
  const idempotencyKey = `move-${newObjectId()}`;
  const created = await request(
    "/v1/api/conversations",
    json(CREATED, { headers: { ...org.keyHeaders.headers, "Idempotency-Key": idempotencyKey } }),
  );
  expect(created.status).toBe(201);
  const conversation = ((await created.json()) as { _id: string })._id;
  return { ...org, idempotencyKey, conversation, createdBody: created };
}

async function runMove(organizationId: string, to: Shard, id = `move-${newObjectId()}`) {
  await using instance = await introspectWorkflowInstance(env.MOVE_ORGANIZATION, id);
  await instance.modify(async (m) => {
    await m.disableRetryDelays();
  });
  await env.MOVE_ORGANIZATION.create({ id, params: { organizationId, to } });
  await instance.waitForStatus("complete");
  return (await instance.getOutput()) as MoveSummary;
}

/** A move that dies at `step` every time it is tried (retries included): the instance errs. */
async function crashAt(step: string, organizationId: string, to: Shard) {
  const id = `move-${newObjectId()}`;
  await using instance = await introspectWorkflowInstance(env.MOVE_ORGANIZATION, id);
  await instance.modify(async (m) => {
    await m.disableRetryDelays();
    await m.mockStepError({ name: step }, new Error("the Worker died"));
  });
  await env.MOVE_ORGANIZATION.create({ id, params: { organizationId, to } });
  await instance.waitForStatus("errored");
}

const conversationPath = (id: string) => `/v1/api/conversations/${id}`;

describe("moving an organization to another shard", () => {
  it("copies every table, verified, switches, and leaves nothing behind; a stale isolate is re-routed", async () => {
    const org = await busyOrganization("SHARD_B");
    const before = await rowsOf("SHARD_B", org.ids.org);
    const getBefore = await (
      await request(conversationPath(org.conversation), org.keyHeaders)
    ).text();
    // This isolate now remembers SHARD_B for the organization: after the move it is stale.
    expect((await shardOf(env, org.ids.org)).binding).toBe("SHARD_B");

    const summary = await runMove(org.ids.org, "SHARD_C");
    expect(summary).toMatchObject({ from: "SHARD_B", to: "SHARD_C", began: "copy" });
    const copied = Object.fromEntries(summary.tables.map((t) => [t.table, t.rows]));
    for (const [table, rows] of Object.entries(before))
      expect(copied[table], table).toBe(rows.length);
    expect(summary.tables.every((t) => /^[0-9a-f]{16}$/.test(t.checksum))).toBe(true);
    // Every row, the organization's own included (the old shard is not the directory).
    expect(summary.deleted).toBe(countOf(before));

    // The same rows on the new shard; none on the old one; the directory names the new one.
    expect(await rowsOf("SHARD_C", org.ids.org)).toEqual(before);
    expect(countOf(await rowsOf("SHARD_B", org.ids.org))).toBe(0);
    const directory = await env.DB.prepare("select shard from organizations where id = ?")
      .bind(org.ids.org)
      .first<{ shard: string }>();
    expect(directory?.shard).toBe("SHARD_C");

    // The isolate's cache still says SHARD_B: the old shard says "moved" and the request is
    // answered from SHARD_C, byte for byte as before.
    const getAfter = await request(conversationPath(org.conversation), org.keyHeaders);
    expect(getAfter.status).toBe(200);
    expect(await getAfter.text()).toBe(getBefore);
    expect((await shardOf(env, org.ids.org)).binding).toBe("SHARD_C");
    // Then one round trip again.
    const warm = await request(conversationPath(org.conversation), org.keyHeaders);
    expect(d1RoundTrips(warm)).toBe(1);
  });

  it("keeps sessions, refresh tokens, API keys and idempotency keys working across the move", async () => {
    const org = await busyOrganization("SHARD_C");
    await runMove(org.ids.org, "SHARD_B");

    expect((await request("/api/users/me", bearer(org.token))).status).toBe(200);
    const refreshed = await request("/api/auth/refresh", json({ refreshToken: org.refreshToken }));
    expect(refreshed.status).toBe(200);
    expect((await request(conversationPath(org.conversation), org.keyHeaders)).status).toBe(200);
    // The same idempotent request again: replayed from the copy, not written twice.
    const replay = await request(
      "/v1/api/conversations",
      json(CREATED, {
        headers: { ...org.keyHeaders.headers, "Idempotency-Key": org.idempotencyKey },
      }),
    );
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const conversations = await env.SHARD_B.prepare(
      "select count(*) as n from conversations where organization_id = ?",
    )
      .bind(org.ids.org)
      .first<{ n: number }>();
    expect(conversations?.n).toBe(2); // the fixture's and the one created before the move
  });

  it("a bookmark names its shard: one issued before the move reads from the new shard's primary", async () => {
    const org = await busyOrganization("SHARD_B");
    const write = await request(
      `${conversationPath(org.conversation)}/messages`,
      json({ direction: "inbound", message: "Bookmarked" }, org.keyHeaders),
    );
    const bookmark = write.headers.get("x-d1-bookmark") as string;
    expect(bookmark).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}~b$/);
    await runMove(org.ids.org, "SHARD_C");

    const { db, counter } = countingD1(env.SHARD_C);
    const read = await request(
      conversationPath(org.conversation),
      { headers: { ...org.keyHeaders.headers, "x-d1-bookmark": bookmark } },
      { SHARD_C: db } as Partial<Env>,
    );
    expect(read.status).toBe(200);
    expect(
      ((await read.json()) as { messages: { message: string }[] }).messages.at(-1)?.message,
    ).toBe("Bookmarked");
    // SHARD_B's bookmark means nothing to SHARD_C: its primary answers, and the new bookmark is
    // SHARD_C's.
    expect(counter.sessions).toEqual(["first-primary"]);
    expect(read.headers.get("x-d1-bookmark")).toMatch(/~c$/);
  });

  it("while the copy runs: reads are served, writes answer 503 with Retry-After and change nothing", async () => {
    const org = await busyOrganization("SHARD_B");
    const plan = await planMove(env, { organizationId: org.ids.org, to: "SHARD_C" });
    await freezeSource(env, plan);
    const rows = await rowsOf("SHARD_B", org.ids.org);

    const read = await request(conversationPath(org.conversation), org.keyHeaders);
    expect(read.status).toBe(200);
    const list = await request("/api/contacts", bearer(org.token));
    expect(list.status).toBe(200);

    const writes = [
      await request(
        `${conversationPath(org.conversation)}/messages`,
        json({ direction: "inbound", message: "During the move" }, org.keyHeaders),
      ),
      await request(
        "/api/contacts",
        json(
          { firstName: "Late", phoneNumber: "+14155550143", channelType: "sms" },
          bearer(org.token),
        ),
      ),
    ];
    for (const write of writes) {
      expect(write.status).toBe(503);
      expect(write.headers.get("retry-after")).toBe("2");
    }
    expect(await rowsOf("SHARD_B", org.ids.org)).toEqual(rows);

    // The move goes on from the frozen state, and the writes go through afterwards.
    await runMove(org.ids.org, "SHARD_C");
    const after = await request(
      `${conversationPath(org.conversation)}/messages`,
      json({ direction: "inbound", message: "After the move" }, org.keyHeaders),
    );
    expect(after.status).toBe(201);
  });

  it("a pending webhook delivery waits while the organization is frozen, then goes out from the new shard", async () => {
    const org = await busyOrganization("SHARD_B");
    const endpoint = await createEndpoint({ events: ["conversation.created"] }, org.token);
    const ping = await request(`/api/webhooks/${endpoint.id}/test`, {
      method: "POST",
      ...bearer(org.token),
    });
    expect(ping.status).toBe(202);
    const { eventId } = ((await ping.json()) as { data: { eventId: string } }).data;
    const message = { organizationId: org.ids.org, eventId };
    const plan = await planMove(env, { organizationId: org.ids.org, to: "SHARD_C" });
    await freezeSource(env, plan);

    const { received, send } = receiver();
    const frozen = await consume([message], { send });
    expect(frozen.retryMessages).toHaveLength(1); // nothing sent, nothing written: later
    expect(received).toHaveLength(0);

    await runMove(org.ids.org, "SHARD_C");
    // Not copied (derived): rebuilt on the new shard from the endpoints copied, gone from the old.
    const listeners = (binding: Shard) =>
      env[binding]
        .prepare("select type, endpoint_id from webhook_listeners where organization_id = ?")
        .bind(org.ids.org)
        .all();
    expect((await listeners("SHARD_C")).results).toEqual([
      { type: "conversation.created", endpoint_id: endpoint.id },
    ]);
    expect((await listeners("SHARD_B")).results).toEqual([]);
    const moved = await consume([message], { send });
    expect(moved.explicitAcks).toHaveLength(1);
    expect(received).toHaveLength(1);
    expect(verify(endpoint.secret, received[0] as Received).type).toBe("webhook.test");
    const attempts = await env.SHARD_C.prepare(
      "select count(*) as n from webhook_deliveries where event_id = ?",
    )
      .bind(eventId)
      .first<{ n: number }>();
    expect(attempts?.n).toBe(1);
  });

  it("a crash during the copy leaves the organization on its old shard, and a new move finishes it", async () => {
    const org = await busyOrganization("SHARD_B");
    const before = await rowsOf("SHARD_B", org.ids.org);
    await crashAt("copy messages 1", org.ids.org, "SHARD_C");
    // Served from SHARD_B only: reads as before, writes paused; the partial copy serves nothing.
    const read = await request(conversationPath(org.conversation), org.keyHeaders);
    expect(read.status).toBe(200);
    expect(await rowsOf("SHARD_B", org.ids.org)).toEqual(before);
    const fenced = await env.SHARD_C.prepare(
      "select state, moved_to from organization_fences where organization_id = ?",
    )
      .bind(org.ids.org)
      .first();
    expect(fenced).toEqual({ state: "moved", moved_to: "SHARD_B" });

    const summary = await runMove(org.ids.org, "SHARD_C");
    expect(summary.began).toBe("copy");
    expect(await rowsOf("SHARD_C", org.ids.org)).toEqual(before);
    expect(countOf(await rowsOf("SHARD_B", org.ids.org))).toBe(0);
  });

  it("a crash after the switch leaves it on the new shard, writable, and a new move deletes the old copy", async () => {
    const org = await busyOrganization("SHARD_C");
    const before = await rowsOf("SHARD_C", org.ids.org);
    await crashAt("delete messages 1", org.ids.org, "SHARD_B");
    expect(await rowsOf("SHARD_B", org.ids.org)).toEqual(before);
    const write = await request(
      `${conversationPath(org.conversation)}/messages`,
      json({ direction: "inbound", message: "Between crash and resume" }, org.keyHeaders),
    );
    expect(write.status).toBe(201);

    const summary = await runMove(org.ids.org, "SHARD_B");
    expect(summary.began).toBe("cleanup");
    expect(countOf(await rowsOf("SHARD_C", org.ids.org))).toBe(0);
    expect((await rowsOf("SHARD_B", org.ids.org)).messages).toHaveLength(
      (before.messages?.length ?? 0) + 1,
    );
  });

  it("refuses what it cannot do, once, without touching anything", async () => {
    const org = await organizationOn("SHARD_B");
    const rows = await rowsOf("SHARD_B", org.ids.org);
    await expect(planMove(env, { organizationId: org.ids.org, to: "SHARD_Z" })).rejects.toThrow(
      "There is no shard SHARD_Z: the shards are DB, SHARD_B, SHARD_C",
    );
    await expect(planMove(env, { organizationId: newObjectId(), to: "SHARD_C" })).rejects.toThrow(
      /There is no organization/,
    );
    // As a Workflow: stopped at once (not retried), nothing fenced, nothing moved.
    const id = `move-${newObjectId()}`;
    {
      await using instance = await introspectWorkflowInstance(env.MOVE_ORGANIZATION, id);
      await env.MOVE_ORGANIZATION.create({
        id,
        params: { organizationId: org.ids.org, to: "SHARD_Z" },
      });
      await instance.waitForStatus("errored");
      expect((await instance.getError()).message).toMatch(/NonRetryableError/);
    }
    const fences = await env.SHARD_B.prepare(
      "select count(*) as n from organization_fences where organization_id = ?",
    )
      .bind(org.ids.org)
      .first<{ n: number }>();
    expect(fences?.n).toBe(0);
    // Moving it where it is: nothing to do.
    const summary = await runMove(org.ids.org, "SHARD_B");
    expect(summary.began).toBe("done");
    expect(await rowsOf("SHARD_B", org.ids.org)).toEqual(rows);
  });
});

describe("the tables a move copies", () => {
  it("are every table of the schema but the shared ones, each parent before its children", () => {
    const names = MOVED_TABLES.map((t) => t.name);
    const all = Object.values(schema)
      .filter((v) => typeof v === "object" && v !== null && Symbol.for("drizzle:Name") in v)
      .map((t) => getTableConfig(t as never));
    expect(names.toSorted()).toEqual(
      all
        .map((c) => c.name)
        .filter((n) => !["login_failures", "organization_fences", "fence_trips"].includes(n))
        .toSorted(),
    );
    for (const config of all.filter((c) => names.includes(c.name))) {
      for (const fk of config.foreignKeys) {
        const parent = getTableConfig(fk.reference().foreignTable).name;
        expect(names.indexOf(parent), `${parent} before ${config.name}`).toBeLessThanOrEqual(
          names.indexOf(config.name),
        );
      }
    }
    // Each finds one organization's rows: by its column, or through its parent.
    expect(MOVED_TABLES.find((t) => t.name === "refresh_tokens")?.owned).toMatch(
      /in \(select "id" from "sessions" where "organization_id" = \?\)/,
    );
  });
});
