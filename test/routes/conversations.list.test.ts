import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe, expect, it } from "vitest";
import { listQuery } from "../../src/surfaces/conversations-api/conversations/conversations.repository";
import type { ConversationFilters } from "../../src/surfaces/conversations-api/conversations/conversations.schemas";
import { d1RoundTrips, request } from "../helpers/app";
import { apiKeyHeaders } from "../helpers/auth";
import { countingD1 } from "../helpers/d1";
import { insertManyConversations, newestFirst } from "../helpers/factories";
import { queryPlan } from "../helpers/plans";
import { ACME, DOCS_CONVERSATION, GLOBEX, GLOBEX_CONVERSATION, GLOBEX_KEY } from "../helpers/seed";

type Conversation = Record<string, any>;
let inserted: Awaited<ReturnType<typeof insertManyConversations>>;

beforeAll(async () => {
  inserted = await insertManyConversations(
    270,
    (i, createdAt) => ({
      pathwayId: i % 3 === 0 ? "pw-walk-a" : "pw-walk-b",
      agentId: i % 2 === 0 ? "ag-even" : "ag-odd",
      // Pairs share a millisecond, so the id tie-break is exercised.
      createdAt: i % 2 === 1 ? createdAt - 10 : createdAt,
      updatedAt: createdAt + (i % 4 === 0 ? 1_000_000 : 1),
    }),
    2,
  );
});

async function get(url: string, init: RequestInit = apiKeyHeaders(), bindings: Partial<Env> = {}) {
  const response = await request(url, init, bindings);
  return { response, body: (await response.json()) as any };
}

/** Follows `Link: <…>; rel="next"` until it is absent. */
async function walkLinks(first: string, during?: () => Promise<void>) {
  const ids: string[] = [];
  let next: string | null = first;
  for (let pages = 0; next && pages < 300; pages++) {
    const { response, body } = await get(next);
    expect(response.status).toBe(200);
    expect(Array.isArray(body)).toBe(true);
    ids.push(...(body as Conversation[]).map((c) => c._id));
    const link = response.headers.get("link");
    next = link ? (/^<([^>]+)>; rel="next"$/.exec(link)?.[1] ?? null) : null;
    if (link) expect(next, link).not.toBeNull();
    if (next) await during?.();
  }
  return ids;
}

describe("GET /v1/api/conversations", () => {
  it("returns a bare array of conversations in the get-by-id shape", async () => {
    const { response, body } = await get("/v1/api/conversations?limit=2");
    expect(response.status).toBe(200);
    expect(body).toHaveLength(2);
    for (const conversation of body as Conversation[]) {
      const single = await get(`/v1/api/conversations/${conversation._id}`);
      expect(conversation).toStrictEqual(single.body);
    }
    expect(response.headers.get("link")).toMatch(
      /^<http:\/\/[^>]+\/v1\/api\/conversations\?limit=2&cursor=[A-Za-z0-9_-]+>; rel="next"$/,
    );
  });

  it("defaults to 20 per page", async () => {
    const { body } = await get("/v1/api/conversations");
    expect(body).toHaveLength(20);
  });

  it("walks ≥ 250 conversations through Link: no duplicates, no gaps, newest first", async () => {
    const ids = await walkLinks("/v1/api/conversations?limit=17&pathwayId=pw-walk-b");
    const expected = newestFirst(inserted.filter((c) => c.pathwayId === "pw-walk-b"));
    expect(ids).toEqual(expected);

    const all = await walkLinks("/v1/api/conversations?limit=100");
    expect(all.length).toBeGreaterThanOrEqual(250 + 28);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain(DOCS_CONVERSATION);
    expect(all).not.toContain(GLOBEX_CONVERSATION);
  });

  it("stays stable while conversations are created during the walk", async () => {
    const expected = newestFirst(inserted.filter((c) => c.agentId === "ag-odd"));
    const ids = await walkLinks("/v1/api/conversations?limit=25&agentId=ag-odd", async () => {
      await insertManyConversations(1, () => ({ agentId: "ag-odd" }), 1);
    });
    expect(ids).toEqual(expected);
  });

  it("keeps every filter and the limit in the next link", async () => {
    const { response } = await get(
      "/v1/api/conversations?limit=5&agentId=ag-even&pathwayId=pw-walk-a",
    );
    const link = response.headers.get("link") ?? "";
    const url = new URL(/<([^>]+)>/.exec(link)?.[1] ?? "");
    expect(url.searchParams.get("limit")).toBe("5");
    expect(url.searchParams.get("agentId")).toBe("ag-even");
    expect(url.searchParams.get("pathwayId")).toBe("pw-walk-a");
  });

  it.each([
    ["agentId", "agentId=ag-even", (c: (typeof inserted)[number]) => c.agentId === "ag-even"],
    [
      "pathwayId",
      "pathwayId=pw-walk-a",
      (c: (typeof inserted)[number]) => c.pathwayId === "pw-walk-a",
    ],
    [
      "agentId + pathwayId",
      "agentId=ag-odd&pathwayId=pw-walk-a",
      (c: (typeof inserted)[number]) => c.agentId === "ag-odd" && c.pathwayId === "pw-walk-a",
    ],
  ])("filters by %s", async (_, query, keep) => {
    const ids = await walkLinks(`/v1/api/conversations?limit=100&${query}`);
    expect(ids).toEqual(newestFirst(inserted.filter(keep)));
  });

  it("filters by creation and update time", async () => {
    const sorted = [...inserted].sort((a, b) => a.createdAt - b.createdAt);
    const low = sorted[50] as (typeof inserted)[number];
    const high = sorted[120] as (typeof inserted)[number];
    const range = `createdAfter=${new Date(low.createdAt).toISOString()}&createdBefore=${new Date(high.createdAt).toISOString()}`;
    const ids = await walkLinks(`/v1/api/conversations?limit=30&pathwayId=pw-walk-b&${range}`);
    expect(ids).toEqual(
      newestFirst(
        inserted.filter(
          (c) =>
            c.pathwayId === "pw-walk-b" &&
            c.createdAt > low.createdAt &&
            c.createdAt < high.createdAt,
        ),
      ),
    );

    const threshold = (sorted[0] as (typeof inserted)[number]).createdAt + 500_000;
    const updated = await walkLinks(
      `/v1/api/conversations?limit=40&agentId=ag-even&updatedAfter=${new Date(threshold).toISOString()}`,
    );
    expect(updated).toEqual(
      newestFirst(inserted.filter((c) => c.agentId === "ag-even" && c.updatedAt > threshold)),
    );
    expect(updated.length).toBeGreaterThan(0);
  });

  it("answers every page in one D1 round trip once the key is verified", async () => {
    await get("/v1/api/conversations?limit=1");
    let next: string | null = "/v1/api/conversations?limit=30";
    for (let i = 0; i < 4 && next; i++) {
      const { db, counter } = countingD1(env.DB);
      const { response } = await get(next, apiKeyHeaders(), { DB: db });
      expect(counter.roundTrips).toBe(1);
      expect(d1RoundTrips(response)).toBe(1);
      // The organization's fence beside the page, in one batch: not folded into the page's statement.
      expect(counter.statements).toEqual(["batch(2)"]);
      const [fenceSql, pageSql] = counter.batches[0] ?? [];
      expect(fenceSql).toContain("fence_state");
      expect(pageSql).not.toContain("fence_state");
      next = /<([^>]+)>/.exec(response.headers.get("link") ?? "")?.[1] ?? null;
    }
  });

  it("lists only the caller's workspace", async () => {
    const { body } = await get(
      "/v1/api/conversations?limit=100",
      apiKeyHeaders(GLOBEX_KEY, GLOBEX),
    );
    expect((body as Conversation[]).map((c) => c._id)).toEqual([GLOBEX_CONVERSATION]);
  });

  it.each([
    ["limit=0", "query.limit", "min"],
    ["limit=101", "query.limit", "max"],
    ["limit=ten", "query.limit", "type"],
    ["cursor=%%%", "query.cursor", "cursor"],
    ["cursor=WzEsMl0", "query.cursor", "cursor"],
    ["createdAfter=monday", "query.createdAfter", "datetime"],
    ["updatedAfter=2026-13-45T00:00:00Z", "query.updatedAfter", "datetime"],
    ["agentId=a%20b", "query.agentId", "pattern"],
    ["status=pending", "query.status", "unknown_field"],
  ])("400 for %s, naming %s", async (query, field, rule) => {
    const { response, body } = await get(`/v1/api/conversations?${query}`);
    expect(response.status).toBe(400);
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it("authenticates like every Conversations route", async () => {
    const { response, body } = await get("/v1/api/conversations", {
      headers: { "x-workspace-id": ACME },
    });
    expect(response.status).toBe(401);
    expect(body.error.code).toBe("missing_api_key");
  });
});

describe("GET /v1/api/conversations/flow/{flowId}", () => {
  it("walks one flow's conversations through Link", async () => {
    const ids = await walkLinks("/v1/api/conversations/flow/pw-walk-a?limit=11");
    expect(ids).toEqual(newestFirst(inserted.filter((c) => c.pathwayId === "pw-walk-a")));
  });

  it("holds the seed's flows", async () => {
    const { body } = await get("/v1/api/conversations/flow/pw67890?limit=100");
    expect((body as Conversation[]).length).toBeGreaterThanOrEqual(12);
    expect((body as Conversation[]).every((c) => c.pathwayId === "pw67890")).toBe(true);
  });

  it("returns [] for a flow without conversations, with no Link", async () => {
    const { response, body } = await get("/v1/api/conversations/flow/pw-nothing");
    expect(response.status).toBe(200);
    expect(body).toEqual([]);
    expect(response.headers.get("link")).toBeNull();
  });

  it("400 for a bad flow id or a pathwayId query", async () => {
    const bad = await get("/v1/api/conversations/flow/a%20b");
    expect(bad.body.error.details[0]).toMatchObject({ field: "path.flowId", rule: "pattern" });
    const extra = await get("/v1/api/conversations/flow/pw12345?pathwayId=pw67890");
    expect(extra.body.error.details[0]).toMatchObject({
      field: "query.pathwayId",
      rule: "unknown_field",
    });
    const empty = await get("/v1/api/conversations/flow/");
    expect(empty.response.status).toBe(400);
  });
});

describe("conversation list query plans", () => {
  const _db = drizzle(env.DB);
  const deep = {
    createdAt: Date.parse("2026-07-01T00:00:00.000Z"),
    id: "6a0000000000000000000000",
  };
  const cases: [string, ConversationFilters][] = [
    ["no filter", {}],
    ["pathway", { pathwayId: "pw12345" }],
    ["agent", { agentId: "ag67890" }],
    ["pathway + agent", { pathwayId: "pw12345", agentId: "ag67890" }],
    ["created range", { createdAfter: 1, createdBefore: Date.parse("2027-01-01T00:00:00Z") }],
    ["updated after", { updatedAfter: 1 }],
  ];
  it.each(cases)("%s: index in list order, no temporary sort, at any depth", async (_, filters) => {
    for (const position of [undefined, deep]) {
      for (const query of [listQuery(ACME, filters, position, 21)]) {
        const plan = (await queryPlan(query)).join(" | ");
        expect(plan).toMatch(/SEARCH conversations USING (COVERING )?INDEX conversations_org/);
        // Scans only of the page's own candidates (at most `limit` rows: the index range, then
        // the running message count over them) and of each document's messages (`m`, one
        // conversation's, found through its index); never of a table.
        const scans = [...plan.matchAll(/(?:^|\| )SCAN ([^|]+?)(?= \||$)/g)].map((m) => m[1]);
        for (const scan of scans)
          expect(scan, plan).toMatch(/^(limited|candidates|m|\(subquery-\d+\))$/);
        expect(plan).toMatch(/SEARCH messages USING INDEX messages_conversation_created_idx/);
        expect(plan).toMatch(/SEARCH counted USING INDEX messages_conversation_created_idx/);
        // With updatedAfter SQLite may range (organization, updated_at) and sort what it finds:
        // the cost then follows how many conversations changed since, which a sync keeps small.
        // Otherwise the only sort is of the page's candidates, in the final order.
        if (filters.updatedAfter === undefined) {
          const sorts = plan.match(/TEMP B-TREE/g) ?? [];
          expect(sorts.length, plan).toBeLessThanOrEqual(1);
          if (sorts.length === 1)
            expect(plan, plan).toMatch(/SCAN candidates .*USE TEMP B-TREE FOR ORDER BY$/);
        }
      }
    }
  });
});

describe("a page's message budget", () => {
  it("stops after the conversation that passes 5,000 messages; the Link continues from there", async () => {
    // A flow of its own: 7 conversations of 1,000 messages, newest first.
    const big = await insertManyConversations(7, () => ({ pathwayId: "pw-budget" }), 1000);
    const expected = newestFirst(big);
    const first = await get("/v1/api/conversations/flow/pw-budget?limit=20");
    const page1 = first.body as Conversation[];
    // 0, 1,000 … 4,000 messages before each of the first five: all under the budget; the sixth
    // would start at 5,000.
    expect(page1.map((c) => c._id)).toEqual(expected.slice(0, 5));
    expect(page1.every((c) => c.messages.length === 1000)).toBe(true);
    const link = /<([^>]+)>; rel="next"/.exec(first.response.headers.get("link") ?? "")?.[1];
    expect(link).toBeDefined();
    const second = await get(link as string);
    expect((second.body as Conversation[]).map((c) => c._id)).toEqual(expected.slice(5));
    expect(second.response.headers.get("link")).toBeNull();
  });
});
