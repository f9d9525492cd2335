/**
 * `npm run bench -- --runtime`: the real app (`createApp()`), served inside workerd by
 * `wrangler dev`, repeating one warm request many times per call with D1 answered from
 * recordings (./stand-in-d1.ts) and the Rate Limiting bindings and the queue answered at once.
 * What the runtime's CPU does during a `/loop` call is then the app's own work as workerd runs
 * it: routing, middleware, token or key checks, statements bound, answers built, the native
 * Headers, Response and crypto objects, and the work a request leaves for after its answer
 * (`waitUntil`: its webhook events queued), awaited at the end of each request so that it is
 * counted with it. No D1 emulation, no limiter emulation, no console through the inspector, no
 * HTTP between.
 *
 *   ANY  /app/<path>                     the app itself on real local D1, for the setup: a login,
 *                                        the rows the list pages show; queued messages are kept
 *   POST /deliver                        the kept messages through the webhook queue consumer,
 *                                        every receiver answering 204 at once: delivery records
 *   POST /record  {name: Case}           runs each case once on real D1, keeping its answers
 *   GET  /loop?case=<name>&n=<count>     runs a recorded case n times on the recordings
 */
import { createApp } from "../../../src/app";
import type { WebhookMessage } from "../../../src/platform/events/announce";
import { handleWebhookBatch } from "../../../src/platform/events/delivery";
import { Recorder } from "./stand-in-d1";

/** One request of the benchmark, as a client sends it, and the status it must answer. */
export interface Case {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  status: number;
}

const app = createApp();
const allowAll = { limit: async () => ({ success: true }) } as RateLimit;
const queue = {
  send: async () => undefined,
  sendBatch: async () => undefined,
} as unknown as Env["WEBHOOK_QUEUE"];

/** What the setup's requests queued, for /deliver. */
const queued: WebhookMessage[] = [];
const keepingQueue = {
  send: async (body: WebhookMessage) => {
    queued.push(body);
  },
  sendBatch: async (messages: { body: WebhookMessage }[]) => {
    for (const { body } of messages) queued.push(body);
  },
} as unknown as Env["WEBHOOK_QUEUE"];

/**
 * The log sink, answered at once like the bindings: the app still builds each log line (writes
 * log one line each at the default LOG_LEVEL), but `console.info` is not handed to the runtime.
 * Under `wrangler dev` a console call travels through the runtime's inspector to wrangler, which
 * costs the runtime more CPU than a whole write's own work, and is not what a deployed Worker does.
 * Warnings and errors (a request's failed after-answer work) still reach the console.
 */
console.info = () => undefined;

let recorder: Recorder | undefined;
let cases: Record<string, Case> = {};

const standInEnv = (env: Env, db: D1Database, webhooks = queue): Env => ({
  ...env,
  DB: db,
  API_RATE_LIMITER: allowAll,
  KEY_FAILURE_LIMITER: allowAll,
  WEBHOOK_QUEUE: webhooks,
});

/**
 * An execution context whose `waitUntil` work is kept, to be awaited once the answer is read:
 * what a request leaves for after its answer is part of its cost, and a loop must not leave a
 * growing backlog of it behind.
 */
class Waiting {
  private pending: Promise<unknown>[] = [];
  readonly ctx: ExecutionContext;

  constructor(ctx: ExecutionContext) {
    this.ctx = {
      waitUntil: (work: Promise<unknown>) => {
        this.pending.push(work);
      },
      passThroughOnException: () => ctx.passThroughOnException(),
      props: ctx.props,
    } as ExecutionContext;
  }

  async settle(): Promise<void> {
    while (this.pending.length > 0) await Promise.all(this.pending.splice(0));
  }
}

async function run(c: Case, env: Env, waiting: Waiting): Promise<number> {
  // Built here as the runtime builds an incoming request (not by `app.request`), so that its
  // cost shows as the harness's.
  const request = new Request(`http://localhost${c.path}`, {
    method: c.method,
    headers: c.headers,
    body: c.body,
  });
  const response = await app.fetch(request, env, waiting.ctx);
  await response.arrayBuffer();
  await waiting.settle();
  return response.status;
}

/** A stand-in queue batch of the kept messages, each acknowledged or retried in place. */
function batchOf(messages: WebhookMessage[]): MessageBatch<WebhookMessage> {
  return {
    queue: "edge-conversations-webhooks",
    messages: messages.map((body, i) => ({
      id: String(i),
      timestamp: new Date(),
      body,
      attempts: 1,
      ack: () => undefined,
      retry: () => {
        throw new Error("bench: a webhook message failed in the setup");
      },
    })),
    ackAll: () => undefined,
    retryAll: () => undefined,
  } as unknown as MessageBatch<WebhookMessage>;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    recorder ??= new Recorder(env.DB);
    const waiting = new Waiting(ctx);
    if (url.pathname.startsWith("/app/")) {
      if (recorder.replay) return new Response("the setup comes before /record", { status: 409 });
      // On the recorder (recording), so that what the setup asked D1 is known to the replay too.
      const setupEnv = standInEnv(env, recorder.database("(setup)"), keepingQueue);
      const response = await app.request(
        `${url.pathname.slice("/app".length)}${url.search}`,
        { method: request.method, headers: request.headers, body: request.body },
        setupEnv,
        waiting.ctx,
      );
      const body = await response.arrayBuffer();
      await waiting.settle();
      return new Response(body, response);
    }
    if (url.pathname === "/deliver" && request.method === "POST") {
      const count = queued.length;
      await handleWebhookBatch(batchOf(queued.splice(0)), env, {
        send: async () => new Response(null, { status: 204 }),
        queue: { send: async () => ({}) as QueueSendResponse },
      });
      return Response.json({ delivered: count });
    }
    if (url.pathname === "/record" && request.method === "POST") {
      cases = await request.json();
      recorder.replay = false;
      const recorded: Record<string, number> = {};
      for (const [name, c] of Object.entries(cases)) {
        // Once before it is recorded: what an isolate learns from a first request (the outbox's
        // belief that nobody listens to an event) shapes the statements a warm one sends.
        await run(c, standInEnv(env, recorder.database(`${name} (first)`)), waiting);
        recorded[name] = await run(c, standInEnv(env, recorder.database(name)), waiting);
      }
      recorder.replay = true;
      const replayed: Record<string, number> = {};
      for (const [name, c] of Object.entries(cases)) {
        replayed[name] = await run(c, standInEnv(env, recorder.database(name)), waiting);
      }
      return Response.json({ recorded, replayed });
    }
    if (url.pathname === "/loop") {
      const name = url.searchParams.get("case") ?? "";
      const c = cases[name];
      const n = Number(url.searchParams.get("n"));
      if (!c || !recorder.replay || !(n >= 0)) return new Response("record first", { status: 400 });
      const replayEnv = standInEnv(env, recorder.database(name));
      let failed = 0;
      for (let i = 0; i < n; i++) if ((await run(c, replayEnv, waiting)) !== c.status) failed++;
      return Response.json({ n, failed });
    }
    return new Response("ok");
  },
} satisfies ExportedHandler<Env>;
