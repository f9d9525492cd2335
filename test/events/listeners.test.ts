import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { json, request } from "../helpers/app";
import { bearer } from "../helpers/auth";
import { organizationOn } from "../helpers/shards";
import { createEndpoint } from "../helpers/webhooks";

/*
 * `webhook_listeners` (migrations/0012_webhook_listeners.sql) is derived from the endpoints by
 * triggers: whatever writes an endpoint, its rows are (organization, type, endpoint) for each type
 * an enabled endpoint subscribes to, and nothing else. The outbox asks it whether anyone listens.
 */

type Org = Awaited<ReturnType<typeof organizationOn>>;

/** The organization's listener rows on its shard, as `type endpoint` in order. */
async function listenersOf(org: Org, shard: D1Database = env.SHARD_C) {
  const { results } = await shard
    .prepare(
      "select type, endpoint_id from webhook_listeners where organization_id = ? order by 1, 2",
    )
    .bind(org.ids.org)
    .all<{ type: string; endpoint_id: string }>();
  return results.map((r) => `${r.type} ${r.endpoint_id}`);
}

const patch = (org: Org, id: string, body: unknown) =>
  request(`/api/webhooks/${id}`, json(body, { method: "PATCH", ...bearer(org.token) }));

describe("webhook listeners follow the endpoints", () => {
  it("through the API: created, events changed, paused, resumed, deleted", async () => {
    const org = await organizationOn("SHARD_C");
    const a = await createEndpoint(
      { events: ["conversation.created", "conversation.message.created"] },
      org.token,
    );
    const b = await createEndpoint({ events: ["conversation.created"] }, org.token);
    expect(await listenersOf(org)).toEqual(
      [
        `conversation.created ${a.id}`,
        `conversation.created ${b.id}`,
        `conversation.message.created ${a.id}`,
      ].sort(),
    );

    expect((await patch(org, a.id, { events: ["training.snapshot.deleted"] })).status).toBe(200);
    expect(await listenersOf(org)).toEqual([
      `conversation.created ${b.id}`,
      `training.snapshot.deleted ${a.id}`,
    ]);

    expect((await patch(org, b.id, { enabled: false })).status).toBe(200);
    expect(await listenersOf(org)).toEqual([`training.snapshot.deleted ${a.id}`]);
    // A paused endpoint's events may change: it still listens to nothing until resumed.
    expect((await patch(org, b.id, { events: ["conversation.message.created"] })).status).toBe(200);
    expect(await listenersOf(org)).toEqual([`training.snapshot.deleted ${a.id}`]);
    expect((await patch(org, b.id, { enabled: true })).status).toBe(200);
    expect(await listenersOf(org)).toEqual([
      `conversation.message.created ${b.id}`,
      `training.snapshot.deleted ${a.id}`,
    ]);

    const deleted = await request(`/api/webhooks/${a.id}`, {
      method: "DELETE",
      ...bearer(org.token),
    });
    expect(deleted.status).toBe(204);
    expect(await listenersOf(org)).toEqual([`conversation.message.created ${b.id}`]);
  });

  it("whatever writes the endpoint: a raw insert, a disabled one, the organization's deletion", async () => {
    const org = await organizationOn("SHARD_C");
    const insert = (id: string, events: string[], enabled: boolean) =>
      env.SHARD_C.prepare(
        "insert into webhook_endpoints (id, organization_id, url, events, secret, enabled, created_at, updated_at) values (?, ?, 'https://hooks.example.com/raw', ?, 'whsec_x', ?, 1, 1)",
      )
        .bind(id, org.ids.org, JSON.stringify(events), enabled ? 1 : 0)
        .run();
    await insert(`${org.ids.org.slice(0, 20)}aaaa`, ["conversation.created"], true);
    await insert(`${org.ids.org.slice(0, 20)}bbbb`, ["conversation.message.created"], false);
    expect(await listenersOf(org)).toEqual([
      `conversation.created ${org.ids.org.slice(0, 20)}aaaa`,
    ]);

    // Deleting the organization cascades to its endpoints, and from them to their listeners.
    await env.SHARD_C.prepare("delete from organizations where id = ?").bind(org.ids.org).run();
    expect(await listenersOf(org)).toEqual([]);
  });

  it("an endpoint that starts listening gets the next event, however sure the isolate was", async () => {
    const org = await organizationOn("SHARD_C");
    const append = () =>
      request(
        `/v1/api/conversations/${org.ids.conversation}/messages`,
        json({ direction: "inbound", message: "Heard?" }, org.keyHeaders),
      );
    // Twice with nobody listening: the isolate now leaves the event's insert out of the batch.
    for (let i = 0; i < 2; i++) expect((await append()).status).toBe(201);
    const paused = await createEndpoint(
      { events: ["conversation.message.created"], enabled: false },
      org.token,
    );
    expect((await append()).status).toBe(201);
    expect((await patch(org, paused.id, { enabled: true })).status).toBe(200);
    const heard = await append();
    expect(heard.status).toBe(201);
    const { _id } = (await heard.json()) as { _id: string };
    const events = await env.SHARD_C.prepare(
      "select type, data ->> '$.message._id' as message from webhook_events where organization_id = ?",
    )
      .bind(org.ids.org)
      .all<{ type: string; message: string }>();
    // Only the message sent once it listened.
    expect(events.results).toEqual([{ type: "conversation.message.created", message: _id }]);
  });
});
