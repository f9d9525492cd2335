import { and, eq, isNotNull, isNull, lte, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../platform/db/client";
import { unfenced } from "../../../platform/db/fences";
import {
  apiKeys,
  conversations,
  draftRevisions,
  drafts,
  messages,
  users,
} from "../../../platform/db/schema";
import { editDistance } from "../../../platform/util/edit-distance";

/*
 * The history of AI drafts: the statements that keep it, each added to the batch of the write it
 * records (the message's insert, an action), so a draft and its history commit together, in the
 * same round trip. A draft is an outbound message written `pending`; its history is `Draft`,
 * each `Edit`, then `Approve` or `Reject` (`drafts` holds the summary the reviews are read from,
 * `draft_revisions` the steps).
 */

/**
 * Who takes a step: the request's API key or user (its name is read, and kept, as it is now). The
 * id may be the placeholder of a statement rendered once.
 */
export type Actor = { type: "apiKey" | "user"; id: string | Placeholder } | null;

/** What produced a draft, as the client said. */
export interface DraftOrigin {
  messageId: string;
  model?: string | undefined;
  promptVersion?: string | undefined;
}

/** Whether a message is a draft: written outbound and pending, awaiting a person's review. */
export const isDraft = (message: { direction: string; status: string }) =>
  message.direction === "outbound" && message.status === "pending";

const actorName = (actor: Actor): SQL =>
  actor === null
    ? sql`null`
    : actor.type === "apiKey"
      ? sql`(select ${apiKeys.name} from ${apiKeys} where ${apiKeys.id} = ${actor.id})`
      : sql`(select ${users.firstName} || coalesce(' ' || ${users.lastName}, '') from ${users} where ${users.id} = ${actor.id})`;

const actorColumns = (actor: Actor) => ({
  actorType: sql<string | null>`${actor?.type ?? null}`.as("actor_type"),
  actorId: sql<string | null>`${actor?.id ?? null}`.as("actor_id"),
  actorName: sql<string | null>`${actorName(actor)}`.as("actor_name"),
});

/** The origins as the one JSON array the draft statements read. */
export const originsJson = (list: DraftOrigin[]) =>
  JSON.stringify(list.map((o) => [o.messageId, o.model ?? null, o.promptVersion ?? null]));

/** `json_each` over the origins bound as one JSON array (`originsJson`, or its placeholder). */
const origins = (list: DraftOrigin[] | string | Placeholder) =>
  sql`json_each(${Array.isArray(list) ? originsJson(list) : list}) as ${sql.identifier("o")}`;
const origin = (i: 0 | 1 | 2) => sql`json_extract(${sql.identifier("o")}.value, ${`$[${i}]`})`;

const m = messages;
const c = conversations;
const d = drafts;

/**
 * A `drafts` row selected from a message `m` joined with its conversation `c`: a draft not
 * reviewed yet, with what produced it and the AI's text (each SQL over the row).
 */
const draftRow = (model: SQL, promptVersion: SQL, draft: SQL | typeof m.message) => ({
  messageId: m.id,
  organizationId: m.organizationId,
  conversationId: m.conversationId,
  agentId: c.agentId,
  pathwayId: c.pathwayId,
  model: sql<string | null>`${model}`.as("model"),
  promptVersion: sql<string | null>`${promptVersion}`.as("prompt_version"),
  draft: sql<string | null>`${draft}`.as("draft"),
  final: sql<null>`null`.as("final"),
  outcome: sql<null>`null`.as("outcome"),
  reason: sql<null>`null`.as("reason"),
  draftedAt: m.createdAt,
  reviewedAt: sql<null>`null`.as("reviewed_at"),
  reviewMs: sql<null>`null`.as("review_ms"),
  editDistance: sql<null>`null`.as("edit_distance"),
});

/** A draft's first step, `Draft`, selected from its `drafts` row: the AI's text, at its time. */
const draftStep = (actor: Actor) => ({
  messageId: d.messageId,
  revision: sql<number>`0`.as("revision"),
  organizationId: d.organizationId,
  action: sql<string>`'Draft'`.as("action"),
  message: d.draft,
  ...actorColumns(actor),
  createdAt: d.draftedAt,
});

/** Still a draft: outbound and pending (what an action may act on). */
const isPendingDraft = and(eq(m.direction, "outbound"), eq(m.status, "pending"));

/**
 * The drafts among just-written messages (those outbound and pending), each with its `Draft`
 * step (at the message's time, by `actor`): two statements for any number. Messages that are not drafts, or already have a history,
 * are left alone.
 */
export function draftInserts(
  db: Database,
  organizationId: string | Placeholder,
  /** The origins, or their JSON (`originsJson`), or its placeholder. */
  list: DraftOrigin[] | string | Placeholder,
  actor: Actor,
) {
  if (Array.isArray(list) && list.length === 0) return [];
  return [
    db
      .insert(d)
      .select(
        db
          .select(draftRow(origin(1), origin(2), m.message))
          .from(origins(list))
          .innerJoin(m, and(eq(m.id, origin(0)), eq(m.organizationId, organizationId)))
          .innerJoin(c, and(eq(c.id, m.conversationId), eq(c.organizationId, m.organizationId)))
          .where(isPendingDraft),
      )
      .onConflictDoNothing(),
    db
      .insert(draftRevisions)
      .select(
        db
          .select(draftStep(actor))
          .from(origins(list))
          .innerJoin(d, and(eq(d.messageId, origin(0)), eq(d.organizationId, organizationId))),
      )
      .onConflictDoNothing(),
  ];
}

/** A step of review: its action, the text after it (an Edit's), why (a Reject's), by whom. */
export interface ReviewStep {
  action: "Edit" | "Approve" | "Reject";
  editedMessage?: string;
  reason?: string | undefined;
  actor: Actor;
  now: number;
}

/**
 * The statements that record one action on a draft, to go in its batch *before* the message is
 * changed: each selects the message as it is then and writes only if it is still a pending
 * outbound message of this conversation (what the action's own update requires), so they record
 * exactly the actions that apply.
 *
 * A draft written before history was kept gets its row first, its `Draft` step holding the
 * message's text if it was never edited (still at its creation time), else null.
 */
export function reviewStepStatements(
  db: Database,
  organizationId: string,
  conversationId: string,
  messageId: string,
  step: ReviewStep,
) {
  const theDraft = and(
    eq(m.id, messageId),
    eq(m.organizationId, organizationId),
    eq(m.conversationId, conversationId),
    isPendingDraft,
  );
  const textAfter =
    step.action === "Edit"
      ? sql`${step.editedMessage ?? ""}`
      : step.action === "Approve"
        ? sql`${m.message}`
        : sql`null`;
  const nextRevision = sql`(select coalesce(max(${draftRevisions.revision}), -1) + 1 from ${draftRevisions} where ${draftRevisions.messageId} = ${messageId})`;
  const statements = [
    db
      .insert(d)
      .select(
        db
          .select(
            draftRow(
              sql`null`,
              sql`null`,
              sql`case when ${m.updatedAt} = ${m.createdAt} then ${m.message} end`,
            ),
          )
          .from(m)
          .innerJoin(c, and(eq(c.id, m.conversationId), eq(c.organizationId, m.organizationId)))
          .where(theDraft),
      )
      .onConflictDoNothing(),
    db
      .insert(draftRevisions)
      .select(
        db.select(draftStep(null)).from(d).innerJoin(m, eq(m.id, d.messageId)).where(theDraft),
      )
      .onConflictDoNothing(),
    db.insert(draftRevisions).select(
      db
        .select({
          messageId: m.id,
          revision: sql<number>`${nextRevision}`.as("revision"),
          organizationId: m.organizationId,
          action: sql<string>`${step.action}`.as("action"),
          message: sql<string | null>`${textAfter}`.as("message"),
          ...actorColumns(step.actor),
          createdAt: sql<number>`${step.now}`.as("created_at"),
        })
        .from(m)
        .where(theDraft),
    ),
  ];
  if (step.action === "Edit") return statements;
  // The verdict: approved when the text sent is the AI's own, else edited; or rejected.
  const outcome =
    step.action === "Reject"
      ? sql`'rejected'`
      : sql`case when ${d.draft} = ${m.message} then 'approved' else 'edited' end`;
  return [
    ...statements,
    db
      .update(d)
      .set({
        outcome: sql`(select ${outcome} from ${m} where ${theDraft})`,
        final:
          step.action === "Approve" ? sql`(select ${m.message} from ${m} where ${theDraft})` : null,
        reason: step.action === "Reject" ? (step.reason ?? null) : null,
        reviewedAt: step.now,
        reviewMs: sql`max(${step.now} - ${d.draftedAt}, 0)`,
        editDistance:
          step.action === "Approve"
            ? sql`(select case when ${d.draft} = ${m.message} then 0 end from ${m} where ${theDraft})`
            : null,
      })
      .where(
        and(
          eq(d.messageId, messageId),
          eq(d.organizationId, organizationId),
          sql`exists (select 1 from ${m} where ${theDraft})`,
        ),
      ),
  ];
}

/** The draft's review as the action left it: what the Worker needs to finish it (the distance). */
export const selectReview = (db: Database, organizationId: string, messageId: string) =>
  db
    .select({
      outcome: d.outcome,
      draft: d.draft,
      final: d.final,
      editDistance: d.editDistance,
    })
    .from(d)
    .where(and(eq(d.messageId, messageId), eq(d.organizationId, organizationId)));

/** Stores an edited draft's distance, unless something already did (the sweep, a retry). */
export const storeEditDistance = (
  db: Database,
  organizationId: string,
  messageId: string,
  review: { draft: string | null; final: string | null },
) =>
  review.draft === null || review.final === null
    ? Promise.resolve()
    : db
        .update(d)
        .set({ editDistance: editDistance(review.draft, review.final) })
        .where(
          and(
            eq(d.messageId, messageId),
            eq(d.organizationId, organizationId),
            isNull(d.editDistance),
          ),
        );

/** Reviews whose request stopped before it stored the distance, a minute or more ago. */
const DISTANCE_GRACE_MS = 60_000;
const DISTANCES_PER_RUN = 200;

/**
 * The scheduled sweep's part for reviews: edited drafts left without a distance (through their
 * partial index), computed and stored in one batch. How many it stored.
 */
export async function storeMissingDistances(db: Database, now = Date.now()): Promise<number> {
  const missing = await db
    .select({ messageId: d.messageId, draft: d.draft, final: d.final })
    .from(d)
    .where(
      and(
        eq(d.outcome, "edited"),
        isNull(d.editDistance),
        isNotNull(d.draft),
        lte(d.reviewedAt, now - DISTANCE_GRACE_MS),
        unfenced(d.organizationId),
      ),
    )
    .orderBy(d.reviewedAt)
    .limit(DISTANCES_PER_RUN);
  const updates = missing.flatMap(({ messageId, draft, final }) =>
    draft === null || final === null
      ? []
      : [
          db
            .update(d)
            .set({ editDistance: editDistance(draft, final) })
            .where(
              and(eq(d.messageId, messageId), isNull(d.editDistance), unfenced(d.organizationId)),
            ),
        ],
  );
  const [first, ...rest] = updates;
  if (first) await db.batch([first, ...rest]);
  return updates.length;
}
