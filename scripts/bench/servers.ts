/**
 * The servers the benchmark drives, each `wrangler dev` on 127.0.0.1 on its own copy of a
 * dataset (a server writes: sessions, the rate limiter's state): the API in its default
 * configuration with the rate limits lifted, and the baseline Workers of ./baselines.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { randomJwtSecret } from "../../src/platform/secrets";
import { conversationDocumentQuery } from "../../src/surfaces/conversations-api/conversations/conversations.repository";
import { snapshotDocumentQuery } from "../../src/surfaces/training-api/snapshots/snapshots.repository";
import {
  type LocalServer,
  loginToken,
  startLocalServer,
  unthrottledConfig,
} from "../lib/local-server";
import { ACME, ACME_API_KEY } from "../seed/demo-data";
import { status } from "./report";

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

/**
 * The floor Worker's DOCUMENTS var: each GET document's statement exactly as the API sends it,
 * rendered by the app's own repositories (the demo organization, "{id}" where the requested id
 * goes), with the route it answers and the envelope the API puts around the document.
 */
function floorDocuments(): string {
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

let root: string | undefined;
let copies = 0;
let apiConfig: string | undefined;
const running = new Set<LocalServer>();

/** This run's temporary folder: configs written for it and copies of the data. */
export const workdir = () => {
  root ??= mkdtempSync(join(tmpdir(), "bench-"));
  return root;
};

/** Stops the servers still running and removes this run's copies of the data. */
export async function cleanUp(): Promise<void> {
  for (const server of running) await server.stop();
  running.clear();
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
}

/** `wrangler dev` with `config`, on a copy of `dataset` when given, with more options `args`. */
export async function serve(
  config: string,
  vars: Record<string, string>,
  dataset?: string,
  args: string[] = [],
): Promise<LocalServer> {
  let persist: string | undefined;
  if (dataset) {
    persist = join(workdir(), `data-${++copies}`);
    status(`copying ${basename(dataset)} …`);
    cpSync(dataset, persist, { recursive: true });
  }
  status(`starting ${basename(config)} …`);
  const server = await startLocalServer({ persist, config, vars, quiet: true, args });
  running.add(server);
  return {
    ...server,
    stop: async () => {
      running.delete(server);
      await server.stop();
      if (persist) rmSync(persist, { recursive: true, force: true });
    },
  };
}

/** How a request of the API authenticates: a user's token (training) or the demo key. */
export type Auth = "token" | "key";

export interface Api extends LocalServer {
  headers(auth: Auth): Promise<Record<string, string>>;
}

export async function startApi(dataset: string): Promise<Api> {
  apiConfig ??= unthrottledConfig(workdir());
  const server = await serve(apiConfig, { JWT_SECRET: randomJwtSecret() }, dataset);
  let token: { value: string; at: number } | undefined;
  return {
    ...server,
    async headers(auth): Promise<Record<string, string>> {
      if (auth === "key") return { "x-api-key": ACME_API_KEY, "x-workspace-id": ACME };
      // Access tokens live 15 minutes; a full run keeps a server longer than that.
      if (!token || Date.now() - token.at > 10 * 60_000) {
        token = { value: await loginToken(server.url), at: Date.now() };
      }
      return { authorization: `Bearer ${token.value}` };
    },
  };
}

export const startFloor = (floor: Floor, dataset: string) =>
  serve(floor.config, { ...floor.vars, DOCUMENTS: floorDocuments() }, dataset);

/** Baseline (a), the harness's ceiling: fixed JSON. */
export const startFixedJson = () => serve(`${BASELINES}/wrangler.fixed.toml`, {});

/** Fails unless every floor answers `path` with the API's body, byte for byte. */
export async function assertSameAnswer(
  path: string,
  api: Api,
  auth: Auth,
  floors: LocalServer[],
): Promise<void> {
  const ours = await (
    await fetch(`${api.url}${path}`, { headers: await api.headers(auth) })
  ).text();
  for (const floor of floors) {
    const theirs = await (await fetch(`${floor.url}${path}`)).text();
    if (theirs !== ours) throw new Error(`${path}: a floor's answer is not the API's`);
  }
}
