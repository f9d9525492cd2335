import type { z } from "@hono/zod-openapi";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../platform/db/client";
import type { FieldIssue } from "../platform/errors/api-error";
import { issuesFromZod, malformedTextIssues } from "../platform/errors/validation";
import { toHex, utf8 } from "../platform/util/encoding";
import type { Frame } from "./frames";

/*
 * What the bulk import shares between its formats: a record as the CLI sends it (its position in
 * the file and its bytes), what became of it, the ids it derives, and the writer that commits
 * every record of a batch at once or, when that fails, each on its own.
 */

/**
 * What became of a record. `key` is the record's identity in the file (its id, as the file gives
 * it or as derived from its text): the CLI refuses a later record with the same key.
 */
export type Outcome =
  | { position: number; status: "created"; key: string; id: string; rows: number; from?: string }
  | { position: number; status: "unchanged"; key: string; id: string; from?: string }
  | { position: number; status: "taken"; key: string; reason: string }
  | { position: number; status: "rejected"; key?: string; reason: string };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The record's JSON value, or why there is none: not UTF-8, not JSON, or (as for an API body) a
 * string holding a lone surrogate, which would be stored as U+FFFD.
 */
function decodeRecord(bytes: Uint8Array): { value: unknown; text: string } | string {
  let text: string;
  try {
    text = strictUtf8.decode(bytes).trim();
  } catch {
    return "record is not valid UTF-8";
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "record is not valid JSON";
  }
  const malformed = malformedTextIssues("record", value);
  return malformed.length > 0 ? reasonFromIssues(malformed) : { value, text };
}

/** The first issue as one line: `record.customer.phone must be … [pattern] (and 2 more)`. */
function reasonFromIssues([first, ...rest]: FieldIssue[]): string {
  const more = rest.length > 0 ? ` (and ${rest.length} more)` : "";
  return first ? `${first.field} ${first.message} [${first.rule}]${more}` : "record is invalid";
}

/**
 * The records that decode and pass `schema`, with their text (what ids are derived from); the
 * others go to `outcomes` as rejected, with the reason.
 */
export function parseRecords<S extends z.ZodType>(
  records: Frame[],
  schema: S,
  outcomes: Outcome[],
): { position: number; value: z.output<S>; text: string }[] {
  const parsed: { position: number; value: z.output<S>; text: string }[] = [];
  for (const { position, bytes } of records) {
    const decoded = decodeRecord(bytes);
    if (typeof decoded === "string") {
      outcomes.push({ position, status: "rejected", reason: decoded });
      continue;
    }
    const result = schema.safeParse(decoded.value);
    if (result.success) parsed.push({ position, value: result.data, text: decoded.text });
    else outcomes.push({ position, status: "rejected", reason: reasonFromZod(result.error) });
  }
  return parsed;
}

/** zod's issues with a record, as one line. */
const reasonFromZod = (error: z.ZodError) => reasonFromIssues(issuesFromZod("record", error));

/**
 * 24 hex digits from a hash of the parts: the same record gets the same ids on every run, and the
 * same parts in another organization (the organization is always a part) other ids.
 */
export async function stableId(...parts: string[]): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", utf8(parts.join("\0")));
  return toHex(digest).slice(0, 24);
}

/** A record ready to write: its plan, and its outcome once written. */
export interface PlannedWrite<P> {
  plan: P;
  outcome: Outcome & { status: "created" };
}

/**
 * Commits the records of a batch: every record at once (a few statements, one round trip, one
 * transaction); when that fails (a row written by someone else since the ids were checked, a
 * constraint the checks did not foresee) each record again on its own, so one bad record costs
 * only itself, with D1's reason as its outcome.
 */
export async function writeRecords<P>(
  db: Database,
  writes: PlannedWrite<P>[],
  statements: (plans: P[]) => BatchItem<"sqlite">[],
): Promise<Outcome[]> {
  const run = (group: PlannedWrite<P>[]) =>
    db.batch(
      statements(group.map((w) => w.plan)) as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]],
    );
  if (writes.length === 0) return [];
  try {
    await run(writes);
    return writes.map((w) => w.outcome);
  } catch (error) {
    if (writes.length === 1) return [writeFailure(writes[0] as PlannedWrite<P>, error)];
  }
  const outcomes: Outcome[] = [];
  for (const write of writes) {
    try {
      await run([write]);
      outcomes.push(write.outcome);
    } catch (error) {
      outcomes.push(writeFailure(write, error));
    }
  }
  return outcomes;
}

/** A JSON array of values bound as one parameter: `… in (select value from json_each(?))`. */
export const jsonList = (values: string[]) => JSON.stringify([...new Set(values)]);

/** A record whose statements D1 refused, with D1's own reason (the innermost error's). */
function writeFailure(write: PlannedWrite<unknown>, error: unknown): Outcome {
  let message = String(error);
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    message = e.message;
  }
  const reason = message
    .split("\n")[0]
    ?.replace(/^D1_ERROR: /, "")
    .slice(0, 200);
  const { position, key } = write.outcome;
  return { position, status: "rejected", key, reason: `could not be written: ${reason}` };
}
