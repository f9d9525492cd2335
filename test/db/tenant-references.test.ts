import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openRequestDatabase } from "../../src/platform/db/request-database";
import {
  findSnapshotDocument,
  listSnapshots,
} from "../../src/surfaces/training-api/snapshots/snapshots.repository";
import { request } from "../helpers/app";
import { apiKeyHeaders } from "../helpers/auth";
import {
  insertContact,
  insertConversation,
  insertSnapshot,
  insertUser,
} from "../helpers/factories";
import {
  ACME,
  ALICE,
  BOB,
  GLOBEX,
  GLOBEX_CONVERSATION,
  GLOBEX_KEY,
  GLOBEX_SNAPSHOT,
  JANE,
  SNAPSHOT,
} from "../helpers/seed";

/*
 * A row may only point at rows of its own organization: composite foreign keys
 * (organization_id, <parent>_id) refuse anything else, and every join of the repositories names
 * the organization too. The second half runs the API over a database migrated only up to before
 * the composite keys, holding rows that point across tenants, then migrates it.
 */

const run = (db: D1Database, sql: string, ...params: unknown[]) =>
  db
    .prepare(sql)
    .bind(...params)
    .run();

describe("composite foreign keys refuse references across tenants", () => {
  it.each([
    [
      "a snapshot's creator",
      `insert into training_snapshots (id, organization_id, user_id, message_count, snapshot_date, tags, created_at, updated_at) values ('aaaaaaaaaaaaaaaaaaaaaa01', ?, ?, 0, 1, '[]', 1, 1)`,
      [GLOBEX, ALICE],
    ],
    [
      "a snapshot's contact",
      `insert into training_snapshots (id, organization_id, contact_id, message_count, snapshot_date, tags, created_at, updated_at) values ('aaaaaaaaaaaaaaaaaaaaaa02', ?, ?, 0, 1, '[]', 1, 1)`,
      [GLOBEX, JANE],
    ],
    [
      "a snapshot's conversation",
      `insert into training_snapshots (id, organization_id, conversation_id, message_count, snapshot_date, tags, created_at, updated_at) values ('aaaaaaaaaaaaaaaaaaaaaa03', ?, '112ec528bf7946a12ab0fs21', 0, 1, '[]', 1, 1)`,
      [GLOBEX],
    ],
    [
      "a conversation's contact",
      `insert into conversations (id, organization_id, contact_id, created_at, updated_at) values ('x-conv-1', ?, ?, 1, 1)`,
      [GLOBEX, JANE],
    ],
    [
      "a message's conversation",
      `insert into messages (id, organization_id, conversation_id, direction, sender_type, sent, message, status, created_at, updated_at) values ('x-msg-1', ?, '112ec528bf7946a12ab0fs21', 'inbound', 'human', 1, 'hi', 'received', 1, 1)`,
      [GLOBEX],
    ],
    [
      "a message copy's snapshot",
      `insert into training_snapshot_messages (snapshot_id, position, organization_id, message_id, content, sender, sender_type, timestamp) values (?, 99, ?, 'm', 'c', 'user', 'AI', 1)`,
      [SNAPSHOT, GLOBEX],
    ],
    [
      "a tag row's snapshot",
      `insert into training_snapshot_tags (snapshot_id, tag, organization_id, is_archived, created_at) values (?, 'stolen', ?, 0, 1)`,
      [SNAPSHOT, GLOBEX],
    ],
    [
      "an API key's creator",
      `insert into api_keys (id, organization_id, name, prefix, key_hash, created_by_user_id, created_at) values ('aaaaaaaaaaaaaaaaaaaaaa04', ?, 'k', 'p', 'h-x', ?, 1)`,
      [GLOBEX, ALICE],
    ],
  ])("%s", async (_, sql, params) => {
    await expect(run(env.DB, sql, ...params)).rejects.toThrow(/FOREIGN KEY constraint failed/);
  });

  it("deleting a user, contact or conversation nulls only the references, never the organization", async () => {
    const user = await insertUser();
    const contact = await insertContact();
    const { conversation } = await insertConversation({ contactId: contact.id, userId: user.id });
    const { snapshot } = await insertSnapshot({
      userId: user.id,
      contactId: contact.id,
      fields: { conversationId: conversation.id },
    });
    await run(env.DB, "delete from users where id = ?", user.id);
    await run(env.DB, "delete from contacts where id = ?", contact.id);
    const row = await env.DB.prepare(
      "select organization_id, user_id, contact_id, conversation_id, customer_name from training_snapshots where id = ?",
    )
      .bind(snapshot.id)
      .first();
    expect(row).toEqual({
      organization_id: ACME,
      user_id: null,
      contact_id: null,
      conversation_id: null, // the contact's conversations went with it
      customer_name: "Casey Jones",
    });
    const gone = await env.DB.prepare("select count(*) as n from conversations where id = ?")
      .bind(conversation.id)
      .first<{ n: number }>();
    expect(gone?.n).toBe(0);
  });
});

describe("a database that holds references across tenants (written before the composite keys)", () => {
  const before = env.TEST_MIGRATIONS.filter((m) => m.name < "0002");
  const after = env.TEST_MIGRATIONS;
  const db = env.LEGACY_DB;

  async function legacyData() {
    // The old tables, and the fences every request of this code reads (a deployment migrates
    // before it serves: `npm run deploy`).
    const fences = env.TEST_MIGRATIONS.filter((m) => m.name.includes("organization_fences"));
    await applyD1Migrations(db, [...before, ...fences]);
    const statements = [
      `insert into organizations values ('${ACME}', 'Acme', 1), ('${GLOBEX}', 'Globex', 1)`,
      `insert into users values ('${ALICE}', '${ACME}', 'Alice', 'Rivera', 'alice@example.com', 'manager', 'x', 1, 1), ('${BOB}', '${GLOBEX}', 'Bob', 'Stone', 'bob@example.com', 'manager', 'x', 1, 1)`,
      `insert into contacts values ('${JANE}', '${ACME}', 'Jane', 'Doe', '+14155550123', 'jane@example.com', 'sms', 1, 1)`,
      `insert into api_keys values ('66a0a0a0a0a0a0a0a0a0a0a0', '${GLOBEX}', 'globex', 'dev_globex_0', '${await keyHash(GLOBEX_KEY)}', '${ALICE}', 1, null, null)`,
      // Globex rows pointing at Acme's user, contact and snapshot.
      `insert into training_snapshots (id, organization_id, user_id, contact_id, customer_name, message_count, snapshot_date, tags, created_at, updated_at) values ('${GLOBEX_SNAPSHOT}', '${GLOBEX}', '${ALICE}', '${JANE}', 'Globex customer', 0, 5, '["x"]', 5, 5)`,
      `insert into training_snapshots (id, organization_id, user_id, contact_id, customer_name, notes, message_count, snapshot_date, tags, created_at, updated_at) values ('${SNAPSHOT}', '${ACME}', '${ALICE}', '${JANE}', 'Jane Doe', 'acme secret', 1, 4, '["shared"]', 4, 4)`,
      `insert into training_snapshot_messages values ('${SNAPSHOT}', 0, '${ACME}', 'm1', 'acme message', 'user', 'AI', 4)`,
      `insert into training_snapshot_tags values ('${SNAPSHOT}', 'shared', '${GLOBEX}', 0, 4)`,
      `insert into conversations values ('${GLOBEX_CONVERSATION}', '${GLOBEX}', '${JANE}', '${ALICE}', 'pw1', 'ag1', 3, 3)`,
      `insert into messages values ('gm1', '${GLOBEX}', '${GLOBEX_CONVERSATION}', 'inbound', 'human', 1, 'hi', 'received', 3, 3)`,
    ];
    await db.batch(statements.map((s) => db.prepare(s)));
  }

  async function keyHash(key: string) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  it("serves nothing of the other tenant, then migrates to keys that hold", async () => {
    await legacyData();
    // The Training API needs tables of later migrations (sessions), so its repositories are
    // called directly on this database; the Conversations API is served over HTTP below.
    const legacy = openRequestDatabase(db);
    const found = await findSnapshotDocument(legacy, GLOBEX, GLOBEX_SNAPSHOT);
    const doc = JSON.parse(found?.doc ?? "null");
    expect(doc.userId).toBeNull(); // not Acme's Alice
    expect(doc.contactId).toBeNull(); // not Acme's Jane
    expect(doc.customerName).toBe("Globex customer");

    const listed = await listSnapshots(legacy, GLOBEX, { isArchived: false }, undefined, 10);
    expect(
      listed.map((row) => JSON.parse(row.doc)).map((s) => [s._id, s.userId, s.contactId]),
    ).toEqual([[GLOBEX_SNAPSHOT, null, null]]);

    // A Globex tag row pointing at an Acme snapshot drives neither the list nor the export.
    const byTag = { isArchived: false, tag: ["shared"] };
    expect(await listSnapshots(legacy, GLOBEX, byTag, undefined, 10)).toEqual([]);
    expect(await listSnapshots(legacy, GLOBEX, byTag, undefined, 10, "export")).toEqual([]);

    // A Globex conversation whose contact is Acme's: no customer of Acme comes back.
    const keyed = apiKeyHeaders(GLOBEX_KEY, GLOBEX);
    const on = { DB: db };
    const conversation = await request(`/v1/api/conversations/${GLOBEX_CONVERSATION}`, keyed, on);
    expect(conversation.status).toBe(404);
    const conversations = await request("/v1/api/conversations", keyed, on);
    expect(await conversations.json()).toEqual([]);

    // The migration keeps every row of its own tenant, nulls optional references across tenants
    // and drops rows whose required parent is another tenant's.
    await applyD1Migrations(db, after);
    const rows = async (sql: string) => (await db.prepare(sql).all()).results;
    expect(
      await rows("select id, user_id, contact_id from training_snapshots order by id"),
    ).toEqual([
      { id: GLOBEX_SNAPSHOT, user_id: null, contact_id: null },
      { id: SNAPSHOT, user_id: ALICE, contact_id: JANE },
    ]);
    expect(await rows("select created_by_user_id from api_keys")).toEqual([
      { created_by_user_id: null },
    ]);
    expect(
      await rows("select snapshot_id, organization_id from training_snapshot_messages"),
    ).toEqual([{ snapshot_id: SNAPSHOT, organization_id: ACME }]);
    expect(await rows("select * from training_snapshot_tags")).toEqual([]);
    expect(await rows("select id from conversations")).toEqual([]);
    expect(await rows("select id from messages")).toEqual([]);
    expect(await rows("pragma foreign_key_check")).toEqual([]);
    expect(await rows("select name from sqlite_master where name like '%_old'")).toEqual([]);
  });
});
