import { conversationDocumentQuery } from "../../src/surfaces/conversations/conversations/conversations.repository";
import { snapshotDocumentQuery } from "../../src/surfaces/training/snapshots/repository/find";
import { ACME } from "../seed/demo-data";

/** A floor Worker's config and the vars that switch its services on. */
export interface Floor {
  config: string;
  vars: Record<string, string>;
}

const BASELINES = "scripts/bench/baselines";

/** Baseline (b): the GET documents' statement and nothing else. */
export const BARE: Floor = { config: `${BASELINES}/wrangler.floor.toml`, vars: {} };

/** Baseline (c): (b) with static assets in front, a Rate Limiting call and a D1 session. */
export const WITH_SERVICES: Floor = {
  config: `${BASELINES}/wrangler.floor-services.toml`,
  vars: { LIMIT: "1", SESSION: "1" },
};

/** Baseline (a), the harness's ceiling: fixed JSON. */
export const FIXED_JSON = `${BASELINES}/wrangler.fixed.toml`;

/**
 * The floor Worker's DOCUMENTS var: each GET document's statement exactly as the API sends it,
 * rendered by the app's own repositories (the demo organization, "{id}" where the requested id
 * goes), with the route it answers and the envelope the API puts around the document.
 */
export function floorDocuments(): string {
  return JSON.stringify([
    {
      path: "/api/training/snapshots/",
      ...snapshotDocumentQuery(ACME, "{id}"),
      before: '{"success":true,"data":',
      after: "}",
    },
    {
      path: "/v1/api/conversations/",
      ...conversationDocumentQuery(ACME, "{id}"),
      before: "",
      after: "",
    },
  ]);
}

/** A floor's vars for `wrangler dev`: its switches and the statements. */
export const floorVars = (floor: Floor): Record<string, string> => ({
  ...floor.vars,
  DOCUMENTS: floorDocuments(),
});
