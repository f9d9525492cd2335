/**
 * `npm run bench -- --runtime`: the real app (`createApp()`), served inside workerd by
 * `wrangler dev`, repeating one warm request many times per call with D1 answered from
 * recordings (./stand-in-d1.ts) and the Rate Limiting bindings and the queue answered at once.
 * What the runtime's CPU does during a `/loop` call is then the app's own work as workerd runs
 * it: routing, middleware, token or key checks, statements bound, answers built, the native
 * Headers, Response and crypto objects. No D1 emulation, no limiter emulation, no HTTP between.
 *
 *   POST /login   {email, password}           a token from the app's own login (real local D1)
 *   POST /record  {name: {path, headers}}     runs each case once on real D1, keeping answers
 *   GET  /loop?case=<name>&n=<count>          runs a recorded case n times on the recordings
 */
import { createApp } from "../../../src/app";
import { Recorder } from "./stand-in-d1";

interface Case {
  path: string;
  headers: Record<string, string>;
}

const app = createApp();
const allowAll = { limit: async () => ({ success: true }) } as RateLimit;
const queue = {
  send: async () => undefined,
  sendBatch: async () => undefined,
} as unknown as Env["WEBHOOK_QUEUE"];

let recorder: Recorder | undefined;
let cases: Record<string, Case> = {};

const standInEnv = (env: Env, db: D1Database): Env => ({
  ...env,
  DB: db,
  API_RATE_LIMITER: allowAll,
  KEY_FAILURE_LIMITER: allowAll,
  WEBHOOK_QUEUE: queue,
});

async function run(c: Case, env: Env, ctx: ExecutionContext): Promise<number> {
  const response = await app.request(c.path, { headers: c.headers }, env, ctx);
  await response.arrayBuffer();
  return response.status;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    recorder ??= new Recorder(env.DB);
    if (url.pathname === "/login" && request.method === "POST") {
      return app.request(
        "/api/auth/login",
        { method: "POST", headers: { "content-type": "application/json" }, body: request.body },
        env,
        ctx,
      );
    }
    if (url.pathname === "/record" && request.method === "POST") {
      cases = await request.json();
      recorder.replay = false;
      const recorded: Record<string, number> = {};
      for (const [name, c] of Object.entries(cases)) {
        recorded[name] = await run(c, standInEnv(env, recorder.database()), ctx);
      }
      recorder.replay = true;
      const replayed: Record<string, number> = {};
      for (const [name, c] of Object.entries(cases)) {
        replayed[name] = await run(c, standInEnv(env, recorder.database()), ctx);
      }
      return Response.json({ recorded, replayed });
    }
    if (url.pathname === "/loop") {
      const c = cases[url.searchParams.get("case") ?? ""];
      const n = Number(url.searchParams.get("n"));
      if (!c || !recorder.replay || !(n >= 0)) return new Response("record first", { status: 400 });
      const replayEnv = standInEnv(env, recorder.database());
      let failed = 0;
      for (let i = 0; i < n; i++) if ((await run(c, replayEnv, ctx)) !== 200) failed++;
      return Response.json({ n, failed });
    }
    return new Response("ok");
  },
} satisfies ExportedHandler<Env>;
