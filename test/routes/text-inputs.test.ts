import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { issuesFromZod } from "../../src/platform/errors/validation";
import { ExportItemInputSchema } from "../../src/surfaces/training-api/snapshots/snapshots.schemas";
import { type Body, json, requestBody, validationDetails } from "../helpers/app";
import { apiKeyHeaders, tokenFor } from "../helpers/auth";
import { insertContact, insertSnapshot, insertUser, uniquePhone } from "../helpers/factories";
import { JANE } from "../helpers/seed";

/*
 * Text that comes in: names refuse control characters, message text keeps its line breaks but
 * never NUL, and no JSON body brings in a lone surrogate. Every refusal is a 400 naming the field
 * and the rule, and leaves nothing behind.
 */

const send = (path: string, init: RequestInit) => requestBody(path, init);
const asManager = async (path: string, body: unknown, method = "POST") =>
  send(path, json(body, { method, headers: { authorization: `Bearer ${await tokenFor()}` } }));
const asAdmin = async (path: string, body: unknown, method = "POST") =>
  send(
    path,
    json(body, {
      method,
      headers: { authorization: `Bearer ${await tokenFor({ role: "admin" })}` },
    }),
  );
const ingest = (body: unknown, path = "/v1/api/conversations") =>
  send(path, json(body, apiKeyHeaders()));

const vendorId = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 12)}`;

const CONTROL_CHARACTERS = ["\u0000", "\u0001", "\t", "\n", "\r", "\u001b[31m", "\u001f", "\u007f"];

describe("names refuse control characters", () => {
  it.each(CONTROL_CHARACTERS)(
    "a conversation's customer name with %j: 400, nothing stored",
    async (control) => {
      const _id = vendorId("ctl");
      const { response, body } = await ingest({
        _id,
        customer: { name: `Ada Love${control}lace`, phone: uniquePhone() },
        messages: [{ direction: "inbound", message: "Hello" }],
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(validationDetails(body)).toEqual([
        {
          field: "body.customer.name",
          rule: "pattern",
          message: "must not contain control characters",
        },
      ]);
      expect((await send(`/v1/api/conversations/${_id}`, apiKeyHeaders())).response.status).toBe(
        404,
      );
    },
  );

  it.each(CONTROL_CHARACTERS)("a contact's first and last name with %j: 400", async (control) => {
    const created = await asManager("/api/contacts", {
      firstName: `Ma${control}rie`,
      lastName: `Cu${control}rie`,
      channelType: "sms",
    });
    expect(created.response.status).toBe(400);
    expect(validationDetails(created.body).map((d) => [d.field, d.rule])).toEqual([
      ["body.firstName", "pattern"],
      ["body.lastName", "pattern"],
    ]);
    const contact = await insertContact();
    const patched = await asManager(
      `/api/contacts/${contact.id}`,
      { lastName: `Cu${control}rie` },
      "PATCH",
    );
    expect(patched.response.status).toBe(400);
    expect(validationDetails(patched.body).map((d) => [d.field, d.rule])).toEqual([
      ["body.lastName", "pattern"],
    ]);
  });

  it.each(CONTROL_CHARACTERS)("a user's first and last name with %j: 400", async (control) => {
    const created = await asAdmin("/api/users", {
      email: `ctl-${crypto.randomUUID()}@example.com`,
      firstName: `Gr${control}ace`,
      lastName: `Hop${control}per`,
      role: "agent",
    });
    expect(created.response.status).toBe(400);
    expect(validationDetails(created.body).map((d) => [d.field, d.rule])).toEqual([
      ["body.firstName", "pattern"],
      ["body.lastName", "pattern"],
    ]);
    const user = await insertUser();
    const patched = await asAdmin(
      `/api/users/${user.id}`,
      { firstName: `G${control}race` },
      "PATCH",
    );
    expect(patched.response.status).toBe(400);
    expect(validationDetails(patched.body).map((d) => [d.field, d.rule])).toEqual([
      ["body.firstName", "pattern"],
    ]);
  });

  it.each(CONTROL_CHARACTERS)(
    "a Tether export item's customer name with %j is refused",
    (control) => {
      const result = ExportItemInputSchema.safeParse({
        id: "item-1",
        customer: { name: `Ada ${control}Lovelace`, phone: null, email: null },
        conversation: [],
        metadata: {},
      });
      expect(result.success).toBe(false);
      if (result.success) return;
      expect(issuesFromZod("record", result.error)).toEqual([
        {
          field: "record.customer.name",
          rule: "pattern",
          message: "must not contain control characters",
        },
      ]);
    },
  );

  it("accepts names in any script, with inner spaces", async () => {
    const { response, body } = await ingest({
      customer: { name: "  Zoë  Ñúñez-Łukasz 山田 ", phone: uniquePhone() },
    });
    expect(response.status, JSON.stringify(body)).toBe(201);
    expect(body.customer.name).toBe("Zoë Ñúñez-Łukasz 山田");
  });
});

describe("a customer's name becomes a contact's: each part keeps the contacts' limits", () => {
  const contactOf = async (conversationId: string) => {
    const row = await env.DB.prepare("select contact_id from conversations where id = ?")
      .bind(conversationId)
      .first<{ contact_id: string }>();
    const { body } = await send(`/api/contacts/${row?.contact_id}`, {
      headers: { authorization: `Bearer ${await tokenFor()}` },
    });
    return body.data as Body;
  };

  it.each([
    ["a 150-character name without a space", "F".repeat(150), "first name"],
    ["a 101-character first part", `${"F".repeat(101)} Last`, "first name"],
    ["a 101-character last part", `First ${"L".repeat(101)}`, "last name"],
  ])("%s: 400 on body.customer.name, nothing stored", async (_, name, part) => {
    const _id = vendorId("long");
    const { response, body } = await ingest({ _id, customer: { name, phone: uniquePhone() } });
    expect(response.status, JSON.stringify(body)).toBe(400);
    expect(validationDetails(body)).toEqual([
      {
        field: "body.customer.name",
        rule: "max_length",
        message: expect.stringContaining(`100 characters`),
      },
    ]);
    expect(validationDetails(body)[0]?.message).toContain(part);
    expect((await send(`/v1/api/conversations/${_id}`, apiKeyHeaders())).response.status).toBe(404);
  });

  it("parts of 100 characters each are kept whole", async () => {
    const first = "F".repeat(100);
    const last = "L".repeat(99);
    const { response, body } = await ingest({
      customer: { name: `${first} ${last}`, phone: uniquePhone() },
    });
    expect(response.status, JSON.stringify(body)).toBe(201);
    expect(await contactOf(body._id)).toMatchObject({ firstName: first, lastName: last });
  });

  it("an email too long for a first name does not stand in for a missing name", async () => {
    const email = `${"x".repeat(60)}@${"d".repeat(50)}.example.org`;
    const { response, body } = await ingest({ customer: { email } });
    expect(response.status, JSON.stringify(body)).toBe(201);
    const contact = await contactOf(body._id);
    expect(contact.email).toBe(email);
    expect(contact.firstName).toBe("Customer");
    const short = `short-${crypto.randomUUID().slice(0, 8)}@example.org`;
    const named = await ingest({ customer: { email: short } });
    expect((await contactOf(named.body._id)).firstName).toBe(short);
  });

  it("a Tether export item's customer name is held to the same limits", () => {
    const result = ExportItemInputSchema.safeParse({
      id: "item-2",
      customer: { name: `Ada ${"L".repeat(101)}`, phone: null, email: null },
      conversation: [],
      metadata: {},
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(issuesFromZod("record", result.error).map((i) => [i.field, i.rule])).toEqual([
      ["record.customer.name", "max_length"],
    ]);
  });
});

describe("message text keeps line breaks and tabs, never NUL", () => {
  const text = "Line one\nline two\r\n\tindented\ttabbed\n";

  it("is stored and returned exactly, on create and on append", async () => {
    const created = await ingest({
      customer: { phone: uniquePhone() },
      messages: [{ direction: "inbound", message: text }],
    });
    expect(created.response.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.messages[0].message).toBe(text);
    const added = await ingest(
      { direction: "outbound", message: text },
      `/v1/api/conversations/${created.body._id}/messages`,
    );
    expect(added.response.status, JSON.stringify(added.body)).toBe(201);
    const fetched = await send(`/v1/api/conversations/${created.body._id}`, apiKeyHeaders());
    expect(fetched.body.messages.map((m: Body) => m.message)).toEqual([text, text]);
  });

  it("NUL is a 400 naming the message, on create, on append and in an edit", async () => {
    const created = await ingest({
      customer: { phone: uniquePhone() },
      messages: [
        { direction: "inbound", message: "fine" },
        { direction: "outbound", message: "nul\u0000here" },
      ],
    });
    expect(created.response.status).toBe(400);
    expect(validationDetails(created.body)).toEqual([
      {
        field: "body.messages[1].message",
        rule: "pattern",
        message: "must not contain NUL characters",
      },
    ]);

    const draft = await ingest({
      customer: { phone: uniquePhone() },
      messages: [{ direction: "outbound", message: "A draft" }],
    });
    const id = draft.body._id;
    const appended = await ingest(
      { direction: "inbound", message: "\u0000" },
      `/v1/api/conversations/${id}/messages`,
    );
    expect(appended.response.status).toBe(400);
    expect(validationDetails(appended.body).map((d) => [d.field, d.rule])).toEqual([
      ["body.message", "pattern"],
    ]);

    const edited = await ingest(
      { metadata: { action: "Edit", editedMessage: "Friday\u0000 at 10" } },
      `/v1/api/conversations/${id}/message/${draft.body.messages[0]._id}/action`,
    );
    expect(edited.response.status, JSON.stringify(edited.body)).toBe(400);
    expect(validationDetails(edited.body).map((d) => [d.field, d.rule])).toEqual([
      ["body.metadata.editedMessage", "pattern"],
    ]);
    const after = await send(`/v1/api/conversations/${id}`, apiKeyHeaders());
    expect(after.body.messages.map((m: Body) => [m.message, m.status])).toEqual([
      ["A draft", "pending"],
    ]);
  });

  it("a Tether export item's message: line breaks and tabs kept, NUL refused", () => {
    const item = (content: string) => ({
      id: "item-3",
      customer: { name: "Ada Lovelace" },
      conversation: [
        { role: "user", content, timestamp: "2025-01-01T00:00:00Z", senderType: "human" },
      ],
      metadata: {},
    });
    const kept = ExportItemInputSchema.safeParse(item(text));
    expect(kept.success && kept.data.conversation[0]?.content).toBe(text);
    const result = ExportItemInputSchema.safeParse(item("nul\u0000here"));
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(issuesFromZod("record", result.error)).toEqual([
      {
        field: "record.conversation[0].content",
        rule: "pattern",
        message: "must not contain NUL characters",
      },
    ]);
  });

  it("an edit keeps line breaks and tabs", async () => {
    const draft = await ingest({
      customer: { phone: uniquePhone() },
      messages: [{ direction: "outbound", message: "A draft" }],
    });
    const edited = await ingest(
      { metadata: { action: "Edit", editedMessage: "Friday:\n\t10am" } },
      `/v1/api/conversations/${draft.body._id}/message/${draft.body.messages[0]._id}/action`,
    );
    expect(edited.response.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.message.message).toBe("Friday:\n\t10am");
  });
});

describe("no JSON body brings in a lone surrogate", () => {
  const lone = ["\ud800", "\udbff", "\udc00", "\udfff", "a\ud83d", "\ude00b"];

  it.each(lone)("%j in a conversation: 400 naming each field, nothing stored", async (bad) => {
    const _id = vendorId("sur");
    const { response, body } = await ingest({
      _id,
      customer: { name: `Ada ${bad}`, phone: uniquePhone() },
      messages: [
        { direction: "inbound", message: "fine" },
        { direction: "inbound", message: `text ${bad}` },
      ],
    });
    expect(response.status, JSON.stringify(body)).toBe(400);
    expect(body.error.code).toBe("validation_failed");
    expect(validationDetails(body)).toEqual([
      { field: "body.customer.name", rule: "pattern", message: expect.stringMatching(/surrogate/) },
      {
        field: "body.messages[1].message",
        rule: "pattern",
        message: expect.stringMatching(/surrogate/),
      },
    ]);
    expect((await send(`/v1/api/conversations/${_id}`, apiKeyHeaders())).response.status).toBe(404);
  });

  it("is refused in every body, beside the schema's own findings", async () => {
    const draft = await ingest({
      customer: { phone: uniquePhone() },
      messages: [{ direction: "outbound", message: "A draft" }],
    });
    const contact = await insertContact();
    const { snapshot } = await insertSnapshot({ fields: { notes: "Kept as it was" } });
    const cases: [string, () => Promise<{ response: Response; body: Body }>, string[]][] = [
      [
        "append",
        () =>
          ingest(
            { direction: "inbound", message: "\ud800" },
            `/v1/api/conversations/${draft.body._id}/messages`,
          ),
        ["body.message"],
      ],
      [
        "edit",
        () =>
          ingest(
            { metadata: { action: "Edit", editedMessage: "x\udc00" } },
            `/v1/api/conversations/${draft.body._id}/message/${draft.body.messages[0]._id}/action`,
          ),
        ["body.metadata.editedMessage"],
      ],
      [
        "contact create",
        () => asManager("/api/contacts", { firstName: "Jo\ud800", channelType: "sms" }),
        ["body.firstName"],
      ],
      [
        "contact patch",
        () => asManager(`/api/contacts/${contact.id}`, { lastName: "\udfffX" }, "PATCH"),
        ["body.lastName"],
      ],
      [
        "snapshot create, with a schema error too",
        () =>
          asManager("/api/training/snapshots", {
            contactId: JANE,
            notes: "note \ud800",
            tags: ["ok", "t\udc00"],
            quality: "superb",
          }),
        ["body.quality", "body.notes", "body.tags[1]"],
      ],
      [
        "snapshot patch",
        () => asManager(`/api/training/snapshots/${snapshot.id}`, { notes: "\ud800" }, "PATCH"),
        ["body.notes"],
      ],
      [
        "user create",
        () =>
          asAdmin("/api/users", {
            email: `s-${crypto.randomUUID()}@example.com`,
            firstName: "Grace",
            lastName: "Hop\ud800per",
            role: "agent",
          }),
        ["body.lastName"],
      ],
      ["API key", () => asAdmin("/api/keys", { name: "CRM \ud800" }), ["body.name"]],
      [
        "login",
        () =>
          send(
            "/api/auth/login",
            json({ email: "alice@example.com", password: "demo-password-123\ud800" }),
          ),
        ["body.password"],
      ],
      [
        "a field name",
        () => asManager(`/api/contacts/${contact.id}`, { "\ud800": "x", lastName: "Ok" }, "PATCH"),
        ["body.\ud800", "body.\ufffd"],
      ],
    ];
    for (const [what, call, fields] of cases) {
      const { response, body } = await call();
      expect(response.status, `${what}: ${JSON.stringify(body)}`).toBe(400);
      expect(
        validationDetails(body).map((d) => d.field),
        what,
      ).toEqual(fields);
    }
    const patched = await send(`/api/training/snapshots/${snapshot.id}`, {
      headers: { authorization: `Bearer ${await tokenFor()}` },
    });
    expect(patched.body.data.notes).toBe("Kept as it was");
    const stored = await send(`/api/contacts/${contact.id}`, {
      headers: { authorization: `Bearer ${await tokenFor()}` },
    });
    expect(stored.body.data).toMatchObject({
      firstName: contact.firstName,
      lastName: contact.lastName,
    });
  });

  it("a body that is not UTF-8 (a surrogate encoded on its own) is 400 invalid_json", async () => {
    const _id = vendorId("utf");
    const head = new TextEncoder().encode(
      `{"_id":"${_id}","customer":{"phone":"${uniquePhone()}"},"messages":[{"direction":"inbound","message":"bad `,
    );
    const tail = new TextEncoder().encode(`"}]}`);
    const body = new Uint8Array([...head, 0xed, 0xa0, 0x80, ...tail]);
    const { response, body: answer } = await send("/v1/api/conversations", {
      method: "POST",
      headers: { ...(apiKeyHeaders().headers as object), "content-type": "application/json" },
      body,
    });
    expect(response.status, JSON.stringify(answer)).toBe(400);
    expect(answer.error.code).toBe("invalid_json");
    // With an Idempotency-Key the body is read first for its hash: the same answer.
    const keyed = await send("/v1/api/conversations", {
      method: "POST",
      headers: {
        ...(apiKeyHeaders().headers as object),
        "content-type": "application/json",
        "idempotency-key": `utf-${crypto.randomUUID()}`,
      },
      body,
    });
    expect(keyed.response.status, JSON.stringify(keyed.body)).toBe(400);
    expect(keyed.body.error).toMatchObject({
      code: "invalid_json",
      message: "The request body is not valid UTF-8",
    });
    expect((await send(`/v1/api/conversations/${_id}`, apiKeyHeaders())).response.status).toBe(404);
  });

  it("pairs are text like any other", async () => {
    const { response, body } = await ingest({
      customer: { name: "Zoë 😀", phone: uniquePhone() },
      messages: [{ direction: "inbound", message: "\ud83d\ude00 \u{1f680}" }],
    });
    expect(response.status, JSON.stringify(body)).toBe(201);
    expect(body.customer.name).toBe("Zoë 😀");
    expect(body.messages[0].message).toBe("😀 🚀");
  });
});
