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
