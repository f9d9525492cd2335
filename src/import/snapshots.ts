import { sql } from "drizzle-orm";
import type { Database } from "../platform/db/client";
import { trainingSnapshots } from "../platform/db/schema";
import { OBJECT_ID_PATTERN } from "../platform/util/ids";
import {
  contactFromCustomer,
  customerContactInserts,
  linkedContactOfRow,
} from "../surfaces/conversations-api/conversations/conversations.ingest";
import {
  type NewSnapshotMessage,
  type SnapshotInsert,
  snapshotInserts,
} from "../surfaces/training-api/snapshots/snapshots.repository";
import {
  type ExportItemInput,
  ExportItemInputSchema,
} from "../surfaces/training-api/snapshots/snapshots.schemas";
import { repeatReason } from "./conversations";
import type { Frame } from "./frames";
import {
  jsonList,
  type Outcome,
  type PlannedWrite,
  parseRecords,
  stableId,
  writeRecords,
} from "./records";

/*
 * A Tether file: the Training API's export document. Each item becomes a contact (matched by
 * phone, then email, else new, as ingestion links customers) and a snapshot with the item's
 * messages, tags and quality, written by the statements the API's capture uses
 * (`snapshotInserts`). A snapshot the organization holds already is left exactly as it is.
 *
 * The snapshot keeps the item's id when it is a 24-hex id that no other organization holds.
 * Nothing references a snapshot's id from outside, so when another organization holds it the
 * snapshot takes an id derived from the workspace and the original: the same file imported
 * again finds it there (unchanged), and one export can be copied into several workspaces.
 */

interface Candidate {
  position: number;
  item: ExportItemInput;
  /** The item's own id when it is a 24-hex id, else `derived`. */
  own: string;
  /** Derived from the workspace and the item's id. */
  derived: string;
}

/** The snapshot row, its copies and its contact, as a capture would have written them. */
async function planSnapshot(
  organizationId: string,
  item: ExportItemInput,
  id: string,
  now: number,
) {
  const { name, phone, email } = item.customer;
  const contact = contactFromCustomer(
    { name, phone, email },
    await stableId(organizationId, "contact", phone ?? email ?? id),
    now,
  );
  const copies: NewSnapshotMessage[] = await Promise.all(
    item.conversation.map(async (m, position) => ({
      snapshotId: id,
      position,
      organizationId,
      messageId: await stableId(id, "message", String(position)),
      content: m.content,
      sender: m.role === "assistant" ? ("user" as const) : ("contact" as const),
      senderType: m.role === "assistant" ? m.senderType : ("human" as const),
      timestamp: m.timestamp,
    })),
  );
  const times = item.conversation.map((m) => m.timestamp);
  const snapshot: SnapshotInsert = {
    id,
    organizationId,
    userId: null,
    contactId: null,
    conversationId: null,
    customerName: name?.trim() || null,
    customerPhone: phone ?? null,
    customerEmail: email ?? null,
    messageCount: copies.length,
    snapshotDate: now,
    conversationStartDate: times.length > 0 ? Math.min(...times) : null,
    conversationEndDate: times.length > 0 ? Math.max(...times) : null,
    notes: null,
    tags: item.metadata.tags ?? [],
    quality: item.metadata.quality ?? null,
    category: null,
    isArchived: false,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  return { contact, snapshot, copies };
}

type SnapshotPlan = Awaited<ReturnType<typeof planSnapshot>>;

/**
 * The customers' contacts unless the organization has them (by phone, then email), then the
 * snapshots linked to them: the contacts as ingestion makes them, the snapshots as a capture does.
 */
function snapshotStatements(db: Database, organizationId: string, plans: SnapshotPlan[]) {
  return [
    ...customerContactInserts(
      db,
      organizationId,
      plans.map((p) => p.contact),
    ),
    ...snapshotInserts(
      db,
      plans.map(({ snapshot, copies, contact }) => ({
        snapshot: { ...snapshot, contact },
        copies,
      })),
      linkedContactOfRow(organizationId),
    ),
  ];
}

/** The records of one batch, in file order: each created, unchanged, taken or rejected. */
export async function importSnapshots(
  db: Database,
  organizationId: string,
  records: Frame[],
  now: number,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const candidates: Candidate[] = await Promise.all(
    parseRecords(records, ExportItemInputSchema, outcomes).map(async ({ position, value }) => {
      const derived = await stableId(organizationId, "snapshot", value.id);
      const own = OBJECT_ID_PATTERN.test(value.id) ? value.id.toLowerCase() : derived;
      return { position, item: value, own, derived };
    }),
  );
  if (candidates.length === 0) return outcomes;

  const held = new Map(
    (
      await db
        .select({ id: trainingSnapshots.id, organizationId: trainingSnapshots.organizationId })
        .from(trainingSnapshots)
        .where(
          sql`${trainingSnapshots.id} in (select value from json_each(${jsonList(candidates.flatMap((c) => [c.own, c.derived]))}))`,
        )
    ).map((r) => [r.id, r.organizationId]),
  );
  const firstWith = new Map<string, number>();
  const writes: PlannedWrite<SnapshotPlan>[] = [];
  for (const { position, item, own, derived } of candidates) {
    const key = item.id;
    const repeated = firstWith.get(key);
    if (repeated !== undefined) {
      outcomes.push({ position, status: "rejected", key, reason: repeatReason(key, repeated) });
      continue;
    }
    firstWith.set(key, position);
    // The item's own id, unless another organization holds it.
    const id = held.get(own) === undefined || held.get(own) === organizationId ? own : derived;
    const from = id === own ? undefined : item.id;
    if (held.get(id) === organizationId) {
      outcomes.push({ position, status: "unchanged", key, id, ...(from ? { from } : {}) });
      continue;
    }
    if (held.get(id) !== undefined) {
      outcomes.push({
        position,
        status: "taken",
        key,
        reason: `snapshot ${id} is held by another organization`,
      });
      continue;
    }
    const plan = await planSnapshot(organizationId, item, id, now);
    writes.push({
      plan,
      outcome: {
        position,
        status: "created",
        key,
        id,
        rows: 1 + plan.copies.length + plan.snapshot.tags.length,
        ...(from ? { from } : {}),
      },
    });
  }
  outcomes.push(
    ...(await writeRecords(db, writes, (plans) => snapshotStatements(db, organizationId, plans))),
  );
  return outcomes.sort((a, b) => a.position - b.position);
}
