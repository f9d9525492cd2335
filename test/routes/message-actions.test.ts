import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { conversations, messages } from "../../src/platform/db/schema";
import { newObjectId } from "../../src/platform/util/ids";
import { json, request } from "../helpers/app";
import { apiKeyHeaders } from "../helpers/auth";
import { insertContact, insertConversation, testDb, tick } from "../helpers/factories";
import { GLOBEX, GLOBEX_KEY } from "../helpers/seed";

type Body = Record<string, any>;

/** A conversation whose last message is an AI draft awaiting review. */
async function withDraft(channelType: "sms" | "email" = "sms") {
  // Phone and email are unique per organization: each draft's contact has its own.
  const n = String(tick()).slice(-7);
  const contact = await insertContact({
    channelType,
    phoneNumber: `+1415${n}`,
    email: `draft-${n}@example.com`,
  });
  const { conversation, messages: existing } = await insertConversation({
    contactId: contact.id,
    messageCount: 2,
  });
  const at = tick();
  const draft = {
    id: newObjectId(at),
    organizationId: conversation.organizationId,
    conversationId: conversation.id,
    direction: "outbound" as const,
    senderType: "AI" as const,
    sent: false,
    message: "Friday at 10am is open. Shall I book it?",
    status: "pending" as const,
    createdAt: at,
    updatedAt: at,
  };
  await testDb().insert(messages).values(draft);
  return { conversation, draft, contact, inbound: existing[1], delivered: existing[0] };
}

const actionPath = (conversationId: string, messageId: string) =>
  `/v1/api/conversations/${conversationId}/message/${messageId}/action`;

async function act(
  conversationId: string,
  messageId: string,
  metadata: unknown,
  headers = apiKeyHeaders(),
) {
  const response = await request(
    actionPath(conversationId, messageId),
    json({ metadata }, headers),
  );
  return { response, body: (await response.json()) as Body };
}

async function conversationUpdatedAt(id: string) {
  const [row] = await testDb().select().from(conversations).where(eq(conversations.id, id));
  return row?.updatedAt ?? 0;
}

describe("POST …/message/{messageId}/action: the review state machine", () => {
  it("Approve: approved and sent, in the vendor's response shape, and the conversation moves", async () => {
    const { conversation, draft, contact } = await withDraft();
    const before = await conversationUpdatedAt(conversation.id);
    const { response, body } = await act(conversation.id, draft.id, { action: "Approve" });
    expect(response.status).toBe(200);
    expect(body).toStrictEqual({
      status: "success",
      message: {
        _id: draft.id,
        message: draft.message,
        to: contact.phoneNumber,
        sent: true,
        status: "approved",
        timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      },
    });
    expect(Date.parse(body.message.timestamp)).toBeGreaterThan(draft.updatedAt);
    expect(await conversationUpdatedAt(conversation.id)).toBeGreaterThan(before);

    const fetched = (await (
      await request(`/v1/api/conversations/${conversation.id}`, apiKeyHeaders())
    ).json()) as Body;
    const message = fetched.messages.find((m: Body) => m._id === draft.id);
    expect(message).toMatchObject({ status: "approved", sent: true });
    expect(Date.parse(fetched.updatedAt)).toBeGreaterThan(before);
  });

  it("Reject: rejected and not sent", async () => {
    const { conversation, draft } = await withDraft();
    const { response, body } = await act(conversation.id, draft.id, { action: "Reject" });
    expect(response.status).toBe(200);
    expect(body.message).toMatchObject({ status: "rejected", sent: false, message: draft.message });
  });

  it("Edit: new text, still pending; it can then be approved with that text", async () => {
    const { conversation, draft } = await withDraft();
    const edited = await act(conversation.id, draft.id, {
      action: "Edit",
      editedMessage: "  Friday 10am works!  ",
    });
    expect(edited.response.status).toBe(200);
    expect(edited.body.message).toMatchObject({
      status: "pending",
      sent: false,
      message: "Friday 10am works!",
    });
    const again = await act(conversation.id, draft.id, {
      action: "Edit",
      editedMessage: "Friday 11am works!",
    });
    expect(again.body.message.message).toBe("Friday 11am works!");
    const approved = await act(conversation.id, draft.id, { action: "Approve" });
    expect(approved.body.message).toMatchObject({
      status: "approved",
      sent: true,
      message: "Friday 11am works!",
    });
  });

  it("sends to the email address on the email channel", async () => {
    const { conversation, draft, contact } = await withDraft("email");
    const { body } = await act(conversation.id, draft.id, { action: "Approve" });
    expect(body.message.to).toBe(contact.email);
    expect(contact.email).toMatch(/^draft-\d+@example\.com$/);
  });

  it.each([
    ["Approve", "Approve"],
    ["Approve", "Reject"],
    ["Reject", "Approve"],
    ["Reject", "Edit"],
  ])("409 for %s then %s, and the second changes nothing", async (first, second) => {
    const { conversation, draft } = await withDraft();
    await act(conversation.id, draft.id, { action: first });
    const before = await conversationUpdatedAt(conversation.id);
    const metadata =
      second === "Edit" ? { action: "Edit", editedMessage: "late" } : { action: second };
    const { response, body } = await act(conversation.id, draft.id, metadata);
    expect(response.status).toBe(409);
    expect(body.error.code).toBe("conflict");
    expect(body.error.message).toContain(first === "Approve" ? "approved" : "rejected");
    expect(await conversationUpdatedAt(conversation.id)).toBe(before);
  });

  it("409 for an inbound message and for an outbound one already delivered", async () => {
    const { conversation, inbound, delivered } = await withDraft();
    const onInbound = await act(conversation.id, inbound?.id as string, { action: "Approve" });
    expect(onInbound.response.status).toBe(409);
    expect(onInbound.body.error.message).toContain("inbound");
    const onDelivered = await act(conversation.id, delivered?.id as string, { action: "Reject" });
    expect(onDelivered.response.status).toBe(409);
    expect(onDelivered.body.error.message).toContain("delivered");
  });

  it("exactly one of two concurrent approvals wins", async () => {
    const { conversation, draft } = await withDraft();
    const results = await Promise.all([
      act(conversation.id, draft.id, { action: "Approve" }),
      act(conversation.id, draft.id, { action: "Reject" }),
    ]);
    expect(results.map((r) => r.response.status).sort()).toEqual([200, 409]);
  });

  it("404 for an unknown message, a message of another conversation, and another tenant", async () => {
    const { conversation, draft } = await withDraft();
    const other = await withDraft();
    expect((await act(conversation.id, "nope", { action: "Approve" })).response.status).toBe(404);
    expect(
      (await act(conversation.id, other.draft.id, { action: "Approve" })).response.status,
    ).toBe(404);
    expect(
      (await act("no-such-conversation", draft.id, { action: "Approve" })).response.status,
    ).toBe(404);
    const foreign = await act(
      conversation.id,
      draft.id,
      { action: "Approve" },
      apiKeyHeaders(GLOBEX_KEY, GLOBEX),
    );
    expect(foreign.response.status).toBe(404);
    expect(foreign.body.error.code).toBe("not_found");
    const [row] = await testDb().select().from(messages).where(eq(messages.id, draft.id));
    expect(row?.status).toBe("pending");
  });

  it.each([
    [{ action: "Edit" }, "body.metadata.editedMessage", "required"],
    [{ action: "Edit", editedMessage: "   " }, "body.metadata.editedMessage", "min_length"],
    [{ action: "Approve", editedMessage: "x" }, "body.metadata.editedMessage", "only_with_edit"],
    [{ action: "Delete" }, "body.metadata.action", "enum"],
    [{ action: "approve" }, "body.metadata.action", "enum"],
    [{}, "body.metadata.action", "required"],
    [{ action: "Approve", force: true }, "body.metadata.force", "unknown_field"],
  ])("400 for %j, naming %s (%s), and the draft stays pending", async (metadata, field, rule) => {
    const { conversation, draft } = await withDraft();
    const { response, body } = await act(conversation.id, draft.id, metadata);
    expect(response.status).toBe(400);
    expect(body.error.details).toContainEqual(expect.objectContaining({ field, rule }));
    const [row] = await testDb().select().from(messages).where(eq(messages.id, draft.id));
    expect(row).toMatchObject({ status: "pending", message: draft.message });
  });

  it("400 without metadata, and for a body that is not JSON", async () => {
    const { conversation, draft } = await withDraft();
    const missing = await request(
      actionPath(conversation.id, draft.id),
      json({ action: "Approve" }, apiKeyHeaders()),
    );
    const missingBody = (await missing.json()) as Body;
    expect(missing.status).toBe(400);
    expect(missingBody.error.details).toContainEqual(
      expect.objectContaining({ field: "body.metadata", rule: "required" }),
    );
    const notJson = await request(actionPath(conversation.id, draft.id), {
      method: "POST",
      headers: {
        ...(apiKeyHeaders().headers as Record<string, string>),
        "content-type": "application/json",
      },
      body: "{",
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as Body).error.code).toBe("invalid_json");
  });
});
