import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { selectActiveKeyByHash } from "../../src/accounts/api-keys";
import { loginQueries } from "../../src/accounts/logins";
import { sessionStateQuery } from "../../src/accounts/sessions";
import { readWithCheck } from "../../src/platform/db/read-with-check";
import { listenerTrip, Outbox } from "../../src/platform/events/outbox";
import { pruneStatements, strandedEventsQuery } from "../../src/platform/events/sweep";
import {
  conversationDocumentQuery,
  listQuery,
} from "../../src/surfaces/conversations-api/conversations/conversations.repository";
import { contactDocumentQuery } from "../../src/surfaces/training-api/contacts/contacts.repository";
import {
  reviewPageQuery,
  statsSql,
} from "../../src/surfaces/training-api/reviews/reviews.repository";
import { captureQueries } from "../../src/surfaces/training-api/snapshots/snapshots.capture";
import {
  listSnapshotsQuery,
  snapshotDocumentQuery,
} from "../../src/surfaces/training-api/snapshots/snapshots.repository";
import {
  listUsersQuery,
  userDocumentQuery,
} from "../../src/surfaces/training-api/users/users.repository";
import {
  deliveryPageQuery,
  webhookDocumentQuery,
} from "../../src/surfaces/training-api/webhooks/webhooks.repository";
import { queryPlan } from "../helpers/plans";
import { ACME, ALICE, DOCS_CONVERSATION, JANE, SNAPSHOT } from "../helpers/seed";

/*
 * EXPLAIN QUERY PLAN of the exact statements the repositories run. A plan line that scans a
 * table (rather than searching it through an index) or sorts in a temporary B-tree means the
 * query's cost grows with the table, not with the answer.
 */

const db = drizzle(env.DB);

const plan = queryPlan;

function expectIndexed(lines: string[]) {
  expect(lines.length).toBeGreaterThan(0);
  // Scanning a subquery's own rows (a co-routine, already read through an index) is fine.
  const coroutines = lines.flatMap((line) => /^CO-ROUTINE (\S+)/.exec(line)?.[1] ?? []);
  for (const line of lines) {
    if (coroutines.some((name) => line === `SCAN ${name}`)) continue;
    // `(select 1)`: a row of constants, no table behind it.
    if (line === "SCAN CONSTANT ROW") continue;
    expect(line, lines.join(" | ")).not.toMatch(
      /^SCAN (?!.*USING (COVERING )?INDEX)(?!\(subquery-\d+\))/,
    );
    expect(line, lines.join(" | ")).not.toMatch(/TEMP B-TREE/);
  }
}

describe("query plans use indexes", () => {
  it("GET snapshot (one statement): the snapshot, creator and contact by unique keys, copies by (snapshot, position) in order", async () => {
    const snapshotPlan = await plan(snapshotDocumentQuery(ACME, SNAPSHOT));
    expectIndexed(snapshotPlan);
    // One row each, by the unique (organization, id) key.
    for (const [table, index] of [
      ["training_snapshots", "snapshots"],
      ["users", "users"],
      ["contacts", "contacts"],
    ]) {
      expect(snapshotPlan.join("\n")).toContain(
        `SEARCH ${table} USING INDEX ${index}_org_id_uq (organization_id=? AND id=?)`,
      );
    }
    expect(snapshotPlan.join("\n")).toMatch(
      /SEARCH training_snapshot_messages USING (COVERING )?INDEX sqlite_autoindex_training_snapshot_messages_1 \(snapshot_id=\?\)/,
    );
  });

  it("GET snapshot with the freshness check folded in: the session and its user by key, the document as alone", async () => {
    const check = sessionStateQuery({ sessionId: "s", userId: ALICE, organizationId: ACME });
    const alone = await plan(snapshotDocumentQuery(ACME, SNAPSHOT));
    const folded = await plan(readWithCheck(check, snapshotDocumentQuery(ACME, SNAPSHOT)));
    expectIndexed(folded);
    // The organization's fence, the session and its user: each by its key (left joins, so the
    // fence is read whether the session is there or not).
    expect(folded).toContain(
      "SEARCH organization_fences USING INDEX sqlite_autoindex_organization_fences_1 (organization_id=?) LEFT-JOIN",
    );
    expect(folded).toContain(
      "SEARCH sessions USING INDEX sqlite_autoindex_sessions_1 (id=?) LEFT-JOIN",
    );
    expect(folded).toContain(
      "SEARCH users USING INDEX users_org_id_uq (organization_id=? AND id=?) LEFT-JOIN",
    );
    // Every search of the statement alone is still there.
    for (const line of alone.filter((l) => l.startsWith("SEARCH"))) {
      expect(folded).toContain(line);
    }
  });

  it.each([
    ["users", () => listUsersQuery(ACME, {}, undefined, 20)],
    ["snapshots", () => listSnapshotsQuery(ACME, { isArchived: false }, undefined, 20)],
  ])(
    "a page of %s (sent beside the check, not folded): in its index's order, no sort",
    async (_, page) => {
      expectIndexed(await plan(page()));
    },
  );

  it("a page of conversations: its one sort is of the page's candidates, at most its limit", async () => {
    const lines = await plan(listQuery(ACME, {}, undefined, 21));
    expect(lines.filter((line) => /TEMP B-TREE/.test(line))).toEqual([
      "USE TEMP B-TREE FOR ORDER BY",
    ]);
    expect(lines).toContain(
      "SEARCH conversations USING COVERING INDEX conversations_org_created_idx (organization_id=?)",
    );
    expect(lines).toContain("SCAN candidates");
    expectIndexed(lines.filter((line) => line !== "USE TEMP B-TREE FOR ORDER BY"));
  });

  it("a page after a cursor (page 500): the cursor bounds the index's range, the page's size written in", async () => {
    const cursor = { createdAt: 1_700_000_000_000, id: "c".repeat(24) };
    const conversations = listQuery(ACME, {}, cursor, 21);
    expect(conversations.sql).toMatch(/ limit 21\b/);
    expect(await plan(conversations)).toContain(
      "SEARCH conversations USING COVERING INDEX conversations_org_created_idx (organization_id=? AND (created_at,id)<(?,?))",
    );
    const users = listUsersQuery(ACME, {}, cursor, 21);
    expect(users.sql).toMatch(/ limit 21$/);
    const userPlan = await plan(users);
    expectIndexed(userPlan);
    expect(userPlan.join("\n")).toMatch(
      /USING (COVERING )?INDEX users_org_created_idx \(organization_id=\? AND \(created_at,id\)<\(\?,\?\)\)/,
    );
  });

  it("GET conversation (one statement): the conversation and its customer by (organization, id), messages through (conversation, created_at, id) in order", async () => {
    const conversationPlan = await plan(conversationDocumentQuery(ACME, DOCS_CONVERSATION));
    expectIndexed(conversationPlan);
    for (const [table, index] of [
      ["conversations", "conversations"],
      ["contacts", "contacts"],
    ]) {
      expect(conversationPlan.join("\n")).toContain(
        `SEARCH ${table} USING INDEX ${index}_org_id_uq (organization_id=? AND id=?)`,
      );
    }
    expect(conversationPlan.join("\n")).toMatch(
      /SEARCH messages USING INDEX messages_conversation_created_idx \(conversation_id=\?\)/,
    );
  });

  it("GET contact, user, webhook endpoint (one statement each): one row by key", async () => {
    for (const [query, table] of [
      [contactDocumentQuery(ACME, JANE), "contacts"],
      [userDocumentQuery(ACME, ALICE), "users"],
      [webhookDocumentQuery(ACME, "6790a0b0c0d0e0f0a0b0c0d0"), "webhook_endpoints"],
    ] as const) {
      const lines = await plan(query);
      expectIndexed(lines);
      expect(lines, lines.join(" | ")).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^SEARCH ${table} USING INDEX \\S+ \\((organization_id=\\? AND )?id=\\?\\)$`),
      );
    }
  });

  it("API key lookup through the unique hash index", async () => {
    const lines = await plan(selectActiveKeyByHash(db, "0".repeat(64)).toSQL());
    expectIndexed(lines);
    expect(lines.join("\n")).toMatch(/USING INDEX api_keys_hash_uq \(key_hash=\?\)/);
  });

  it("login: users through the email index, failure windows by key, pruning by window", async () => {
    for (const organizationId of [undefined, ACME]) {
      const [users, windows, prune] = loginQueries(
        db,
        "alice@example.com",
        organizationId,
        ["a".repeat(64), "b".repeat(64)],
        Date.now() - 60_000,
      );
      for (const query of [users, windows, prune]) expectIndexed(await plan(query as never));
      expect((await plan(users as never)).join("\n")).toMatch(
        /USING INDEX users_(email_org_idx|org_email_uq)/,
      );
      expect((await plan(windows as never)).join("\n")).toMatch(
        /login_failures.*USING INDEX sqlite_autoindex_login_failures_1/,
      );
      expect((await plan(prune as never)).join("\n")).toMatch(
        /USING INDEX login_failures_window_idx/,
      );
    }
  });

  it("webhooks: the outbox's listener lookup, the sweep, the deliveries page, the pruning", async () => {
    // Riding in every announcing write: the event's insert, or the trip of a batch that leaves
    // it out. Each asks the listeners by their primary key, not each endpoint's `events`; the one
    // scan is of the types asked about (a JSON array of one, or the few a batch left out).
    const outboxPlan = await plan(
      new Outbox().event(db, ACME, "conversation.created", "{}").toSQL(),
    );
    const tripPlan = await plan(
      listenerTrip({ organizationId: ACME, types: JSON.stringify(["conversation.created"]) }),
    );
    for (const lines of [outboxPlan, tripPlan]) {
      const scans = lines.filter((l) => l.startsWith("SCAN") && l !== "SCAN CONSTANT ROW");
      expect(scans).toEqual(["SCAN t VIRTUAL TABLE INDEX 1:"]);
      expect(lines.join("\n")).toMatch(
        /SEARCH webhook_listeners USING PRIMARY KEY \(organization_id=\? AND type=\?\)/,
      );
    }
    expect(outboxPlan.join("\n")).toMatch(
      /SEARCH organizations USING (COVERING )?INDEX .* \(id=\?\)/,
    );
    const stranded = await plan(strandedEventsQuery(db, Date.now()).toSQL());
    expectIndexed(stranded);
    expect(stranded.join("\n")).toMatch(
      /webhook_events USING (COVERING )?INDEX webhook_events_unqueued_idx/,
    );
    const page = await plan(
      deliveryPageQuery(ACME, "6790a0b0c0d0e0f0a0b0c0d0", { createdAt: 1, id: "x" }, 21),
    );
    expectIndexed(page);
    expect(page.join("\n")).toMatch(/webhook_deliveries_endpoint_created_idx/);
    for (const statement of pruneStatements(db, Date.now())) {
      const lines = await plan(statement.toSQL());
      expectIndexed(lines);
      expect(lines.join("\n")).toMatch(/webhook_(deliveries|events)_created_idx/);
    }
  });

  it("the check itself fails on a full scan", async () => {
    const lines = await plan({
      sql: "select * from messages where message like ?",
      params: ["%x%"],
    });
    expect(() => expectIndexed(lines)).toThrow();
  });
});

describe("training snapshot writes and export", () => {
  it("export page: snapshots through the list index, copies through their primary key", async () => {
    for (const filters of [{ isArchived: false }, { isArchived: false, tag: ["sales"] }]) {
      for (const doc of ["export", "jsonl"] as const) {
        const page = listSnapshotsQuery(ACME, filters, { createdAt: 1, id: "a" }, 25, doc);
        const lines = await plan(page);
        expectIndexed(lines);
        expect(lines.join("\n")).toMatch(
          /SEARCH training_snapshot_messages USING INDEX sqlite_autoindex_training_snapshot_messages_1 \(snapshot_id=\?\)/,
        );
      }
    }
  });

  it("capture: conversations through the contact index, messages through the conversation index", async () => {
    for (const source of [
      { contactId: JANE },
      { contactId: JANE, conversationId: "67d0a0b0c0d0e0f0a0b0c0d0" },
      { contactId: JANE, messageIds: ["67e0a0b0c0d0e0f0a0b0c0d0"] },
    ]) {
      const lines = await plan(captureQueries(db, ACME, source));
      const text = lines.join("\n");
      expect(text, text).not.toMatch(/^SCAN (?!json_each)(?!.*USING (COVERING )?INDEX)/m);
      expect(text).toMatch(/SEARCH (conversations|messages) USING/);
      // Sorting one contact's messages (≤ 1,001 rows) across conversations is expected here.
    }
  });
});

describe("reviews", () => {
  it("a reviews page walks the partial index of reviews in order, whatever the filters", async () => {
    for (const filters of [
      {},
      { outcome: "edited" as const, agentId: "a" },
      { reviewedAfter: 1 },
    ]) {
      for (const shape of ["list", "export"] as const) {
        const page = reviewPageQuery(ACME, filters, { createdAt: 5, id: "m" }, 21, shape);
        const lines = await plan(page);
        expectIndexed(lines);
        expect(lines.join("\n")).toMatch(
          /SEARCH drafts USING INDEX drafts_org_reviewed_idx \(organization_id=\?/,
        );
      }
    }
  });

  it("stats read only the range, through (organization, drafted_at): never the whole history", async () => {
    const range = { from: 1, to: 2, groupBy: "day" as const };
    for (const group of ["day", "agent", "total"] as const) {
      const lines = await plan(new SQLiteSyncDialect().sqlToQuery(statsSql(ACME, range, group)));
      const text = lines.join("\n");
      expect(text, text).toMatch(
        /SEARCH drafts USING INDEX drafts_org_drafted_idx \(organization_id=\? AND drafted_at>\? AND drafted_at<\?\)/,
      );
      expect(text, text).not.toMatch(/SCAN drafts/);
    }
  });
});
