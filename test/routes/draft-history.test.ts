import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { drafts, messages } from "../../src/platform/db/schema";
import { newObjectId } from "../../src/platform/util/ids";
import { type Body, d1RoundTrips, ISO, json, request, validationDetails } from "../helpers/app";
import { apiKeyHeaders } from "../helpers/auth";
import { insertConversation, testDb, tick } from "../helpers/factories";
import { ACME, GLOBEX, GLOBEX_KEY } from "../helpers/seed";

/*
 * An AI draft keeps its history: the AI's text, each edit, the verdict, who took each step,
 * what produced it and why it was refused; written in the action's own batch, read at
 * `…/message/{messageId}/revisions`. The vendor's shapes do not change.
 */

const base = (conversationId: string) => `/v1/api/conversations/${conversationId}`;

async function postDraft(conversationId: string, extra: Record<string, unknown> = {}) {
  const response = await request(
    `${base(conversationId)}/messages`,
    json({ direction: "outbound", message: "Friday at 10am is open.", ...extra }, apiKeyHeaders()),
  );
  expect(response.status).toBe(201);
  return ((await response.json()) as Body)._id as string;
}

async function act(conversationId: string, messageId: string, metadata: Record<string, string>) {
  const response = await request(
    `${base(conversationId)}/message/${messageId}/action`,
    json({ metadata }, apiKeyHeaders()),
  );
  return { response, body: (await response.json()) as Body };
}

async function revisions(conversationId: string, messageId: string, headers = apiKeyHeaders()) {
  const response = await request(`${base(conversationId)}/message/${messageId}/revisions`, headers);
  return { response, body: (await response.json()) as Body };
}

const draftRow = async (messageId: string) =>
  (await testDb().select().from(drafts).where(eq(drafts.messageId, messageId)))[0];

describe("a draft's history", () => {
  it("keeps the AI's text, both edits and the approval, each with its key and time", async () => {
    const { conversation } = await insertConversation({ messageCount: 1 });
    const id = await postDraft(conversation.id, { model: "gpt-4.1-mini", promptVersion: "v7" });
    await act(conversation.id, id, { action: "Edit", editedMessage: "Friday at 10am works." });
    await act(conversation.id, id, { action: "Edit", editedMessage: "Friday 10am works!" });
    const approved = await act(conversation.id, id, { action: "Approve" });
    expect(approved.response.status).toBe(200);
    expect(Object.keys(approved.body.message)).toEqual([
      "_id",
      "message",
      "to",
      "sent",
      "status",
      "timestamp",
    ]);

    const { response, body } = await revisions(conversation.id, id);
    expect(response.status).toBe(200);
    expect(Object.keys(body)).toEqual(["messageId", "status", "revisions"]);
    expect(body.messageId).toBe(id);
    expect(body.status).toBe("approved");
    expect(body.revisions.map((r: Body) => [r.revision, r.action, r.message])).toEqual([
      [0, "Draft", "Friday at 10am is open."],
      [1, "Edit", "Friday at 10am works."],
      [2, "Edit", "Friday 10am works!"],
      [3, "Approve", "Friday 10am works!"],
    ]);
    for (const revision of body.revisions as Body[]) {
      expect(Object.keys(revision)).toEqual([
        "revision",
        "action",
        "message",
        "actor",
        "createdAt",
      ]);
      expect(revision.actor).toEqual({
        type: "apiKey",
        _id: expect.any(String),
        name: "Local development",
      });
      expect(revision.createdAt).toMatch(ISO);
    }

    const row = await draftRow(id);
    expect(row).toMatchObject({
      organizationId: ACME,
      conversationId: conversation.id,
      model: "gpt-4.1-mini",
      promptVersion: "v7",
      draft: "Friday at 10am is open.",
      final: "Friday 10am works!",
      outcome: "edited",
      // Stored once the answer was sent: Levenshtein of draft and final.
      editDistance: 10,
    });
    expect(row?.reviewMs).toBeGreaterThanOrEqual(0);
  });

  it("a draft approved as written is `approved` with distance 0; a rejection keeps its reason", async () => {
    const { conversation } = await insertConversation({ messageCount: 1 });
    const kept = await postDraft(conversation.id);
    await act(conversation.id, kept, { action: "Approve" });
    expect(await draftRow(kept)).toMatchObject({ outcome: "approved", editDistance: 0 });

    const refused = await postDraft(conversation.id, { model: "m-2" });
    const rejected = await act(conversation.id, refused, {
      action: "Reject",
      reason: "Offered a time we are closed",
    });
    expect(rejected.response.status).toBe(200);
    expect(rejected.body.message.status).toBe("rejected");
    expect(await draftRow(refused)).toMatchObject({
      outcome: "rejected",
      final: null,
      reason: "Offered a time we are closed",
      editDistance: null,
    });
    const { body } = await revisions(conversation.id, refused);
    expect(body.revisions.map((r: Body) => [r.action, r.message])).toEqual([
      ["Draft", "Friday at 10am is open."],
      ["Reject", null],
    ]);
  });

  it("a draft edited before history was kept has a null original, never an invented one", async () => {
    const { conversation } = await insertConversation({ messageCount: 1 });
    const at = tick();
    const id = newObjectId(at);
    // Written and edited by the release before: no history rows, updatedAt past createdAt.
    await testDb()
      .insert(messages)
      .values({
        id,
        organizationId: conversation.organizationId,
        conversationId: conversation.id,
        direction: "outbound",
        senderType: "AI",
        sent: false,
        message: "Edited by a person last week",
        status: "pending",
        createdAt: at,
        updatedAt: at + 5000,
      });
    const before = await revisions(conversation.id, id);
    expect(before.body.revisions).toEqual([]);

    await act(conversation.id, id, { action: "Approve" });
    const { body } = await revisions(conversation.id, id);
    expect(body.revisions.map((r: Body) => [r.action, r.message, r.actor])).toEqual([
      ["Draft", null, null],
      ["Approve", "Edited by a person last week", expect.objectContaining({ type: "apiKey" })],
    ]);
    expect(await draftRow(id)).toMatchObject({
      draft: null,
      final: "Edited by a person last week",
      outcome: "edited",
      editDistance: null,
    });
  });

  it("keeps history in the action's one round trip, and answers only for real drafts", async () => {
    const { conversation, messages: existing } = await insertConversation({ messageCount: 1 });
    const id = await postDraft(conversation.id);
    const edit = await act(conversation.id, id, { action: "Edit", editedMessage: "Sooner?" });
    expect(d1RoundTrips(edit.response)).toBe(1);
    const approve = await act(conversation.id, id, { action: "Approve" });
    expect(d1RoundTrips(approve.response)).toBe(1);
    // Acting on it again changes nothing, and records nothing.
    expect((await act(conversation.id, id, { action: "Reject" })).response.status).toBe(409);
    expect((await revisions(conversation.id, id)).body.revisions).toHaveLength(3);

    const inbound = existing[0]?.id as string;
    const { response, body } = await revisions(conversation.id, inbound);
    expect(response.status).toBe(200);
    expect(body.revisions).toEqual([]);
  });

  it("a conversation ingested with drafts starts their history with model and prompt version", async () => {
    const response = await request(
      "/v1/api/conversations",
      json(
        {
          customer: { name: "Draft Ingest", phone: `+1555${String(tick()).slice(-7)}` },
          agentId: "agent-ingest",
          messages: [
            { direction: "inbound", message: "Hi" },
            { direction: "outbound", message: "Hello!", model: "m-1", promptVersion: "p-3" },
          ],
        },
        apiKeyHeaders(),
      ),
    );
    expect(response.status).toBe(201);
    const created = (await response.json()) as Body;
    const draft = created.messages[1]._id as string;
    expect(await draftRow(draft)).toMatchObject({
      agentId: "agent-ingest",
      model: "m-1",
      promptVersion: "p-3",
      draft: "Hello!",
      outcome: null,
    });
    const { body } = await revisions(created._id, draft);
    expect(body.revisions).toHaveLength(1);
  });
});

describe("what a client can get wrong", () => {
  it("refuses model on a message that is not a draft, and a reason on anything but Reject", async () => {
    const { conversation } = await insertConversation({ messageCount: 1 });
    const inbound = await request(
      `${base(conversation.id)}/messages`,
      json({ direction: "inbound", message: "Hi", model: "m" }, apiKeyHeaders()),
    );
    expect(inbound.status).toBe(400);
    expect(validationDetails((await inbound.json()) as Body)[0]).toMatchObject({
      field: "body.model",
    });
    const id = await postDraft(conversation.id);
    const approve = await act(conversation.id, id, { action: "Approve", reason: "no" });
    expect(approve.response.status).toBe(400);
    expect(await draftRow(id)).toMatchObject({ outcome: null });
  });

  it("another organization's draft is not found, and its history not shown", async () => {
    const { conversation } = await insertConversation({ messageCount: 1 });
    const id = await postDraft(conversation.id);
    const { response } = await revisions(conversation.id, id, apiKeyHeaders(GLOBEX_KEY, GLOBEX));
    expect(response.status).toBe(404);
    const acted = await request(
      `${base(conversation.id)}/message/${id}/action`,
      json({ metadata: { action: "Approve" } }, apiKeyHeaders(GLOBEX_KEY, GLOBEX)),
    );
    expect(acted.status).toBe(404);
    const rows = await testDb()
      .select()
      .from(drafts)
      .where(and(eq(drafts.messageId, id), eq(drafts.organizationId, GLOBEX)));
    expect(rows).toEqual([]);
    expect((await revisions(conversation.id, id)).body.revisions).toHaveLength(1);
  });
});
