import { and, eq, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import type { RequestDatabase } from "../db/request-database";
import { type WebhookEventType, webhookEndpoints, webhookEvents } from "../db/schema";
import type { Statement } from "../db/statement";
import { newObjectId } from "../util/ids";

/*
 * The transactional outbox. A change that announces an event adds `outbox.event(…)` to its own
 * batch: the event row is committed with the change or not at all. The statement writes nothing
 * when no enabled endpoint of the organization listens to the type (most writes of most
 * organizations), so the change costs no more than one indexed lookup inside its own batch.
 * A batch run through `outbox.batch` tells the outbox which of its events were written (the
 * insert returns the row it wrote, if any). Once the request is answered, `announceEvents`
 * queues the events written, with nothing to look up, and nothing at all when none was; a crash
 * in between leaves `queued_at` null, and the scheduled sweep queues it later.
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
  /** Whether its batch committed (written or not); false when the outbox never saw the batch. */
  settled: boolean;
  written: boolean;
}

type Batch = readonly [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]];

/** The events one request may have written, to queue once it is answered. */
export class Outbox {
  readonly events: RecordedEvent[] = [];
  private readonly statements = new Map<unknown, RecordedEvent>();

  /** `db.batch(statements)`, learning which of the outbox's events it wrote. */
  async batch<T extends Batch>(db: Database, statements: T): Promise<BatchResponse<T>> {
    const results = await db.batch(statements);
    statements.forEach((statement, i) => {
      const event = this.statements.get(statement);
      if (!event) return;
      event.settled = true;
      event.written = (results[i] as unknown[]).length > 0;
    });
    return results;
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
    const event = this.newEvent(organizationId, now);
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
  newEvent(organizationId: string, now: number): RecordedEvent {
    const event = { id: newEventId(now), organizationId, settled: false, written: false };
    this.events.push(event);
    return event;
  }

  /**
   * Rendered statements as one batch (`db.batchStatements`), learning which events it wrote:
   * `events` gives each event's statement by its position.
   */
  async batchStatements(
    db: RequestDatabase,
    statements: Statement[],
    events: [position: number, event: RecordedEvent][],
  ): Promise<Record<string, unknown>[][]> {
    const results = await db.batchStatements(statements);
    for (const [position, event] of events) {
      event.settled = true;
      event.written = (results[position]?.length ?? 0) > 0;
    }
    return results;
  }
}

/** A value of the event's insert: bound as it is, or a placeholder of a statement rendered once. */
type Value<T> = T | Placeholder;

/**
 * The insert of one event: one row from an endpoint of the organization that listens to the type
 * (or the one endpoint named), or none. It returns the row it wrote.
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
  const e = webhookEndpoints;
  const listeners = event.endpointId
    ? eq(e.id, event.endpointId)
    : sql`exists (select 1 from json_each(${e.events}) as j where j.value = ${event.type})`;
  return db
    .insert(webhookEvents)
    .select(
      db
        .select({
          id: sql<string>`${event.id}`.as("id"),
          organizationId: sql<string>`${event.organizationId}`.as("organization_id"),
          type: sql<string>`${event.type}`.as("type"),
          data: sql<string>`${event.data}`.as("data"),
          endpointId: sql<string | null>`${event.endpointId ?? null}`.as("endpoint_id"),
          createdAt: sql<number>`${event.now}`.as("created_at"),
          queuedAt: sql<null>`null`.as("queued_at"),
        })
        .from(e)
        .where(
          and(
            eq(e.organizationId, event.organizationId),
            eq(e.enabled, true),
            listeners,
            event.when,
          ),
        )
        .limit(1),
    )
    .returning({ id: webhookEvents.id });
}
