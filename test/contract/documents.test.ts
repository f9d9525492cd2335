import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { iso } from "../../src/platform/db/json-document";
import { ConversationSchema } from "../../src/surfaces/conversations-api/conversations/conversations.schemas";
import { SnapshotSchema } from "../../src/surfaces/training-api/snapshots/snapshots.schemas";
import { conversationExample, snapshotExample } from "../fixtures/vendor-examples";
import { request } from "../helpers/app";
import { apiKeyHeaders, bearer, tokenFor } from "../helpers/auth";
import { documentProblems } from "../helpers/conformance";
import { insertConversation } from "../helpers/factories";
import { DOCS_CONVERSATION, JANE, SNAPSHOT } from "../helpers/seed";
import { createEndpoint, eventsOf } from "../helpers/webhooks";

/*
 * Each document is defined once (src/**\/*.document.ts) and rendered into every statement that
 * answers it. These tests hold the renderings to each other and to the vendors' examples byte
 * for byte, so that a key out of place, a value in the wrong key, a boolean as 0/1 or a date as
 * an epoch fails here (every other answer is also held to its schema by the contract check of
 * every request, test/helpers/contract.ts).
 */

const text = async (response: Response) => {
  expect(response.status).toBeLessThan(300);
  return response.text();
};

const omit = (doc: Record<string, unknown>, key: string) => {
  const { [key]: _, ...rest } = doc;
  return rest;
};

describe("the vendors' examples, byte for byte", () => {
  it("GET conversation answers Trillet's example exactly: keys, order, values", async () => {
    const body = await text(
      await request(`/v1/api/conversations/${DOCS_CONVERSATION}`, apiKeyHeaders()),
    );
    expect(body).toBe(JSON.stringify(conversationExample));
  });

  it("GET snapshot answers Tether's example exactly, its four messages included", async () => {
    const body = await text(
      await request(`/api/training/snapshots/${SNAPSHOT}`, bearer(await tokenFor())),
    );
    const { data } = JSON.parse(body) as {
      data: Record<string, unknown> & { messages: unknown[] };
    };
    const { firstMessage, ...documented } = snapshotExample;
    // The example shows one message; the seed holds four (docs/demo-data.md).
    const expected = {
      ...omit(documented, "messageCount"),
      messages: data.messages,
      messageCount: documented.messageCount,
    };
    const ordered = Object.fromEntries(
      Object.keys(SnapshotSchema.shape).map((key) => [
        key,
        (expected as Record<string, unknown>)[key],
      ]),
    );
    expect(body).toBe(JSON.stringify({ success: true, data: ordered }));
    expect(data.messages[0]).toStrictEqual(firstMessage);
    expect(JSON.stringify(data.messages[0])).toBe(JSON.stringify(firstMessage));
  });
});

describe("one document, every rendering", () => {
  it("a conversation: GET, its list item, the flow's list item and its created event are the same bytes", async () => {
    await createEndpoint({ events: ["conversation.created"] });
    const created = await request("/v1/api/conversations", {
      method: "POST",
      headers: { ...apiKeyHeaders().headers, "content-type": "application/json" },
      body: JSON.stringify({
        pathwayId: `pw-doc-${crypto.randomUUID().slice(0, 8)}`,
        customer: { name: "Doc Ument", phone: "+15550009999" },
        messages: [
          { direction: "inbound", message: "Hi" },
          { direction: "outbound", message: "Hello", status: "sent" },
        ],
      }),
    });
    const answer = await text(created);
    const { _id: id, pathwayId } = JSON.parse(answer) as { _id: string; pathwayId: string };
    const get = await text(await request(`/v1/api/conversations/${id}`, apiKeyHeaders()));
    expect(answer).toBe(get);
    const flow = await text(
      await request(`/v1/api/conversations/flow/${pathwayId}`, apiKeyHeaders()),
    );
    expect(flow).toBe(`[${get}]`);
    const [event] = (await eventsOf("conversation.created")).filter((e) =>
      String(e.data).includes(id),
    );
    expect(event?.data).toBe(get);
    expect(documentProblems(ConversationSchema, JSON.parse(get))).toEqual([]);
  });

  it("a message: the append's answer, its place in GET and its event are the same bytes", async () => {
    await createEndpoint({ events: ["conversation.message.created"] });
    const { conversation } = await insertConversation({ messageCount: 1 });
    const appended = await text(
      await request(`/v1/api/conversations/${conversation.id}/messages`, {
        method: "POST",
        headers: { ...apiKeyHeaders().headers, "content-type": "application/json" },
        body: JSON.stringify({ direction: "outbound", message: "A draft" }),
      }),
    );
    const get = JSON.parse(
      await text(await request(`/v1/api/conversations/${conversation.id}`, apiKeyHeaders())),
    ) as { messages: unknown[] };
    expect(JSON.stringify(get.messages.at(-1))).toBe(appended);
    const { _id } = JSON.parse(appended) as { _id: string };
    const [event] = (await eventsOf("conversation.message.created")).filter((e) =>
      String(e.data).includes(_id),
    );
    expect(event?.data).toBe(`{"conversationId":"${conversation.id}","message":${appended}}`);
  });

  it("a reviewed draft: each action's event holds the message as GET then shows it, and what the review adds", async () => {
    await createEndpoint({
      events: [
        "conversation.message.edited",
        "conversation.message.approved",
        "conversation.message.rejected",
      ],
    });
    const { conversation } = await insertConversation({ messageCount: 1 });
    const base = `/v1/api/conversations/${conversation.id}`;
    const json = { ...apiKeyHeaders().headers, "content-type": "application/json" };
    const draft = async () => {
      const answer = await text(
        await request(`${base}/messages`, {
          method: "POST",
          headers: json,
          body: JSON.stringify({ direction: "outbound", message: "A draft" }),
        }),
      );
      return (JSON.parse(answer) as { _id: string })._id;
    };
    const act = async (id: string, metadata: Record<string, string>) => {
      await text(
        await request(`${base}/message/${id}/action`, {
          method: "POST",
          headers: json,
          body: JSON.stringify({ metadata }),
        }),
      );
      const get = JSON.parse(await text(await request(base, apiKeyHeaders()))) as {
        messages: { _id: string }[];
      };
      return JSON.stringify(get.messages.find((message) => message._id === id));
    };
    const eventOf = async (type: string, id: string) =>
      (await eventsOf(type)).filter((e) => String(e.data).includes(id)).map((e) => e.data);
    const start = (message: string) =>
      `{"conversationId":"${conversation.id}","message":${message}`;
    /** A review event: the message as GET shows it, then how long the review took. */
    const reviewed = async (type: string, id: string, message: string) => {
      const [data, ...others] = await eventOf(type, id);
      expect(others).toEqual([]);
      const [, seconds] = /^(?:.*),"reviewSeconds":([0-9.]+)\}$/s.exec(String(data)) ?? [];
      expect(data).toBe(`${start(message)},"reviewSeconds":${seconds}}`);
      expect(Number(seconds)).toBeGreaterThanOrEqual(0);
    };

    const edited = await draft();
    const afterEdit = await act(edited, { action: "Edit", editedMessage: "Better" });
    expect(await eventOf("conversation.message.edited", edited)).toEqual([
      `${start(afterEdit)},"previousMessage":"A draft"}`,
    ]);
    const afterApprove = await act(edited, { action: "Approve" });
    await reviewed("conversation.message.approved", edited, afterApprove);
    const rejected = await draft();
    const afterReject = await act(rejected, { action: "Reject" });
    await reviewed("conversation.message.rejected", rejected, afterReject);
  });

  it("a snapshot: the create's and PATCH's data, GET, its list item and its events are the same bytes", async () => {
    await createEndpoint({ events: ["training.snapshot.created", "training.snapshot.updated"] });
    const token = await tokenFor();
    const tag = `doc-${crypto.randomUUID().slice(0, 8)}`;
    const created = await text(
      await request("/api/training/snapshots", {
        method: "POST",
        headers: { ...bearer(token).headers, "content-type": "application/json" },
        body: JSON.stringify({ contactId: JANE, tags: [tag], notes: "first" }),
      }),
    );
    const data = (body: string) => JSON.stringify((JSON.parse(body) as { data: unknown }).data);
    const id = (JSON.parse(created) as { data: { _id: string } }).data._id;
    const get = async () =>
      data(await text(await request(`/api/training/snapshots/${id}`, bearer(token))));
    expect(data(created)).toBe(await get());

    const patched = await text(
      await request(`/api/training/snapshots/${id}`, {
        method: "PATCH",
        headers: { ...bearer(token).headers, "content-type": "application/json" },
        body: JSON.stringify({ notes: "second", isArchived: false }),
      }),
    );
    const afterPatch = await get();
    expect(data(patched)).toBe(afterPatch);

    const listed = JSON.parse(
      await text(await request(`/api/training/snapshots?tag=${tag}`, bearer(token))),
    ) as { data: unknown[] };
    expect(JSON.stringify(listed.data)).toBe(
      JSON.stringify([omit(JSON.parse(afterPatch) as Record<string, unknown>, "messages")]),
    );

    const eventData = async (type: string) =>
      (await eventsOf(type)).filter((e) => String(e.data).includes(id)).map((e) => e.data);
    expect(await eventData("training.snapshot.created")).toEqual([data(created)]);
    expect(await eventData("training.snapshot.updated")).toEqual([afterPatch]);
  });

  it("the export's items and fine-tuning lines hold the snapshot's own values", async () => {
    const token = await tokenFor();
    const exported = JSON.parse(
      await text(await request("/api/training/export?tag=sales", bearer(token))),
    ) as { data: { id: string; metadata: { messageCount: number } }[] };
    const item = exported.data.find((i) => i.id === SNAPSHOT);
    expect(item).toBeDefined();
    expect(item?.metadata.messageCount).toBe(snapshotExample.messageCount);
    const lines = await text(
      await request("/api/training/export?tag=sales&format=jsonl", bearer(token)),
    );
    const first = JSON.parse(lines.split("\n")[0] as string) as { messages: unknown[] };
    expect(Object.keys(first)).toEqual(["messages"]);
  });
});

describe("iso(): SQLite's rendering of a date is JavaScript's", () => {
  const db = drizzle(env.DB);
  it("for any time in years 0–9999", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }),
        async (ms) => {
          const row = await db.get<{ at: string }>(
            sql`select ${iso(sql`cast(${ms} as integer)`)} as at`,
          );
          expect(row?.at).toBe(new Date(ms).toISOString());
        },
      ),
      { numRuns: 2_000 },
    );
    // 2,000 round trips to the local D1: 3.5–7 s on a 2-core host, over the default 5 s.
  }, 30_000);

  it.each([
    -1,
    -999,
    -1000,
    -1001,
    0,
    1,
    999,
    1000,
    Date.UTC(1969, 11, 31, 23, 59, 59, 999),
    Date.UTC(2026, 11, 5, 23, 59, 59, 999),
    Date.UTC(2026, 11, 5, 12, 0, 0, 1),
    Date.UTC(2026, 11, 5, 12, 0, 0, 5),
    Date.UTC(2026, 11, 5, 12, 0, 0, 995),
    -62_167_219_200_000,
    253_402_300_799_999,
  ])("%i ms", async (ms) => {
    const row = await db.get<{ at: string }>(sql`select ${iso(sql`cast(${ms} as integer)`)} as at`);
    expect(row?.at).toBe(new Date(ms).toISOString());
  });
});
