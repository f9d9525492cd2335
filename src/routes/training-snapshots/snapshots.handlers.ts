import type { AppRouteHandler } from "../../app-env";
import { requireUser } from "../../auth/bearer";
import { ApiError } from "../../errors/api-error";
import { normalizeObjectId } from "../../lib/ids";
import { findSnapshot } from "./snapshots.repository";
import type { GetOneRoute } from "./snapshots.routes";
import { shapeSnapshot } from "./snapshots.shape";

export const getOne: AppRouteHandler<GetOneRoute> = async (c) => {
  const { id } = c.req.valid("param");
  const user = await requireUser(c);
  const found = await findSnapshot(c.get("db"), user.organizationId, normalizeObjectId(id));
  if (!found) throw new ApiError("not_found", `Training snapshot ${id} not found`);
  return c.json({ success: true as const, data: shapeSnapshot(found.record, found.messages) }, 200);
};
