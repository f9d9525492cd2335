import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { listContactsQuery } from "../../src/surfaces/training-api/contacts/contacts.repository";
import { type Body, ISO, json, requestBody } from "../helpers/app";
import { tokenFor } from "../helpers/auth";
import { insertContact, insertSnapshot, uniquePhone } from "../helpers/factories";
import { queryPlan } from "../helpers/plans";
import { ACME, BOB, GLOBEX, JANE } from "../helpers/seed";

async function call(path: string, init: RequestInit = {}, token?: string) {
  const auth = token ?? (await tokenFor());
  return requestBody(path, {
    ...init,
    headers: { ...(init.headers as object), authorization: `Bearer ${auth}` },
  });
}
const create = (body: unknown, token?: string) => call("/api/contacts", json(body), token);
let n = 0;
const unique = () => {
  n++;
  return {
    phoneNumber: uniquePhone(),
    email: `c${n}-${crypto.randomUUID().slice(0, 8)}@example.org`,
  };
};

describe("contacts: create, read, change, delete", () => {
  it("creates and reads back every field, in the documented shape", async () => {
    const ids = unique();
    const { response, body } = await create({
      firstName: "Ada",
      lastName: "King",
      ...ids,
      email: ids.email.toUpperCase(),
      channelType: "whatsapp",
    });
    expect(response.status).toBe(201);
    expect(body.success).toBe(true);
    expect(Object.keys(body.data).sort()).toEqual(
      [
        "_id",
        "channelType",
        "createdAt",
        "email",
        "firstName",
        "lastName",
        "phoneNumber",
        "updatedAt",
      ].sort(),
    );
    expect(body.data).toMatchObject({
      firstName: "Ada",
      lastName: "King",
      ...ids,
      channelType: "whatsapp",
    });
    expect(body.data.createdAt).toMatch(ISO);
    expect(response.headers.get("location")).toBe(`/api/contacts/${body.data._id}`);
    const read = await call(`/api/contacts/${body.data._id.toUpperCase()}`);
    expect(read.body.data).toEqual(body.data);
  });

  it("optional fields come back null, never missing", async () => {
    const { body } = await create({ firstName: "Solo", channelType: "webchat" });
    expect(body.data).toMatchObject({ lastName: null, phoneNumber: null, email: null });
  });

  it("PATCH changes and clears fields; updatedAt moves; null clears", async () => {
    const { body } = await create({ firstName: "Pat", ...unique(), channelType: "sms" });
    const changed = await call(
      `/api/contacts/${body.data._id}`,
      json({ lastName: "Morgan", email: null, channelType: "voice" }, { method: "PATCH" }),
    );
    expect(changed.response.status).toBe(200);
    expect(changed.body.data).toMatchObject({
      lastName: "Morgan",
      email: null,
      channelType: "voice",
    });
    expect(Date.parse(changed.body.data.updatedAt)).toBeGreaterThan(
      Date.parse(body.data.updatedAt),
    );
  });

  it("DELETE: 204, then 404; snapshots keep their copies with contactId null; conversations go", async () => {
    const contact = await insertContact();
    const { snapshot } = await insertSnapshot({ contactId: contact.id });
    const { response } = await call(`/api/contacts/${contact.id}`, { method: "DELETE" });
    expect(response.status).toBe(204);
    expect((await call(`/api/contacts/${contact.id}`)).response.status).toBe(404);
    const kept = await call(`/api/training/snapshots/${snapshot.id}`);
    expect(kept.body.data).toMatchObject({ contactId: null, customerName: snapshot.customerName });
  });
});

describe("uniqueness: one contact per phone and per email in an organization", () => {
  it("409 naming the field, on create and on change; other organizations are free", async () => {
    const ids = unique();
    await create({ firstName: "First", ...ids, channelType: "sms" });
    const byPhone = await create({
      firstName: "Second",
      phoneNumber: ids.phoneNumber,
      channelType: "sms",
    });
    expect(byPhone.response.status).toBe(409);
    expect(byPhone.body.error).toContain("phone number");
    const byEmail = await create({
      firstName: "Third",
      email: ids.email.toUpperCase(),
      channelType: "email",
    });
    expect(byEmail.response.status).toBe(409);
    expect(byEmail.body.error).toContain("email");
    const other = await create({ firstName: "Other", ...unique(), channelType: "sms" });
    const clash = await call(
      `/api/contacts/${other.body.data._id}`,
      json({ phoneNumber: ids.phoneNumber }, { method: "PATCH" }),
    );
    expect(clash.response.status).toBe(409);
    const globex = await tokenFor({ userId: BOB, organizationId: GLOBEX });
    expect(
      (await create({ firstName: "Same", ...ids, channelType: "sms" }, globex)).response.status,
    ).toBe(201);
  });

  it("absent phone numbers and emails are not duplicates of each other", async () => {
    for (let i = 0; i < 3; i++) {
      expect(
        (await create({ firstName: `Anon ${i}`, channelType: "webchat" })).response.status,
      ).toBe(201);
    }
  });
});

describe("validation and access", () => {
  it.each([
    [{ channelType: "sms" }, "body.firstName", "required"],
    [{ firstName: "A", channelType: "fax" }, "body.channelType", "enum"],
    [
      { firstName: "A", channelType: "sms", phoneNumber: "4155550123" },
      "body.phoneNumber",
      "pattern",
    ],
    [
      { firstName: "A", channelType: "sms", phoneNumber: "+1 415 555" },
      "body.phoneNumber",
      "pattern",
    ],
    [{ firstName: "A", channelType: "sms", email: "no-at-sign" }, "body.email", "email"],
    [{ firstName: "x".repeat(101), channelType: "sms" }, "body.firstName", "max_length"],
    [
      { firstName: "A", channelType: "sms", organizationId: ACME },
      "body.organizationId",
      "unknown_field",
    ],
  ])("400 for %j", async (payload, field, rule) => {
    const { response, body } = await create(payload);
    expect(response.status).toBe(400);
    expect(body.details).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it("an agent reads but does not write (403)", async () => {
    const agent = await tokenFor({ role: "agent" });
    expect((await call(`/api/contacts/${JANE}`, {}, agent)).response.status).toBe(200);
    const refused = await create({ firstName: "No", channelType: "sms" }, agent);
    expect(refused.response.status).toBe(403);
    expect((await call(`/api/contacts/${JANE}`, { method: "DELETE" }, agent)).response.status).toBe(
      403,
    );
  });

  it("another organization's contact is 404 for every method", async () => {
    const globex = await tokenFor({ userId: BOB, organizationId: GLOBEX });
    for (const init of [{}, json({ firstName: "X" }, { method: "PATCH" }), { method: "DELETE" }]) {
      expect((await call(`/api/contacts/${JANE}`, init, globex)).response.status).toBe(404);
    }
    expect((await call(`/api/contacts/${JANE}`)).body.data.firstName).toBe("Jane");
  });
});

describe("GET /api/contacts", () => {
  it("walks newest first with a cursor; filters by channel, exact email and phone", async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(
        (
          await create({
            firstName: `Walker ${i}`,
            ...unique(),
            channelType: i % 2 ? "email" : "sms",
          })
        ).body.data._id,
      );
    }
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const { body }: { body: Body } = await call(
        `/api/contacts?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      ids.push(...body.data.map((c: Body) => c._id));
      cursor = body.pagination.nextCursor;
    } while (cursor);
    expect(ids.slice(0, 5)).toEqual([...made].reverse());
    expect(new Set(ids).size).toBe(ids.length);
    const email = await call(`/api/contacts?channelType=email&limit=100`);
    expect(email.body.data.every((c: Body) => c.channelType === "email")).toBe(true);
    const jane = await call("/api/contacts?email=JANE@example.com");
    expect(jane.body.data.map((c: Body) => c._id)).toEqual([JANE]);
    const byPhone = await call(`/api/contacts?phoneNumber=${encodeURIComponent("+14155550123")}`);
    expect(byPhone.body.data.map((c: Body) => c._id)).toEqual([JANE]);
  });

  it("q searches full names across first and last, emails and phones, in step with writes", async () => {
    const { body } = await create({
      firstName: "Marguerite",
      lastName: "Perey",
      phoneNumber: "+33123456789",
      email: "francium@example.fr",
      channelType: "email",
    });
    const id = body.data._id;
    for (const q of ["guerite Per", "MARGUERITE", "francium@", "23456", "Ma", "+33"]) {
      const found = await call(`/api/contacts?q=${encodeURIComponent(q)}`);
      expect(found.response.status, q).toBe(200);
      expect(
        found.body.data.map((c: Body) => c._id),
        q,
      ).toContain(id);
    }
    await call(
      `/api/contacts/${id}`,
      json({ firstName: "Lise", lastName: "Meitner" }, { method: "PATCH" }),
    );
    expect((await call("/api/contacts?q=Perey")).body.data).toEqual([]);
    expect((await call("/api/contacts?q=lise%20meit")).body.data.map((c: Body) => c._id)).toEqual([
      id,
    ]);
    await call(`/api/contacts/${id}`, { method: "DELETE" });
    expect((await call("/api/contacts?q=Meitner")).body.data).toEqual([]);
    expect((await call(`/api/contacts?q=${"z".repeat(100)}`)).response.status).toBe(200);
    const globex = await tokenFor({ userId: BOB, organizationId: GLOBEX });
    expect((await call("/api/contacts?q=Jane%20Doe", {}, globex)).body.data).toEqual([]);
  });

  it("plans: q through the full-text index, email through its unique index", async () => {
    const _db = drizzle(env.DB);
    const plan = async (filters: Record<string, string>) => {
      const q = listContactsQuery(ACME, filters, undefined, 21);
      return (await queryPlan(q)).join(" | ");
    };
    expect(await plan({ q: "jane" })).toMatch(
      /^SCAN contact_search VIRTUAL TABLE INDEX 0:M.*SEARCH contacts USING INTEGER PRIMARY KEY \(rowid=\?\)/,
    );
    expect(await plan({ email: "jane@example.com" })).toMatch(
      /SEARCH contacts USING INDEX contacts_org_email_uq/,
    );
    expect(await plan({})).toMatch(/^SEARCH contacts USING INDEX contacts_org_created_idx/);
    expect(await plan({})).not.toMatch(/TEMP B-TREE/);
  });
});
