import { sql } from "drizzle-orm";
import { DATABASE_RETRY_AFTER_SECONDS, toApiError } from "../../platform/errors/faults";
import type { AppRouteHandler } from "../../platform/http/app-env";
import type { HealthRoute } from "./health.routes";

export const health: AppRouteHandler<HealthRoute> = async (c) => {
  try {
    await c.get("db").run(sql`select 1`);
  } catch (error) {
    if (toApiError(error).code !== "service_unavailable") throw error;
    c.header("Retry-After", String(DATABASE_RETRY_AFTER_SECONDS));
    return c.json({ status: "unavailable" as const, d1: "error" as const }, 503);
  }
  return c.json({ status: "ok" as const, d1: "ok" as const }, 200);
};
