import { and, eq, type Placeholder, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { renderedOnce } from "../db/rendered-once";
import type { RequestDatabase } from "../db/request-database";
import {
  organizations,
  type WebhookEventType,
  webhookEndpoints,
  webhookEvents,
} from "../db/schema";
import type { Statement } from "../db/statement";
import { webhookListeners } from "../db/webhook-listeners";
import { findDatabaseError } from "../errors/database-error";
import { newObjectId } from "../util/ids";

/*
 * The transactional outbox. A change that announces an event adds `outbox.event(…)` to its own
 * batch: the event row is committed with the change or not at all. The statement writes nothing
 * when no enabled endpoint of the organization listens to the type (most writes of most
 * organizations), which it learns from one lookup of `webhook_listeners`' primary key inside its
 * own batch.
 * A batch run through `outbox.batch` tells the outbox which of its events were written (the
 * insert returns the row it wrote, if any). Once the request is answered, `announceEvents`
 * queues the events written, with nothing to look up, and nothing at all when none was; a crash
 * in between leaves `queued_at` null, and the scheduled sweep queues it later.
 *
 * An insert that writes nothing still costs its batch a statement, and D1 parses and plans the
 * whole document it would have written. So once an isolate has seen an organization's event of
 * a type written to nobody, the organization's next batches leave that insert out (`unheard`);
 * the batch's fence then also trips if an enabled endpoint of the organization listens to the type
 * (`listenerTrip`, read in the batch's own transaction). When it trips, nothing was written: the
 * isolate forgets what it believed and sends the batch again with the event. Either way the
 * guarantee holds: an event is committed with its change if an endpoint listens when the change
 * commits. Believing wrongly costs a round trip, never an event.
 */

export interface EventOptions {
  /** Only this endpoint receives it (a test ping), whatever it listens to. */
  endpointId?: string;
  /** A condition the statement also needs, e.g. `changes() > 0` after a guarded write. */
  when?: SQL;
  now?: number;
}

/** Ids are `evt_` + an ObjectId: sortable by time, and the `webhook-id` receivers dedupe on. */
export const newEventId = (now = Date.now()) => `evt_${newObjectId(now)}`;

/** An event the request recorded, and what its batch said of it. */
export interface RecordedEvent {
  id: string;
  organizationId: string;
  type: WebhookEventType;
  /** Addressed to one endpoint (a test ping), whatever it listens to: its insert always goes. */
  addressed?: boolean;
  /** Whether its batch committed (written or not); false when the outbox never saw the batch. */
  settled: boolean;
  written: boolean;
}

type Batch = readonly [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]];

/** The events one request may have written, to queue once it is answered. */
export class Outbox {
  readonly events: RecordedEvent[] = [];
  private readonly statements = new Map<unknown, RecordedEvent>();

  /**
   * `db.batch(statements)`, learning which of the outbox's events it wrote; an event's insert is
   * left out while nobody listens (see above), its result then empty.
   */
  async batch<T extends Batch>(db: RequestDatabase, statements: T): Promise<BatchResponse<T>> {
    const events = statements.flatMap((statement, i): [number, RecordedEvent][] => {
      const event = this.statements.get(statement);
      return event ? [[i, event]] : [];
    });
    const results = await sendLeavingOut(
      db,
      statements,
      events,
      async (sent) => (await db.batch(sent as unknown as T)) as unknown[],
    );
    return results as BatchResponse<T>;
  }

  /**
   * The insert of one event, `data` being JSON text (a bound value) or SQL that builds it in the
   * same statement (after the change, in the same transaction, so it shows the change).
   */
  event(
    db: Database,
    organizationId: string,
    type: WebhookEventType,
    data: string | SQL,
    options: EventOptions = {},
  ) {
    const now = options.now ?? Date.now();
    const event = this.newEvent(organizationId, type, now);
    // A test ping goes to the endpoint it names, listening or not: never left out.
    if (options.endpointId) event.addressed = true;
    const statement = eventInsert(db, {
      ...options,
      id: event.id,
      organizationId,
      type,
      data,
      now,
    });
    this.statements.set(statement, event);
    return statement;
  }

  /**
   * A new event of the request whose insert is rendered once (`eventInsert` with placeholders,
   * bound to this event's id): run its batch with `batchStatements`.
   */
  newEvent(organizationId: string, type: WebhookEventType, now: number): RecordedEvent {
    const event = { id: newEventId(now), organizationId, type, settled: false, written: false };
    this.events.push(event);
    return event;
  }

  /**
   * Rendered statements as one batch (`db.batchStatements`), learning which events it wrote:
   * `events` gives each event's statement by its position. An event's insert is left out while
   * nobody listens (see above), its rows then none.
   */
  batchStatements(
    db: RequestDatabase,
    statements: Statement[],
    events: [position: number, event: RecordedEvent][],
  ): Promise<Record<string, unknown>[][]> {
    return sendLeavingOut(db, statements, events, (sent) => db.batchStatements(sent));
  }
}

/**
 * What this isolate believes nobody listens to: an organization and an event type whose insert
 * wrote nothing the last time its batch ran here. At most `UNHEARD_LIMIT`, the oldest forgotten
 * first; forgetting only costs the next batch its insert.
 */
const UNHEARD_LIMIT = 10_000;
const unheard = new Set<string>();
const unheardKey = (event: RecordedEvent) => `${event.organizationId} ${event.type}`;

function learn(event: RecordedEvent) {
  const key = unheardKey(event);
  // An insert may also write nothing because its change did not happen (`when`): believing then
  // that nobody listens may be wrong, which the trip corrects.
  if (event.written) unheard.delete(key);
  else {
    if (unheard.size >= UNHEARD_LIMIT) unheard.delete(unheard.values().next().value as string);
    unheard.add(key);
  }
}

/**
 * The select that trips a batch's fence (`fenceWithTrip`) when an enabled endpoint of the
 * organization listens to one of `types` (a JSON array): the guard of the inserts left out.
 */
export const listenerTrip = renderedOnce(
  ["organizationId", "types"],
  (_db, p) =>
    sql`select ${p.organizationId}, 'listened' where ${listening(p.organizationId, p.types)}`,
);

/**
 * `send` the batch, leaving out the inserts of events this isolate believes nobody listens to,
 * guarded by the fence's trip; sent again whole if the trip fails it. Each event settles, the
 * isolate learns from those whose insert ran, and the results keep every statement's position.
 */
async function sendLeavingOut<S, R>(
  db: RequestDatabase,
  statements: readonly S[],
  events: [position: number, event: RecordedEvent][],
  send: (statements: S[]) => Promise<R[]>,
): Promise<R[]> {
  const left = events.filter(
    ([, event]) =>
      !event.addressed &&
      event.organizationId === db.organizationId &&
      unheard.has(unheardKey(event)),
  );
  if (left.length > 0) {
    const out = new Set(left.map(([position]) => position));
    db.tripNextWrite(
      listenerTrip({
        organizationId: db.organizationId,
        types: JSON.stringify(left.map(([, event]) => event.type)),
      }),
    );
    try {
      const sent = await send(statements.filter((_, i) => !out.has(i)));
      const results: R[] = [];
      for (let i = 0, next = 0; i < statements.length; i++) {
        results.push(out.has(i) ? ([] as R) : (sent[next++] as R));
      }
      settle(results, events, out);
      return results;
    } catch (error) {
      if (findDatabaseError(error)?.kind !== "listened") throw error;
      for (const [, event] of left) unheard.delete(unheardKey(event));
    }
  }
  const results = await send([...statements]);
  settle(results, events, new Set());
  return results;
}

/**
 * Each event of a committed batch: written or not. Learnt from when its insert ran and went to
 * the listeners of its type (a test ping's says nothing of them).
 */
function settle<R>(
  results: R[],
  events: [position: number, event: RecordedEvent][],
  out: Set<number>,
) {
  for (const [position, event] of events) {
    event.settled = true;
    event.written = ((results[position] as unknown[] | undefined)?.length ?? 0) > 0;
    if (!out.has(position) && !event.addressed) learn(event);
  }
}

/**
 * Whether an enabled endpoint of the organization listens to one of `types` (a JSON array):
 * lookups of `webhook_listeners`' primary key (webhook-listeners.ts), one per type (the cross
 * join keeps the types outside: SQLite would rather read all the organization's listeners), where
 * `receivers` reads every endpoint's `events`. Asked inside a write's batch; `receivers` gives
 * the endpoints themselves, to deliver to.
 */
const listening = (organizationId: Value<string>, types: Value<string>) => {
  const l = webhookListeners;
  return sql`exists (select 1 from json_each(${types}) as t cross join ${l} on ${l.organizationId} = ${organizationId} and ${l.type} = t.value)`;
};

/**
 * The endpoints an event of the organization goes to: enabled, and the one it names (a test
 * ping), or those listening to one of `types` (SQL of a parenthesised list, or a subquery), as
 * `webhook_listeners` says, the same rows `listening` asks.
 */
export const receivers = (
  organizationId: Value<string>,
  to: { endpointId: Value<string> } | { types: SQLWrapper },
) => {
  const e = webhookEndpoints;
  return and(
    eq(e.organizationId, organizationId),
    eq(e.enabled, true),
    "endpointId" in to
      ? eq(e.id, to.endpointId)
      : sql`exists (select 1 from ${webhookListeners} where ${webhookListeners.organizationId} = ${e.organizationId} and ${webhookListeners.type} in ${to.types} and ${webhookListeners.endpointId} = ${e.id})`,
  );
};

/** A value of the event's insert: bound as it is, or a placeholder of a statement rendered once. */
type Value<T> = T | Placeholder;

/**
 * The insert of one event: one row if the organization listens to the type (or the one endpoint
 * named is enabled), else none. It returns the row it wrote.
 */
export function eventInsert(
  db: Database,
  event: {
    id: Value<string>;
    organizationId: Value<string>;
    type: WebhookEventType;
    data: Value<string> | SQL;
    now: Value<number>;
    endpointId?: string | undefined;
    when?: SQL | undefined;
  },
) {
  const row = {
    id: sql<string>`${event.id}`.as("id"),
    organizationId: sql<string>`${event.organizationId}`.as("organization_id"),
    type: sql<string>`${event.type}`.as("type"),
    data: sql<string>`${event.data}`.as("data"),
    endpointId: sql<string | null>`${event.endpointId ?? null}`.as("endpoint_id"),
    createdAt: sql<number>`${event.now}`.as("created_at"),
    queuedAt: sql<null>`null`.as("queued_at"),
  };
  // One row at most: the endpoint named, or the organization's own row if it listens.
  const source = event.endpointId
    ? db
        .select(row)
        .from(webhookEndpoints)
        .where(and(receivers(event.organizationId, { endpointId: event.endpointId }), event.when))
    : db
        .select(row)
        .from(organizations)
        .where(
          and(
            eq(organizations.id, event.organizationId),
            listening(event.organizationId, JSON.stringify([event.type])),
            event.when,
          ),
        );
  return db.insert(webhookEvents).select(source).returning({ id: webhookEvents.id });
}
