import type { CursorPosition } from "../../../platform/db/keyset";
import type { RequestDatabase } from "../../../platform/db/request-database";
import { pagedTextStream } from "../../../platform/http/paged-stream";
import { type ExportRow, exportPage } from "./reviews.repository";
import type { ReviewFilters } from "./reviews.schemas";

/*
 * Reviewed drafts as preference data, one JSON line per example:
 * - `preference`: OpenAI's preference fine-tuning format (also Together's, Fireworks' and
 *   Azure's): `{"input":{"messages":[…]},"preferred_output":[…],"non_preferred_output":[…]}`;
 * - `preference-trl`: TRL's conversational preference form, `{"prompt","chosen","rejected"}`;
 * - `kto`: TRL's unpaired form, `{"prompt","completion","label"}`.
 *
 * A pair is an edited draft (the person's final text preferred to the AI's), or a rejected draft
 * that a person's own reply followed before the customer wrote again (that reply preferred). An
 * edit that changes only whitespace or letter case makes no pair, nor does a draft whose
 * original is unknown. For KTO, texts sent as written and texts a person sent are `true`, the AI
 * originals a person changed or refused `false`.
 */

export const PREFERENCE_FORMATS = ["preference", "preference-trl", "kto"] as const;
export type PreferenceFormat = (typeof PREFERENCE_FORMATS)[number];

/** Reviews per D1 round trip (each line carries its conversation up to the draft). */
export const PREFERENCE_PAGE_SIZE = 50;

/** Whether two texts differ only in whitespace or letter case (Unicode, as JavaScript cases). */
export const sameButCosmetic = (a: string, b: string) =>
  a.replace(/\s+/gu, "").toLocaleLowerCase("und") ===
  b.replace(/\s+/gu, "").toLocaleLowerCase("und");

const turn = (content: string) => `[{"role":"assistant","content":${JSON.stringify(content)}}]`;

/** The preferred and the refused text a review gives, or none. */
function pairOf(row: ExportRow): { chosen: string; rejected: string } | undefined {
  if (row.draft === null) return undefined;
  const chosen =
    row.outcome === "edited" ? row.final : row.outcome === "rejected" ? row.reply : null;
  if (chosen === null || sameButCosmetic(chosen, row.draft)) return undefined;
  return { chosen, rejected: row.draft };
}

/** The lines of one review in `format` (none, one, or two for KTO). */
export function preferenceLines(row: ExportRow, format: PreferenceFormat): string[] {
  if (format === "kto") {
    const line = (content: string, label: boolean) =>
      `{"prompt":${row.prompt},"completion":${turn(content)},"label":${label}}`;
    const pair = pairOf(row);
    if (pair) return [line(pair.chosen, true), line(pair.rejected, false)];
    // Sent as written (or changed only cosmetically): the text sent is a good example.
    if (row.outcome !== "rejected" && row.final !== null) return [line(row.final, true)];
    return row.draft !== null && row.outcome === "rejected" ? [line(row.draft, false)] : [];
  }
  const pair = pairOf(row);
  if (!pair) return [];
  return format === "preference"
    ? [
        `{"input":{"messages":${row.prompt}},"preferred_output":${turn(pair.chosen)},"non_preferred_output":${turn(pair.rejected)}}`,
      ]
    : [`{"prompt":${row.prompt},"chosen":${turn(pair.chosen)},"rejected":${turn(pair.rejected)}}`];
}

/** The export, streamed a page of reviews at a time, newest review first. */
export function preferenceStream(options: {
  db: RequestDatabase;
  organizationId: string;
  filters: ReviewFilters;
  format: PreferenceFormat;
  onError: (error: unknown) => void;
}): ReadableStream<Uint8Array> {
  let position: CursorPosition | undefined;
  return pagedTextStream(async () => {
    const rows = await exportPage(
      options.db,
      options.organizationId,
      options.filters,
      position,
      PREFERENCE_PAGE_SIZE,
    );
    const text = rows.flatMap((row) => preferenceLines(row, options.format).map((l) => `${l}\n`));
    const last = rows.at(-1);
    if (last) position = { createdAt: last.createdAt, id: last.id };
    return { text: text.join(""), done: rows.length < PREFERENCE_PAGE_SIZE };
  }, options.onError);
}
