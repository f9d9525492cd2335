import type { CursorPosition } from "../../../platform/db/keyset";
import type { RequestDatabase } from "../../../platform/db/request-database";
import { pagedTextStream } from "../../../platform/http/paged-stream";
import { listSnapshots } from "./snapshots.repository";
import type { SnapshotFilters } from "./snapshots.schemas";

export type ExportFormat = "json" | "jsonl";

/** Snapshots per D1 round trip: each carries up to 1,000 message copies. */
export const EXPORT_PAGE_SIZE = 25;

/**
 * The export, streamed a page at a time (`pagedTextStream`). The JSON document puts
 * `totalSnapshots` after `data`, so it is the exact count of what was streamed.
 */
export function exportStream(options: {
  db: RequestDatabase;
  organizationId: string;
  filters: SnapshotFilters;
  format: ExportFormat;
  exportDate: string;
  onError: (error: unknown) => void;
}): ReadableStream<Uint8Array> {
  const { db, organizationId, filters, format } = options;
  let position: CursorPosition | undefined;
  let total = 0;
  let started = false;
  return pagedTextStream(async () => {
    let text = "";
    if (!started && format === "json") {
      text += `{"exportDate":${JSON.stringify(options.exportDate)},"organizationId":${JSON.stringify(organizationId)},"data":[`;
    }
    started = true;
    const page = await listSnapshots(
      db,
      organizationId,
      filters,
      position,
      EXPORT_PAGE_SIZE,
      format === "jsonl" ? "jsonl" : "export",
    );
    for (const { doc } of page) {
      text += format === "jsonl" ? `${doc}\n` : `${total > 0 ? "," : ""}${doc}`;
      total++;
    }
    const last = page.at(-1);
    const done = page.length < EXPORT_PAGE_SIZE || !last;
    if (done && format === "json") text += `],"totalSnapshots":${total}}`;
    if (last) position = { createdAt: last.createdAt, id: last.id };
    return { text, done };
  }, options.onError);
}
