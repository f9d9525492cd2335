import type { Database } from "../../../platform/db/client";
import type { CursorPosition } from "../../../platform/db/keyset";
import { exportItemJson, fineTuningLineJson } from "./snapshots.document";
import { listSnapshots } from "./snapshots.repository";
import type { SnapshotFilters } from "./snapshots.schemas";

export type ExportFormat = "json" | "jsonl";

/** Snapshots per D1 round trip: each carries up to 1,000 message copies. */
export const EXPORT_PAGE_SIZE = 25;

/**
 * The export as a pull stream: a page is read from D1 only when the client has taken the previous
 * one, so memory holds one page whatever the size of the export. The JSON document puts
 * `totalSnapshots` after `data`, so it is the exact count of what was streamed.
 */
export function exportStream(options: {
  db: Database;
  organizationId: string;
  filters: SnapshotFilters;
  format: ExportFormat;
  exportDate: string;
  onError: (error: unknown) => void;
}): ReadableStream<Uint8Array> {
  const { db, organizationId, filters, format } = options;
  const encoder = new TextEncoder();
  let position: CursorPosition | undefined;
  let total = 0;
  let started = false;

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          let chunk = "";
          if (!started && format === "json") {
            chunk += `{"exportDate":${JSON.stringify(options.exportDate)},"organizationId":${JSON.stringify(organizationId)},"data":[`;
          }
          started = true;
          const page = await listSnapshots(
            db,
            organizationId,
            filters,
            position,
            EXPORT_PAGE_SIZE,
            format === "jsonl" ? fineTuningLineJson : exportItemJson,
          );
          for (const { doc } of page) {
            chunk += format === "jsonl" ? `${doc}\n` : `${total > 0 ? "," : ""}${doc}`;
            total++;
          }
          const last = page.at(-1);
          const finished = page.length < EXPORT_PAGE_SIZE || !last;
          if (finished && format === "json") chunk += `],"totalSnapshots":${total}}`;
          if (chunk) controller.enqueue(encoder.encode(chunk));
          if (finished) controller.close();
          else position = { createdAt: last.createdAt, id: last.id };
        } catch (error) {
          // Headers are gone by now: the client sees a truncated body, and we log why.
          options.onError(error);
          controller.error(error);
        }
      },
    },
    { highWaterMark: 0 },
  );
}
