import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { issuesFromZod } from "../../src/platform/errors/validation";
import { ExportItemInputSchema } from "../../src/surfaces/training/snapshots/snapshots.schemas";
import { json, request } from "../helpers/app";
import { apiKeyHeaders, tokenFor } from "../helpers/auth";
import { insertContact, insertUser } from "../helpers/factories";

/*
 * Text that comes in: names refuse control characters, message text keeps its line breaks but
 * never NUL, and no JSON body brings in a lone surrogate. Every refusal is a 400 naming the field
 * and the rule, and leaves nothing behind.
 */

type Body = Record<string, any>;

async function send(path: string, init: RequestInit) {
  const response = await request(path, init);
  const text = await response.text();
  return { response, body: (text ? JSON.parse(text) : null) as Body };
}
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

/** The validation details of a 400, from either surface's envelope. */
const details = (body: Body) => (body.details ?? body.error?.details) as Body[];

let n = 0;
const phone = () => `+1505555${String(1000 + ++n).slice(-4)}`;
const vendorId = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 12)}`;

const CONTROL_CHARACTERS = ["\u0000", "\u0001", "\t", "\n", "\r", "\u001b[31m", "\u001f", "\u007f"];

describe("names refuse control characters", () => {
  it.each(CONTROL_CHARACTERS)(
    "a conversation's customer name with %j: 400, nothing stored",
    async (control) => {
      const _id = vendorId("ctl");
      const { response, body } = await ingest({
        _id,
        customer: { name: `Ada Love${control}lace`, phone: phone() },
        messages: [{ direction: "inbound", message: "Hello" }],
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(details(body)).toEqual([
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
    expect(details(created.body).map((d) => [d.field, d.rule])).toEqual([
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
    expect(details(patched.body).map((d) => [d.field, d.rule])).toEqual([
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
    expect(details(created.body).map((d) => [d.field, d.rule])).toEqual([
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
    expect(details(patched.body).map((d) => [d.field, d.rule])).toEqual([
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
      customer: { name: "  Zoë  Ñúñez-Łukasz 山田 ", phone: phone() },
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
    const { response, body } = await ingest({ _id, customer: { name, phone: phone() } });
    expect(response.status, JSON.stringify(body)).toBe(400);
    expect(details(body)).toEqual([
      {
        field: "body.customer.name",
        rule: "max_length",
        message: expect.stringContaining(`100 characters`),
      },
    ]);
    expect(details(body)[0]?.message).toContain(part);
    expect((await send(`/v1/api/conversations/${_id}`, apiKeyHeaders())).response.status).toBe(404);
  });

  it("parts of 100 characters each are kept whole", async () => {
    const first = "F".repeat(100);
    const last = "L".repeat(99);
    const { response, body } = await ingest({
      customer: { name: `${first} ${last}`, phone: phone() },
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
