/**
 * The servers the benchmark drives, each `wrangler dev` on 127.0.0.1 on its own copy of a
 * dataset (a server writes: sessions, the rate limiter's state): the API in its default
 * configuration with the rate limits lifted, and the baseline Workers of ./baselines.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { openRequestDatabase, type RequestDatabase } from "../../src/platform/db/request-database";
import type { Statement } from "../../src/platform/db/statement";
import { Outbox } from "../../src/platform/events/outbox";
import { randomJwtSecret } from "../../src/platform/secrets";
import {
  planConversation,
  planMessage,
} from "../../src/surfaces/conversations-api/conversations/conversations.ingest";
import {
  conversationDocumentQuery,
  createConversation,
  listConversations,
} from "../../src/surfaces/conversations-api/conversations/conversations.repository";
import { ListConversationsQuerySchema } from "../../src/surfaces/conversations-api/conversations/conversations.schemas";
import { appendMessage } from "../../src/surfaces/conversations-api/messages/messages.repository";
import { listApiKeyDocuments } from "../../src/surfaces/training-api/api-keys/api-keys.repository";
import { listContacts } from "../../src/surfaces/training-api/contacts/contacts.repository";
import { ListContactsQuerySchema } from "../../src/surfaces/training-api/contacts/contacts.schemas";
import { listReviews } from "../../src/surfaces/training-api/reviews/reviews.repository";
import { ListReviewsQuerySchema } from "../../src/surfaces/training-api/reviews/reviews.schemas";
import {
  listSnapshots,
  snapshotDocumentQuery,
} from "../../src/surfaces/training-api/snapshots/snapshots.repository";
import { ListSnapshotsQuerySchema } from "../../src/surfaces/training-api/snapshots/snapshots.schemas";
import { listUsers } from "../../src/surfaces/training-api/users/users.repository";
import { ListUsersQuerySchema } from "../../src/surfaces/training-api/users/users.schemas";
import { listWebhooks } from "../../src/surfaces/training-api/webhooks/webhooks.repository";
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

/**
 * The batches a read or write of the app sends, captured from the app's own repository code: its
 * database answers every statement of a batch with `rows` (none by default) and keeps each batch
 * it was sent, a single statement as a batch of one. Given an organization, it is that
 * organization's database: every write opens with its fence.
 */
async function batchesSentBy(
  run: (db: RequestDatabase) => Promise<unknown>,
  organization?: string,
  rows: Record<string, unknown>[] = [],
): Promise<Statement[][]> {
  const batches: Statement[][] = [];
  const statement = (sql: string, params: unknown[] = []) => {
    const keep = <T>(answer: T) => {
      batches.push([{ sql, params }]);
      return Promise.resolve(answer);
    };
    return {
      sql,
      params,
      bind: (...values: unknown[]) => statement(sql, values),
      all: () => keep({ results: [] }),
      raw: () => keep([]),
      first: () => keep(null),
      run: () => keep({ results: [] }),
    };
  };
  const source = {
    prepare: (sql: string) => statement(sql),
    batch: (statements: ReturnType<typeof statement>[]) => {
      batches.push(statements.map(({ sql, params }) => ({ sql, params })));
      // An event's insert writes nothing: no endpoint of the benchmark listens (data.ts).
      return Promise.resolve(
        statements.map(({ sql }) => ({ results: EVENT_INSERT.test(sql) ? [] : rows })),
      );
    },
  };
  await run(openRequestDatabase(source as unknown as D1Database, undefined, organization));
  return batches;
}

/** The statement a read of the app sends (the last, for a read that sends a check first). */
async function sentBy(read: (db: RequestDatabase) => Promise<unknown>): Promise<Statement> {
  const last = (await batchesSentBy(read)).at(-1)?.at(-1);
  if (!last) throw new Error("the read sent no statement");
  return last;
}

/** Stands, in a captured write, for a value the floor gives each request (handed over with it). */
const SLOTS = {
  id: "{id}",
  message: "{message}",
  now: 1_000_000_000_001,
  event: "evt_{event}",
  contact: "{contact}",
  conversation: "{conversation}",
  name: "{name}",
  phone: "{phone}",
} as const;

const EVENT_INSERT = /^insert into "webhook_events"/;

/**
 * The one batch `write` sends once the isolate knows nobody listens to its event (the second
 * time: outbox.ts), any event's id given the floor's slot.
 */
async function writeBatch(write: (db: RequestDatabase, outbox: Outbox) => Promise<unknown>) {
  await batchesSentBy((db) => write(db, new Outbox()), ACME, [{ doc: "{}" }]);
  const outbox = new Outbox();
  const [batch, ...more] = await batchesSentBy((db) => write(db, outbox), ACME, [{ doc: "{}" }]);
  if (!batch || more.length > 0) throw new Error("a write is one batch");
  const event = outbox.events[0]?.id;
  return batch.map(({ sql, params }) => ({
    sql,
    params: params.map((value) => (value === event ? SLOTS.event : value)),
  }));
}

/**
 * The API's own batches for its two measured writes, as its repositories send them once they know
 * nobody listens to the event: an inbound message to `conversation` (POST …/messages without a
 * time: the organization's fence with the outbox's trip, the insert returning the message's
 * document, the conversation's touch) and a conversation with a new contact and one message
 * (POST /v1/api/conversations: the fence with the trip, the contact, the conversation, its
 * message, the document read back).
 * What the floor runs instead of its own statements for `--platform`'s "the API's batch".
 */
export async function apiWriteBatches(conversation: string): Promise<string> {
  const now = SLOTS.now;
  const message = planMessage({ direction: "inbound", message: SLOTS.message }, SLOTS.id, now);
  const append = await writeBatch((db, outbox) =>
    appendMessage(db, outbox, ACME, conversation, message, now, { keyId: "bench" }, true),
  );
  const planned = planConversation(
    {
      customer: { name: SLOTS.name, phone: SLOTS.phone },
      messages: [{ direction: "inbound", message: SLOTS.message }],
    },
    { conversation: SLOTS.conversation, contact: SLOTS.contact, message: () => SLOTS.id },
    now,
  );
  const create = await writeBatch((db, outbox) =>
    createConversation(db, outbox, ACME, planned, { type: "apiKey", id: "bench" }),
  );
  return JSON.stringify({ slots: SLOTS, append, create });
}

/** Page size of the list pages measured. */
export const PAGE = 20;

/**
 * The list pages the benchmark measures: each first page of 20 as a client asks for it, and the
 * statement the app sends for it, with the defaults the route's query schema gives.
 */
export const LIST_PAGES = [
  {
    name: "list snapshots",
    path: "/api/training/snapshots",
    auth: "token",
    envelope: "page",
    read: (db: RequestDatabase) => {
      const { cursor: _, limit, ...filters } = ListSnapshotsQuerySchema.parse({ limit: `${PAGE}` });
      return listSnapshots(db, ACME, filters, undefined, limit + 1);
    },
  },
  {
    name: "list conversations",
    path: "/v1/api/conversations",
    auth: "key",
    envelope: "bare",
    read: (db: RequestDatabase) => {
      const {
        cursor: _,
        limit,
        ...filters
      } = ListConversationsQuerySchema.parse({
        limit: `${PAGE}`,
      });
      return listConversations(db, ACME, filters, undefined, limit);
    },
  },
  {
    name: "list contacts",
    path: "/api/contacts",
    auth: "token",
    envelope: "page",
    read: (db: RequestDatabase) => {
      const { cursor: _, limit, ...filters } = ListContactsQuerySchema.parse({ limit: `${PAGE}` });
      return listContacts(db, ACME, filters, undefined, limit + 1);
    },
  },
  {
    name: "list users",
    path: "/api/users",
    auth: "admin",
    envelope: "page",
    read: (db: RequestDatabase) => {
      const { cursor: _, limit, ...filters } = ListUsersQuerySchema.parse({ limit: `${PAGE}` });
      return listUsers(db, ACME, filters, undefined, limit + 1);
    },
  },
  {
    name: "list reviews",
    path: "/api/training/reviews",
    auth: "token",
    envelope: "page",
    read: (db: RequestDatabase) => {
      const { cursor: _, limit, ...filters } = ListReviewsQuerySchema.parse({ limit: `${PAGE}` });
      return listReviews(db, ACME, filters, undefined, limit + 1);
    },
  },
  {
    name: "list webhooks",
    path: "/api/webhooks",
    auth: "admin",
    envelope: "page",
    read: (db: RequestDatabase) => listWebhooks(db, ACME, undefined, PAGE + 1),
  },
  {
    name: "list API keys",
    path: "/api/keys",
    auth: "admin",
    envelope: "data",
    read: (db: RequestDatabase) => listApiKeyDocuments(db, ACME),
  },
] as const;

/** The floor Worker's LISTS var: each list page's path, statement and envelope. */
async function floorLists(): Promise<string> {
  const lists = [];
  for (const { path, envelope, read } of LIST_PAGES) {
    lists.push({
      path,
      envelope,
      limit: envelope === "data" ? 1e9 : PAGE,
      ...(await sentBy(read)),
    });
  }
  return JSON.stringify(lists);
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

/** A server of the benchmark: `persist` is its copy of the data, when it has one. */
export interface Served extends LocalServer {
  persist?: string;
}

/** `wrangler dev` with `config`, on a copy of `dataset` when given, with more options `args`. */
export async function serve(
  config: string,
  vars: Record<string, string>,
  dataset?: string,
  args: string[] = [],
): Promise<Served> {
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
    persist,
    stop: async () => {
      running.delete(server);
      await server.stop();
      if (persist) rmSync(persist, { recursive: true, force: true });
    },
  };
}

/**
 * How a request of the API authenticates: a manager's token (training), the admin's (the
 * administration lists) or the demo key.
 */
export type Auth = "token" | "admin" | "key";

export interface Api extends Served {
  headers(auth: Auth): Promise<Record<string, string>>;
}

export async function startApi(dataset: string): Promise<Api> {
  apiConfig ??= unthrottledConfig(workdir());
  const server = await serve(apiConfig, { JWT_SECRET: randomJwtSecret() }, dataset);
  const tokens = new Map<string, { value: string; at: number }>();
  return {
    ...server,
    async headers(auth): Promise<Record<string, string>> {
      if (auth === "key") return { "x-api-key": ACME_API_KEY, "x-workspace-id": ACME };
      // Access tokens live 15 minutes; a full run keeps a server longer than that.
      let token = tokens.get(auth);
      if (!token || Date.now() - token.at > 10 * 60_000) {
        const email = auth === "admin" ? "admin@example.com" : undefined;
        token = { value: await loginToken(server.url, email), at: Date.now() };
        tokens.set(auth, token);
      }
      return { authorization: `Bearer ${token.value}` };
    },
  };
}

export const startFloor = async (floor: Floor, dataset: string) =>
  serve(
    floor.config,
    { ...floor.vars, DOCUMENTS: floorDocuments(), LISTS: await floorLists(), ORGANIZATION: ACME },
    dataset,
  );

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

/**
 * The ids of a list page's items, whichever envelope it has (a bare array or `data`): the
 * servers' copies of the data differ in what the benchmark's own requests changed (a key's
 * `lastUsedAt`), not in which items a page lists.
 */
const itemsOf = (text: string) => {
  const body = JSON.parse(text) as { _id: string }[] | { data: { _id: string }[] };
  return JSON.stringify((Array.isArray(body) ? body : body.data).map((item) => item._id));
};

/** Fails unless every floor answers the list page `path` with the API's items, in order. */
export async function assertSameListPage(
  path: string,
  api: Api,
  auth: Auth,
  floors: LocalServer[],
): Promise<void> {
  const response = await fetch(`${api.url}${path}`, { headers: await api.headers(auth) });
  const ours = itemsOf(await response.text());
  if (!response.ok || ours === "[]") throw new Error(`${path}: the API answered no items`);
  for (const floor of floors) {
    const theirs = itemsOf(await (await fetch(`${floor.url}${path}`)).text());
    if (theirs !== ours) {
      const at = [...ours].findIndex((ch, i) => ch !== theirs[i]);
      throw new Error(
        `${path}: a floor's items are not the API's, from character ${at}: ${ours.slice(at, at + 80)} | ${theirs.slice(at, at + 80)}`,
      );
    }
  }
}
