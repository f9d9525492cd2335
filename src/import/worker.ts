import { eq } from "drizzle-orm";
import { createDatabase } from "../platform/db/client";
import { organizations } from "../platform/db/schema";
import { shardOf } from "../platform/db/shards";
import { importConversations } from "./conversations";
import { readFrames } from "./frames";
import type { Outcome } from "./records";
import { importSnapshots } from "./snapshots";

/*
 * The import Worker: what `npm run import` starts under `wrangler dev` (scripts/import.ts), bound
 * to the same D1 databases as the API (the directory and every shard; the local ones, or with
 * `--remote` the deployed ones), writing to the workspace's shard, so
 * that records are checked and written inside the Workers runtime by the API's own code. It is
 * never deployed: it listens on 127.0.0.1 for the one CLI run that started it, and answers only
 * requests carrying that run's random token.
 *
 *   GET  /organizations/{id}                      200 when the workspace exists, else 404
 *   POST /organizations/{id}/{format}?now={ms}    a batch of framed records (frames.ts) →
 *                                                 { outcomes: Outcome[] }, in file order
 */

interface ImportEnv {
  DB: D1Database;
  IMPORT_TOKEN: string;
}

const IMPORTERS = {
  trillet: importConversations,
  tether: importSnapshots,
} as const;

const ROUTE = /^\/organizations\/([0-9a-f]{24})(?:\/(trillet|tether))?$/;

export default {
  async fetch(request: Request, env: ImportEnv): Promise<Response> {
    if (
      !env.IMPORT_TOKEN ||
      request.headers.get("authorization") !== `Bearer ${env.IMPORT_TOKEN}`
    ) {
      return new Response("This Worker only answers the import run that started it.\n", {
        status: 403,
      });
    }
    const url = new URL(request.url);
    const route = ROUTE.exec(url.pathname);
    if (!route) return new Response("Not found\n", { status: 404 });
    const [, organizationId = "", format] = route;
    if (request.method === "GET" && !format) {
      // The directory (DB) knows every organization, wherever its data lives.
      const [found] = await createDatabase(env.DB)
        .select({ id: organizations.id })
        .from(organizations)
        .where(eq(organizations.id, organizationId));
      return new Response(null, { status: found ? 200 : 404 });
    }
    if (request.method !== "POST" || !format) return new Response(null, { status: 405 });
    const now = Number(url.searchParams.get("now") ?? Date.now());
    const records = readFrames(new Uint8Array(await request.arrayBuffer()));
    const importer = IMPORTERS[format as keyof typeof IMPORTERS];
    // The records go to the workspace's shard, as the API's own writes for it do.
    const shard = await shardOf(env as unknown as Env, organizationId);
    const outcomes: Outcome[] = await importer(
      createDatabase(shard.d1),
      organizationId,
      records,
      now,
    );
    return Response.json({ outcomes });
  },
} satisfies ExportedHandler<ImportEnv>;
