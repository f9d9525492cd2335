/**
 * From a vendor's record to SQL statements for `wrangler d1 execute --file`: validated with the
 * API's own schemas, planned with the API's own ingestion code, written so that running the same
 * file again changes nothing (stable ids, INSERT OR IGNORE, contacts matched by phone then email).
 */
import { createHash } from "node:crypto";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import "../../src/platform/errors/zod-messages";
import type { FieldIssue } from "../../src/platform/errors/api-error";
import { issuesFromZod, malformedTextIssues } from "../../src/platform/errors/validation";
import {
  type ContactRow,
  contactNameOf,
  linkedContact,
  type PlannedConversation,
  planConversation,
} from "../../src/surfaces/conversations/conversations/conversations.ingest";
import { CreateConversationBodySchema } from "../../src/surfaces/conversations/conversations/conversations.schemas";
import { ExportItemInputSchema } from "../../src/surfaces/training/snapshots/snapshots.schemas";
import { literal } from "../seed/sql";

export type Format = "trillet" | "tether";

/** 24 hex digits from a hash of the parts: the same record gets the same ids on every run. */
export const stableId = (...parts: string[]) =>
  createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 24);

const OBJECT_ID = /^[0-9a-f]{24}$/i;

export interface Rejection {
  position: number;
  reason: string;
}

export interface SnapshotPlan {
  contact: ContactRow;
  snapshot: Record<string, unknown> & { id: string; createdAt: number; isArchived: boolean };
  copies: Record<string, unknown>[];
  tags: string[];
}

export type Planned =
  | { kind: "conversation"; plan: PlannedConversation; rows: number }
  | { kind: "snapshot"; plan: SnapshotPlan; rows: number };

function reason(error: Parameters<typeof issuesFromZod>[1] | FieldIssue[]): string {
  const [first, ...rest] = Array.isArray(error) ? error : issuesFromZod("record", error);
  const more = rest.length > 0 ? ` (and ${rest.length} more)` : "";
  return first ? `${first.field} ${first.message} [${first.rule}]${more}` : "invalid";
}

/** One record of a Trillet file: a conversation in the GET-by-id shape, its ids kept. */
function planTrillet(
  value: unknown,
  organizationId: string,
  text: string,
  now: number,
): Planned | string {
  const parsed = CreateConversationBodySchema.safeParse(value);
  if (!parsed.success) return reason(parsed.error);
  const body = parsed.data;
  const conversationId = body._id ?? stableId(organizationId, "conversation", text);
  const customer = body.customer;
  const plan = planConversation(
    body,
    {
      conversation: conversationId,
      contact: stableId(
        organizationId,
        "contact",
        customer.phone ?? customer.email ?? conversationId,
      ),
      message: (i) => stableId(conversationId, "message", String(i)),
    },
    now,
  );
  return { kind: "conversation", plan, rows: 2 + plan.messages.length };
}

/** One item of a Tether export: a contact (matched by phone, then email) and a snapshot. */
function planTether(value: unknown, organizationId: string, exportDate: number): Planned | string {
  const parsed = ExportItemInputSchema.safeParse(value);
  if (!parsed.success) return reason(parsed.error);
  const item = parsed.data;
  const id = OBJECT_ID.test(item.id)
    ? item.id.toLowerCase()
    : stableId(organizationId, "snapshot", item.id);
  const { name, phone, email } = item.customer;
  const copies = item.conversation.map((m, position) => ({
    snapshot_id: id,
    position,
    organization_id: organizationId,
    message_id: stableId(id, "message", String(position)),
    content: m.content,
    sender: m.role === "assistant" ? "user" : "contact",
    sender_type: m.role === "assistant" ? m.senderType : "human",
    timestamp: m.timestamp,
  }));
  const times = item.conversation.map((m) => m.timestamp);
  return {
    kind: "snapshot",
    rows: 2 + copies.length + (item.metadata.tags?.length ?? 0),
    plan: {
      contact: {
        id: stableId(organizationId, "contact", phone ?? email ?? id),
        ...contactNameOf(item.customer),
        phoneNumber: phone ?? null,
        email: email ?? null,
        channelType: phone ? "sms" : email ? "email" : "webchat",
        createdAt: exportDate,
        updatedAt: exportDate,
      },
      snapshot: {
        id,
        customer_name: name?.trim() || null,
        customer_phone: phone ?? null,
        customer_email: email ?? null,
        message_count: copies.length,
        snapshot_date: exportDate,
        conversation_start_date: times.length ? Math.min(...times) : null,
        conversation_end_date: times.length ? Math.max(...times) : null,
        tags: JSON.stringify(item.metadata.tags ?? []),
        quality: item.metadata.quality ?? null,
        createdAt: exportDate,
        isArchived: false,
      },
      copies,
      tags: item.metadata.tags ?? [],
    },
  };
}

export function planRecord(
  format: Format,
  text: string,
  organizationId: string,
  now: number,
): Planned | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not valid JSON";
  }
  // As for an API body: a lone surrogate escaped in the JSON would be stored as U+FFFD.
  const malformed = malformedTextIssues("record", value);
  if (malformed.length > 0) return reason(malformed);
  return format === "trillet"
    ? planTrillet(value, organizationId, text, now)
    : planTether(value, organizationId, now);
}

/* ---- SQL ---- */

/** D1 refuses statements over 100 KB; these stay well under. */
const MAX_STATEMENT_BYTES = 90_000;
const dialect = new SQLiteSyncDialect();

/** Drizzle's SQL with its parameters written in as literals (the file has no bound values). */
function inline(query: { sql: string; params: unknown[] }): string {
  let i = 0;
  let quote: string | undefined;
  let out = "";
  for (const ch of query.sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === "?") {
      out += literal(query.params[i++] as string | number | null);
    } else out += ch;
  }
  return out;
}

const sqlText = (fragment: Parameters<typeof dialect.sqlToQuery>[0]) =>
  inline(dialect.sqlToQuery(fragment));

/** Multi-row statements of `head` + rows, each under the size limit. */
function chunked(head: string, rows: string[], tail = ""): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  let size = head.length + tail.length;
  for (const row of rows) {
    if (current.length > 0 && size + row.length + 2 > MAX_STATEMENT_BYTES) {
      statements.push(`${head}${current.join(",\n")}${tail};`);
      current = [];
      size = head.length + tail.length;
    }
    current.push(row);
    size += row.length + 2;
  }
  if (current.length > 0) statements.push(`${head}${current.join(",\n")}${tail};`);
  return statements;
}

const tuple = (values: unknown[]) =>
  `(${values.map((v) => literal(v as string | number | null)).join(", ")})`;

/** Guarded multi-row insert: only rows whose parent (`column`) is of the organization. */
const guarded = (table: string, columns: string[]) =>
  `insert or ignore into "${table}" (${columns.map((c) => `"${c}"`).join(", ")})
select ${columns.map((_, i) => `v.column${i + 1}`).join(", ")} from (values\n`;

function guardTail(parent: string, idColumn: number, orgColumn: number) {
  return `\n) as v where exists (select 1 from "${parent}" p where p."id" = v.column${idColumn} and p."organization_id" = v.column${orgColumn})`;
}

/**
 * Ids of the chunk that another organization holds (`taken_id` rows): ids are unique across
 * organizations, so those records were not imported, and the summary must say so rather than
 * count them as already there.
 */
function takenElsewhere(table: string, organizationId: string, ids: string[]): string[] {
  return chunked(
    `select "id" as "taken_id" from "${table}" where "organization_id" <> ${literal(organizationId)} and "id" in (`,
    ids.map((id) => literal(id)),
    ")",
  );
}

const CONTACT_COLUMNS = [
  "id",
  "organization_id",
  "first_name",
  "last_name",
  "phone_number",
  "email",
  "channel_type",
  "created_at",
  "updated_at",
];
const contactRow = (organizationId: string, c: ContactRow) =>
  tuple([
    c.id,
    organizationId,
    c.firstName,
    c.lastName ?? null,
    c.phoneNumber ?? null,
    c.email ?? null,
    c.channelType,
    c.createdAt,
    c.updatedAt,
  ]);

/**
 * The statements of a chunk of planned records, in order: contacts (none made where one
 * matches by phone or email), then conversations or snapshots (`select changes()` after each
 * statement counts what was new), then their messages, guarded so nothing lands under a parent
 * of another organization.
 */
export function chunkStatements(organizationId: string, planned: Planned[]): string[] {
  const statements: string[] = [];
  statements.push(
    ...chunked(
      `insert into "contacts" (${CONTACT_COLUMNS.map((c) => `"${c}"`).join(", ")}) values\n`,
      planned.map((p) => contactRow(organizationId, p.plan.contact)),
      "\non conflict do nothing",
    ),
  );
  const conversations = planned.flatMap((p) => (p.kind === "conversation" ? [p.plan] : []));
  if (conversations.length > 0) {
    const rows = conversations.map((p) => {
      const c = p.conversation;
      const user = c.userId
        ? `(select "id" from "users" where "organization_id" = ${literal(organizationId)} and "id" = ${literal(c.userId)})`
        : "null";
      return `(${literal(c.id)}, ${literal(organizationId)}, ${sqlText(linkedContact(organizationId, p.contact))}, ${user}, ${literal(c.pathwayId ?? null)}, ${literal(c.agentId ?? null)}, ${c.createdAt}, ${c.updatedAt})`;
    });
    for (const statement of chunked(
      `insert or ignore into "conversations" ("id", "organization_id", "contact_id", "user_id", "pathway_id", "agent_id", "created_at", "updated_at") values\n`,
      rows,
    )) {
      statements.push(statement, "select changes() as created;");
    }
    statements.push(
      ...takenElsewhere(
        "conversations",
        organizationId,
        conversations.map((p) => p.conversation.id),
      ),
    );
    const columns = [
      "id",
      "organization_id",
      "conversation_id",
      "direction",
      "sender_type",
      "sent",
      "message",
      "status",
      "created_at",
      "updated_at",
    ];
    const messageRows = conversations.flatMap((p) =>
      p.messages.map((m) =>
        tuple([
          m.id,
          organizationId,
          p.conversation.id,
          m.direction,
          m.senderType,
          m.sent ? 1 : 0,
          m.message,
          m.status,
          m.createdAt,
          m.updatedAt,
        ]),
      ),
    );
    statements.push(
      ...chunked(guarded("messages", columns), messageRows, guardTail("conversations", 3, 2)),
    );
  }
  const snapshots = planned.flatMap((p) => (p.kind === "snapshot" ? [p.plan] : []));
  if (snapshots.length > 0) {
    const rows = snapshots.map((p) => {
      const s = p.snapshot;
      return `(${[
        literal(s.id),
        literal(organizationId),
        sqlText(linkedContact(organizationId, p.contact)),
        literal(s.customer_name as string | null),
        literal(s.customer_phone as string | null),
        literal(s.customer_email as string | null),
        s.message_count,
        s.snapshot_date,
        literal(s.conversation_start_date as number | null),
        literal(s.conversation_end_date as number | null),
        literal(s.tags as string),
        literal(s.quality as string | null),
        s.createdAt,
        s.createdAt,
      ].join(", ")})`;
    });
    for (const statement of chunked(
      `insert or ignore into "training_snapshots" ("id", "organization_id", "contact_id", "customer_name", "customer_phone", "customer_email", "message_count", "snapshot_date", "conversation_start_date", "conversation_end_date", "tags", "quality", "created_at", "updated_at") values\n`,
      rows,
    )) {
      statements.push(statement, "select changes() as created;");
    }
    statements.push(
      ...takenElsewhere(
        "training_snapshots",
        organizationId,
        snapshots.map((p) => String(p.snapshot.id)),
      ),
    );
    const copyColumns = [
      "snapshot_id",
      "position",
      "organization_id",
      "message_id",
      "content",
      "sender",
      "sender_type",
      "timestamp",
    ];
    statements.push(
      ...chunked(
        guarded("training_snapshot_messages", copyColumns),
        snapshots.flatMap((p) => p.copies.map((c) => tuple(copyColumns.map((k) => c[k])))),
        guardTail("training_snapshots", 1, 3),
      ),
    );
    const tagColumns = ["snapshot_id", "tag", "organization_id", "is_archived", "created_at"];
    statements.push(
      ...chunked(
        guarded("training_snapshot_tags", tagColumns),
        snapshots.flatMap((p) =>
          p.tags.map((tag) => tuple([p.snapshot.id, tag, organizationId, 0, p.snapshot.createdAt])),
        ),
        guardTail("training_snapshots", 1, 3),
      ),
    );
  }
  return statements;
}
