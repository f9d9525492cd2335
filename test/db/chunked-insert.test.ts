import { env } from "cloudflare:workers";
import type { BatchItem } from "drizzle-orm/batch";
import { describe, expect, it } from "vitest";
import { chunkedInsert } from "../../src/platform/db/chunked-insert";
import { contacts, conversations, users } from "../../src/platform/db/schema";
import { linkedContactOfRow } from "../../src/surfaces/conversations-api/conversations/conversations.ingest";
import { testDb as db, insertOrganization, tick, uniquePhone } from "../helpers/factories";
import { ACME } from "../helpers/seed";

/*
 * The two forms of `chunkedInsert`, on the real D1: one short row as `INSERT … VALUES` (no
 * statement journal inside a batch), anything else read from JSON by `json_each`. Both must
 * write the same row from the same data: its values, its defaults, what `computed` links.
 */

const sqlOf = (items: BatchItem<"sqlite">[]) =>
  items.map((item) => (item as unknown as { toSQL(): { sql: string } }).toSQL().sql);
const run = (items: BatchItem<"sqlite">[]) =>
  db().batch(items as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
const id = () => crypto.randomUUID().replaceAll("-", "").slice(0, 24);

async function organizationWithContact() {
  const { id: organizationId } = await insertOrganization("Chunked insert");
  const contact = {
    id: id(),
    organizationId,
    firstName: "Ada",
    phoneNumber: uniquePhone(),
    channelType: "sms" as const,
    createdAt: tick(),
    updatedAt: tick(),
  };
  await run(chunkedInsert(db(), contacts, [contact]));
  return { organizationId, contact };
}

/** A conversation row that carries its customer, as ingestion's rows do. */
const conversationRow = (organizationId: string, phoneNumber: string) => ({
  id: id(),
  organizationId,
  userId: null,
  pathwayId: "pw-1",
  agentId: null,
  createdAt: 1_700_000_000_123,
  updatedAt: 1_700_000_000_456,
  contact: { id: "not-made", phoneNumber, email: null },
});

const conversationOf = async (rowId: string) =>
  env.DB.prepare("select * from conversations where id = ?").bind(rowId).first();

describe("chunkedInsert", () => {
  it("writes one short row as VALUES, and the same row json_each writes", async () => {
    const { organizationId, contact } = await organizationWithContact();
    const link = { computed: { contactId: linkedContactOfRow(organizationId) } };
    const one = conversationRow(organizationId, contact.phoneNumber);
    const single = chunkedInsert(db(), conversations, [one], link);
    expect(sqlOf(single)).toEqual([
      expect.stringMatching(/^insert into "conversations" .* values \(/),
    ]);
    expect(sqlOf(single)[0]).not.toContain("json_each");

    const [a, b] = [conversationRow(organizationId, contact.phoneNumber), one];
    const many = chunkedInsert(
      db(),
      conversations,
      [a, conversationRow(organizationId, "x")],
      link,
    );
    expect(sqlOf(many)).toEqual([expect.stringContaining('from json_each(?) as "row"')]);
    // The second row of `many` links no contact: NOT NULL refuses it, and the batch writes nothing.
    await expect(run(many)).rejects.toThrow(/NOT NULL/);
    expect(await conversationOf(a.id)).toBeNull();

    await run([...single, ...chunkedInsert(db(), conversations, [a, { ...a, id: id() }], link)]);
    const written = await conversationOf(b.id);
    const { id: _, ...values } = written ?? {};
    const { id: __, ...byJsonEach } = (await conversationOf(a.id)) ?? {};
    expect(values).toEqual(byJsonEach);
    expect(values).toMatchObject({
      organization_id: organizationId,
      contact_id: contact.id, // linked by phone, through the row's nested key
      pathway_id: "pw-1",
      user_id: null,
      created_at: 1_700_000_000_123,
      updated_at: 1_700_000_000_456,
    });
  });

  it("fills defaults and booleans alike in both forms", async () => {
    const { organizationId } = await organizationWithContact();
    const user = (isActive?: boolean) => ({
      id: id(),
      organizationId,
      firstName: "Chunk",
      lastName: "Ed",
      email: `chunk-${id()}@example.com`,
      role: "agent" as const,
      passwordHash: "pbkdf2-sha256$1$AAAA$AAAA",
      createdAt: 1,
      updatedAt: 2,
      ...(isActive === undefined ? {} : { isActive }),
    });
    const [one, first, second, inactive] = [user(), user(), user(), user(false)];
    expect(sqlOf(chunkedInsert(db(), users, [one]))[0]).toMatch(/ values \(/);
    await run([
      ...chunkedInsert(db(), users, [one]),
      ...chunkedInsert(db(), users, [first, second]),
      ...chunkedInsert(db(), users, [inactive]),
    ]);
    const rowOfUser = async ({ id }: { id: string }) =>
      env.DB.prepare(
        "select is_active, token_version, created_at, updated_at from users where id = ?",
      )
        .bind(id)
        .first();
    const [byValues, byJsonEach, notActive] = await Promise.all(
      [one, first, inactive].map(rowOfUser),
    );
    // is_active and token_version are the columns' defaults; a boolean is stored as 0 or 1.
    expect(byValues).toEqual(byJsonEach);
    expect(byValues).toEqual({ is_active: 1, token_version: 1, created_at: 1, updated_at: 2 });
    expect(notActive).toMatchObject({ is_active: 0 });
  });

  it("reads a long row once, by json_each, rather than once per column", async () => {
    const { organizationId } = await organizationWithContact();
    const long = { ...conversationRow(organizationId, "+15550000001"), pathwayId: "p".repeat(64) };
    const longer = {
      ...long,
      agentId: "a".repeat(64),
      contact: { ...long.contact, id: "c".repeat(900) },
    };
    const link = { computed: { contactId: linkedContactOfRow(organizationId) } };
    expect(sqlOf(chunkedInsert(db(), conversations, [long], link))[0]).toMatch(/ values \(/);
    expect(sqlOf(chunkedInsert(db(), conversations, [longer], link))[0]).toContain("json_each");
  });

  it("skips a row a unique constraint refuses, in both forms, when asked", async () => {
    const { organizationId, contact } = await organizationWithContact();
    const twin = { ...contact, id: id(), firstName: "Twin" }; // the same phone
    const ignore = { onConflict: "ignore" } as const;
    await run(chunkedInsert(db(), contacts, [twin], ignore));
    await run(
      chunkedInsert(
        db(),
        contacts,
        [
          { ...twin, id: id() },
          { ...twin, id: id() },
        ],
        ignore,
      ),
    );
    await expect(run(chunkedInsert(db(), contacts, [twin]))).rejects.toThrow(/UNIQUE/);
    const { results } = await env.DB.prepare(
      "select first_name from contacts where organization_id = ?",
    )
      .bind(organizationId)
      .all<{ first_name: string }>();
    expect(results.map((r) => r.first_name)).toEqual(["Ada"]);
  });

  it("refuses a key path that is not plain: it is written into the statement's text", () => {
    const row = conversationRow(ACME, "+15550000002");
    for (const rows of [[row], [row, { ...row, id: id() }]]) {
      expect(() =>
        chunkedInsert(db(), conversations, rows, {
          computed: { contactId: (field) => field("contact.id') or ('1") },
        }),
      ).toThrow(/not a row key/);
    }
  });
});
