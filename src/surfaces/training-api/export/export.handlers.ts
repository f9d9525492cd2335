import {
  PREFERENCE_FORMATS,
  type PreferenceFormat,
  preferenceStream,
} from "../reviews/reviews.export";
import type { TrainingHandler } from "../router";
import { exportStream } from "../snapshots/snapshots.export";
import type { ExportRoute } from "./export.routes";

const isPreference = (format: string): format is PreferenceFormat =>
  (PREFERENCE_FORMATS as readonly string[]).includes(format);

export const exportTrainingData: TrainingHandler<ExportRoute> = async (c) => {
  const { user } = c.var;
  const { format, quality, category, tag, isArchived, ...reviewFilters } = c.req.valid("query");
  const now = Date.now();
  const requestId = c.get("requestId");
  const onError = (error: unknown) =>
    console.error(
      JSON.stringify({
        level: "error",
        requestId,
        path: c.req.path,
        message: "export stream failed",
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      }),
    );
  const db = c.get("db");
  const organizationId = user.organizationId;
  const preference = isPreference(format);
  const body = preference
    ? preferenceStream({ db, organizationId, filters: reviewFilters, format, onError })
    : exportStream({
        db,
        organizationId,
        filters: { quality, category, tag, isArchived },
        format,
        exportDate: new Date(now).toISOString(),
        onError,
      });
  const name = preference ? "preference-data" : "training-data";
  const json = format === "json";
  const streamed = c.body(body, 200, {
    "Content-Type": json ? "application/json; charset=utf-8" : "application/x-ndjson",
    "Content-Disposition": `attachment; filename="${name}-${now}.${json ? "json" : "jsonl"}"`,
  });
  // The route types its 200 as the JSON document (and `application/x-ndjson` reads as JSON to
  // the type), which a stream is not: it leaves as the plain Response it is.
  return streamed as unknown as Awaited<ReturnType<TrainingHandler<ExportRoute>>>;
};
