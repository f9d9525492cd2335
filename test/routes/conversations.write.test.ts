import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Body, ISO, json, request, requestBody } from "../helpers/app";
import { apiKeyHeaders, tokenFor } from "../helpers/auth";
import { countingD1 } from "../helpers/d1";
import { uniquePhone } from "../helpers/factories";
import { ACME, AGENT, DOCS_CONVERSATION, GLOBEX, GLOBEX_KEY, JANE } from "../helpers/seed";
import { organizationOn } from "../helpers/shards";

const post = (path: string, body: unknown, headers = apiKeyHeaders()) =>
  requestBody(path, json(body, headers));
const get = async (path: string, headers = apiKeyHeaders()) => {
  const response = await request(path, headers);
  return { response, body: (await response.json()) as Body };
};
const contactOf = async (conversationId: string) =>
  (
    await env.DB.prepare("select contact_id from conversations where id = ?")
      .bind(conversationId)
      .first<{ contact_id: string }>()
  )?.contact_id;

describe("POST /v1/api/conversations", () => {
  it("201: the conversation exactly as GET returns it, with a Location", async () => {
    const created = await post("/v1/api/conversations", {
      customer: { name: "Rosalind Franklin", phone: uniquePhone(), email: "rosalind@example.org" },
      pathwayId: "pw-ingest",
      agentId: "ag-ingest",
      userId: AGENT,
      messages: [
        { direction: "inbound", message: "Hello, is this the lab?" },
        {
          direction: "outbound",
          message: "It is! How can we help?",
          status: "delivered",
          sent: true,
        },
      ],
    });
    expect(created.response.status).toBe(201);
    const id = created.body._id;
    expect(created.response.headers.get("location")).toBe(`/v1/api/conversations/${id}`);
    expect(created.body).toMatchObject({
      userId: AGENT,
      pathwayId: "pw-ingest",
      agentId: "ag-ingest",
      customer: { name: "Rosalind Franklin", email: "rosalind@example.org" },
    });
    expect(created.body.messages.map((m: Body) => [m.direction, m.status, m.sent])).toEqual([
      ["inbound", "received", true],
      ["outbound", "delivered", true],
    ]);
    expect(created.body.createdAt).toMatch(ISO);
    const fetched = await get(`/v1/api/conversations/${id}`);
    expect(fetched.body).toEqual(created.body);
  });

  it("keeps the caller's ids and times; a taken id is 409 and writes nothing", async () => {
    const body = {
      _id: `trillet-${crypto.randomUUID().slice(0, 8)}`,
      customer: { phone: uniquePhone() },
      createdAt: "2024-12-01T08:45:00Z",
      messages: [
        {
          _id: `m-${crypto.randomUUID().slice(0, 8)}`,
          direction: "outbound",
          message: "Draft",
          createdAt: "2024-12-01T08:46:00+00:00",
        },
      ],
    };
    const first = await post("/v1/api/conversations", body);
    expect(first.response.status).toBe(201);
    expect(first.body._id).toBe(body._id);
    expect(first.body.createdAt).toBe("2024-12-01T08:45:00.000Z");
    expect(first.body.messages[0]).toMatchObject({
      _id: body.messages[0]?._id,
      status: "pending",
      sent: false,
      createdAt: "2024-12-01T08:46:00.000Z",
    });
    const again = await post("/v1/api/conversations", { ...body, messages: [] });
    expect(again.response.status).toBe(409);
    const otherId = await post("/v1/api/conversations", { ...body, _id: `${body._id}-b` });
    expect(otherId.response.status).toBe(409); // the message id is taken
    expect((await get(`/v1/api/conversations/${body._id}-b`)).response.status).toBe(404);
  });

  it("links the customer to the contact with that phone, else that email, else a new one", async () => {
    const byPhone = await post("/v1/api/conversations", {
      customer: { name: "J D", phone: "+14155550123" },
    });
    expect(await contactOf(byPhone.body._id)).toBe(JANE);
    expect(byPhone.body.customer).toEqual({
      name: "Jane Doe",
      email: "jane@example.com",
      phone: "+14155550123",
    });
    const byEmail = await post("/v1/api/conversations", {
      customer: { email: "JANE@example.com", phone: uniquePhone() },
    });
    expect(await contactOf(byEmail.body._id)).toBe(JANE);
    const fresh = await post("/v1/api/conversations", {
      customer: { name: "New Person", email: `new-${crypto.randomUUID()}@example.org` },
    });
    const contactId = await contactOf(fresh.body._id);
    expect(contactId).not.toBe(JANE);
    const contact = await request(`/api/contacts/${contactId}`, {
      headers: { authorization: `Bearer ${await tokenFor()}` },
    });
    expect(((await contact.json()) as Body).data).toMatchObject({
      firstName: "New",
      lastName: "Person",
      channelType: "email",
    });
  });

  it("an ingested conversation can be captured as a training snapshot", async () => {
    const created = await post("/v1/api/conversations", {
      customer: { phone: "+14155550123" },
      messages: [
        { direction: "inbound", message: "Is annual billing cheaper?" },
        { direction: "outbound", message: "Yes, 20% off.", status: "sent", sent: true },
      ],
    });
    const snapshot = await request(
      "/api/training/snapshots",
      json(
        { contactId: JANE, conversationId: created.body._id },
        { headers: { authorization: `Bearer ${await tokenFor()}` } },
      ),
    );
    expect(snapshot.status).toBe(201);
    const data = ((await snapshot.json()) as Body).data;
    expect(data.messages.map((m: Body) => [m.sender, m.senderType, m.content])).toEqual([
      ["contact", "human", "Is annual billing cheaper?"],
      ["user", "AI", "Yes, 20% off."],
    ]);
  });

  it.each([
    [{}, "body.customer", "required"],
    [{ customer: { phone: "555-0100" } }, "body.customer.phone", "pattern"],
    [
      { customer: {}, messages: [{ direction: "inbound", message: "x", status: "pending" }] },
      "body.messages[0].status",
      "inbound_status",
    ],
    [
      { customer: {}, messages: [{ direction: "outbound", message: "" }] },
      "body.messages[0].message",
      "min_length",
    ],
    [
      { customer: {}, messages: [{ direction: "sideways", message: "x" }] },
      "body.messages[0].direction",
      "enum",
    ],
    [{ customer: {}, _id: "has space" }, "body._id", "pattern"],
    [{ customer: {}, userId: "65b1f0a2c3d4e5f6a7b8c9ff" }, "body.userId", "unknown_user"],
    [{ customer: {}, organizationId: GLOBEX }, "body.organizationId", "unknown_field"],
  ])("400 for %j", async (payload, field, rule) => {
    const { response, body } = await post("/v1/api/conversations", payload);
    expect(response.status).toBe(400);
    expect(body.error.details).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it("writes a short contact, conversation and message each as one VALUES row, many by json_each", async () => {
    const org = await organizationOn("SHARD_C");
    const create = async (messages: { direction: string; message: string }[]) => {
      const { db, counter } = countingD1(env.SHARD_C);
      const response = await request(
        "/v1/api/conversations",
        json({ customer: { name: "Vale Rowe", phone: uniquePhone() }, messages }, org.keyHeaders),
        { SHARD_C: db } as Partial<Env>,
      );
      expect(response.status).toBe(201);
      const [batch] = counter.batches;
      const insertOf = (table: string) =>
        batch?.find((q) => q.startsWith(`insert into "${table}" `)) ?? "";
      return { body: (await response.json()) as Body, insertOf };
    };
    await create([]); // the isolate learns the organization's shard
    const one = await create([{ direction: "inbound", message: "One" }]);
    // Before: every insert was an INSERT … SELECT over json_each, which SQLite journals.
    for (const table of ["contacts", "conversations", "messages"]) {
      expect(one.insertOf(table), table).toMatch(/\) values \(/);
      expect(one.insertOf(table), table).not.toContain("json_each");
    }
    const two = await create([
      { direction: "inbound", message: "One" },
      { direction: "outbound", message: "Two" },
    ]);
    expect(two.insertOf("conversations")).toMatch(/\) values \(/);
    expect(two.insertOf("messages")).toContain('from json_each(?) as "row"');
    expect(two.body.messages.map((m: Body) => m.message)).toEqual(["One", "Two"]);
    expect(one.body.customer).toEqual({
      name: "Vale Rowe",
      email: null,
      phone: expect.any(String),
    });
  });

  it("400 for more than 1,000 messages", async () => {
    const messages = Array.from({ length: 1001 }, () => ({ direction: "inbound", message: "x" }));
    const { response, body } = await post("/v1/api/conversations", { customer: {}, messages });
    expect(response.status).toBe(400);
    expect(body.error.details).toContainEqual(
      expect.objectContaining({ field: "body.messages", rule: "max_length" }),
    );
  });
});

describe("POST /v1/api/conversations/{id}/messages", () => {
  it("appends with the direction's defaults and moves the conversation's updatedAt", async () => {
    const before = await get(`/v1/api/conversations/${DOCS_CONVERSATION}`);
    const inbound = await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction: "inbound",
      message: "One more question",
    });
    expect(inbound.response.status).toBe(201);
    expect(Object.keys(inbound.body).sort()).toEqual([
      "_id",
      "createdAt",
      "direction",
      "message",
      "sent",
      "status",
      "updatedAt",
    ]);
    expect(inbound.body).toMatchObject({ direction: "inbound", status: "received", sent: true });
    const draft = await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction: "outbound",
      message: "An AI draft",
    });
    expect(draft.body).toMatchObject({ status: "pending", sent: false });
    const after = await get(`/v1/api/conversations/${DOCS_CONVERSATION}`);
    expect(Date.parse(after.body.updatedAt)).toBeGreaterThan(Date.parse(before.body.updatedAt));
    expect(after.body.messages.at(-1)).toEqual(draft.body);
    // The ingested draft can be approved.
    const approved = await post(
      `/v1/api/conversations/${DOCS_CONVERSATION}/message/${draft.body._id}/action`,
      { metadata: { action: "Approve" } },
    );
    expect(approved.response.status).toBe(200);
    expect(approved.body.message).toMatchObject({
      _id: draft.body._id,
      status: "approved",
      sent: true,
    });
  });

  it.each([
    ["outbound", "delivered", true],
    ["outbound", "sent", true],
    ["outbound", "approved", true],
    ["outbound", "failed", false],
    ["outbound", "rejected", false],
    ["inbound", "received", true],
  ])("sent follows the status when not given: %s %s → %s", async (direction, status, sent) => {
    // Before: sent followed the direction alone (an outbound `delivered` message was not sent).
    const added = await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction,
      status,
      message: `${direction} ${status}`,
    });
    expect(added.response.status).toBe(201);
    expect(added.body).toMatchObject({ status, sent });
    const given = await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction,
      status,
      sent: !sent,
      message: "the client says",
    });
    expect(given.body.sent).toBe(!sent);
  });

  it("many appends at once: each message after the one before, and updatedAt is the last one's", async () => {
    const created = await post("/v1/api/conversations", {
      customer: { name: "Many At Once", phone: uniquePhone() },
      messages: [],
    });
    const id = created.body._id as string;
    // 32 requests in flight together: under workerd they read the same millisecond.
    const answers = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        post(`/v1/api/conversations/${id}/messages`, { direction: "inbound", message: `m${i}` }),
      ),
    );
    expect(answers.every((a) => a.response.status === 201)).toBe(true);
    // In the order they were written (rowid), strictly later each time: a reader who has seen a
    // message never sees a new one appear before it.
    const { results } = await env.DB.prepare(
      "select message, created_at from messages where conversation_id = ? order by rowid",
    )
      .bind(id)
      .all<{ message: string; created_at: number }>();
    expect(results).toHaveLength(32);
    for (let i = 1; i < results.length; i++) {
      expect(results[i]?.created_at).toBeGreaterThan(results[i - 1]?.created_at as number);
    }
    // Each answer is the message as stored.
    const stored = new Map(results.map((r) => [r.message, r.created_at]));
    for (const { body } of answers) {
      expect(Date.parse(body.createdAt)).toBe(stored.get(body.message));
    }
    const after = await get(`/v1/api/conversations/${id}`);
    expect(after.body.updatedAt).toBe(after.body.messages.at(-1).createdAt);
    expect(after.body.messages.map((m: Body) => m.message)).toEqual(results.map((r) => r.message));
  });

  it("404 for an unknown conversation and another tenant's; 409 for a taken id", async () => {
    expect(
      (
        await post("/v1/api/conversations/no-such-thing/messages", {
          direction: "inbound",
          message: "x",
        })
      ).response.status,
    ).toBe(404);
    const globex = apiKeyHeaders(GLOBEX_KEY, GLOBEX);
    expect(
      (
        await post(
          `/v1/api/conversations/${DOCS_CONVERSATION}/messages`,
          { direction: "inbound", message: "x" },
          globex,
        )
      ).response.status,
    ).toBe(404);
    const messageId = `dup-${crypto.randomUUID()}`;
    const first = await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      _id: messageId,
      direction: "inbound",
      message: "x",
    });
    expect(first.response.status).toBe(201);
    const again = await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      _id: messageId,
      direction: "inbound",
      message: "y",
    });
    expect(again.response.status).toBe(409);
  });

  it("requires a key of the workspace", async () => {
    const response = await request(
      `/v1/api/conversations/${DOCS_CONVERSATION}/messages`,
      json({ direction: "inbound", message: "x" }, { headers: { "x-workspace-id": ACME } }),
    );
    expect(response.status).toBe(401);
  });
});
