import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeCursor } from "../../src/platform/http/cursor";
import { listSnapshotsQuery } from "../../src/surfaces/training-api/snapshots/snapshots.repository";
import type { SnapshotFilters } from "../../src/surfaces/training-api/snapshots/snapshots.schemas";
import { d1RoundTrips, json, request } from "../helpers/app";
import { bearer, newOrganization, tokenFor } from "../helpers/auth";
import { countingD1 } from "../helpers/d1";
import { insertContact, insertManySnapshots, newestFirst } from "../helpers/factories";
import { queryPlan } from "../helpers/plans";
import { ACME, BOB, GLOBEX, JANE, SNAPSHOT } from "../helpers/seed";

type Item = Record<string, any>;
type Page = {
  success: boolean;
  data: Item[];
  pagination: { nextCursor: string | null; hasMore: boolean; limit: number };
};

const qualities = ["good", "neutral", "bad"] as const;
/*
 * The 300 listed snapshots live in an organization of their own, so what other tests write (in
 * Acme, or in organizations of their own) never shows in the walks that expect exactly them.
 */
let lists: Awaited<ReturnType<typeof newOrganization>>;
let contactId: string;
let inserted: Awaited<ReturnType<typeof insertManySnapshots>>;

/** A page of the list as `token` (the listed organization's manager unless told). */
async function page(query: string, bindings: Partial<Env> = {}, token = lists.token) {
  const response = await request(`/api/training/snapshots${query}`, bearer(token), bindings);
  return { response, body: (await response.json()) as Page & Item };
}

/** Follows nextCursor to the end as `token`; `during` runs between pages. */
async function walk(
  params: Record<string, string | string[]>,
  {
    token = lists.token,
    during,
  }: { token?: string; during?: (pageNo: number) => Promise<void> } = {},
) {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pageNo = 0; pageNo < 200; pageNo++) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      for (const v of [value].flat()) search.append(key, v);
    }
    if (cursor) search.set("cursor", cursor);
    const { response, body } = await page(`?${search}`, {}, token);
    expect(response.status).toBe(200);
    ids.push(...body.data.map((s) => s._id as string));
    expect(body.pagination.hasMore).toBe(body.pagination.nextCursor !== null);
    cursor = body.pagination.nextCursor;
    if (!cursor) return ids;
    await during?.(pageNo);
  }
  throw new Error("the walk did not end");
}

beforeAll(async () => {
  lists = await newOrganization("manager");
  contactId = (await insertContact({ organizationId: lists.organizationId })).id;
  inserted = await insertManySnapshots(
    300,
    (i, createdAt) => ({
      organizationId: lists.organizationId,
      quality: qualities[i % 3],
      category: i % 2 === 0 ? "support" : "sales",
      tags: [i % 2 === 0 ? "even" : "odd", ...(i % 5 === 0 ? ["fifth"] : [])],
      contactId: i % 10 === 0 ? contactId : null,
      isArchived: i % 50 === 49,
      notes: i % 7 === 0 ? `Discount_50% offered to #${i}` : `plain ${i}`,
      // Pairs (2k, 2k+1) share a millisecond, so the id tie-break is exercised.
      createdAt: i % 2 === 1 ? createdAt - 10 : createdAt,
    }),
    1,
  );
});

describe("GET /api/training/snapshots", () => {
  it("returns the documented envelope with list items that omit messages", async () => {
    const { response, body } = await page("?limit=3");
    expect(response.status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["data", "pagination", "success"]);
    expect(body.pagination).toMatchObject({ hasMore: true, limit: 3 });
    expect(typeof body.pagination.nextCursor).toBe("string");
    expect(body.data).toHaveLength(3);
    for (const item of body.data) {
      expect(item).not.toHaveProperty("messages");
      expect(item).toHaveProperty("messageCount");
      expect(item).toHaveProperty("userId");
      expect(item).toHaveProperty("contactId");
    }
  });

  it("defaults to 20 items and reports the limit", async () => {
    const { body } = await page("");
    expect(body.data).toHaveLength(20);
    expect(body.pagination.limit).toBe(20);
  });

  it("populates the seed snapshot like GET does", async () => {
    const acme = await tokenFor();
    const all = await walk({ limit: "100", tag: "sales" }, { token: acme });
    expect(all).toContain(SNAPSHOT);
    const { body } = await page("?tag=pricing", {}, acme);
    const item = body.data.find((s) => s._id === SNAPSHOT);
    const single = (await (
      await request(`/api/training/snapshots/${SNAPSHOT}`, bearer(await tokenFor()))
    ).json()) as { data: Item };
    const { messages: _, ...expected } = single.data;
    expect(item).toStrictEqual(expected);
  });

  it("walks ≥ 250 snapshots with a filter: no duplicates, no gaps, newest first, ties by id", async () => {
    const expected = newestFirst(inserted.filter((s) => s.category === "support" && !s.isArchived));
    expect(expected.length).toBeGreaterThan(100);
    const ids = await walk({ category: "support", limit: "7" });
    expect(ids).toEqual(expected);

    const everything = await walk({ limit: "13" });
    const expectedAll = newestFirst(inserted.filter((s) => !s.isArchived));
    expect(everything.length).toBeGreaterThanOrEqual(250);
    expect(everything).toEqual(expectedAll);
  });

  it("stays stable while new snapshots are created during the walk", async () => {
    // Its own organization: the snapshots it adds would show in the other tests' walks.
    const { organizationId, token } = await newOrganization("manager");
    const tagged = (i: number) => ({ organizationId, tags: [i % 2 === 0 ? "even" : "odd"] });
    const before = await insertManySnapshots(60, tagged, 1);
    const expected = newestFirst(before.filter((s) => s.tags.includes("odd")));
    const ids = await walk(
      { tag: "odd", limit: "4" },
      {
        token,
        during: async () => {
          await insertManySnapshots(2, () => ({ organizationId, tags: ["odd"] }), 1);
        },
      },
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expected);
  });

  it.each([
    ["quality", { quality: "bad" }, (s: (typeof inserted)[number]) => s.quality === "bad"],
    [
      "two tags, both required",
      { tag: ["even", "fifth"] },
      (s: (typeof inserted)[number]) => s.tags.includes("even") && s.tags.includes("fifth"),
    ],
    ["contactId", { contactId: "" }, (s: (typeof inserted)[number]) => s.contactId === contactId],
    [
      "quality + category + tag",
      { quality: "good", category: "sales", tag: "odd" },
      (s: (typeof inserted)[number]) => s.quality === "good" && s.category === "sales",
    ],
  ])("filters by %s", async (_, params, keep) => {
    const query = { ...params, limit: "50" } as Record<string, string | string[]>;
    if ("contactId" in query) query.contactId = contactId;
    const ids = await walk(query);
    expect(ids).toEqual(newestFirst(inserted.filter((s) => keep(s) && !s.isArchived)));
    expect(ids.length).toBeGreaterThan(0);
  });

  it("lists archived snapshots only when asked", async () => {
    const archived = await walk({ isArchived: "true", limit: "100" });
    expect(archived).toEqual(newestFirst(inserted.filter((s) => s.isArchived)));
    expect(archived).toHaveLength(6);
  });

  it("filters by creation time (exclusive bounds)", async () => {
    const sorted = [...inserted].sort((a, b) => a.createdAt - b.createdAt);
    const after = sorted[100] as (typeof inserted)[number];
    const before = sorted[150] as (typeof inserted)[number];
    const ids = await walk({
      createdAfter: new Date(after.createdAt).toISOString(),
      createdBefore: new Date(before.createdAt).toISOString(),
      limit: "100",
    });
    expect(ids).toEqual(
      newestFirst(
        inserted.filter(
          (s) => s.createdAt > after.createdAt && s.createdAt < before.createdAt && !s.isArchived,
        ),
      ),
    );
  });

  it("searches notes and customer names case-insensitively, with LIKE wildcards taken literally", async () => {
    const ids = await walk({ q: "discount_50%", limit: "100" });
    expect(ids).toEqual(
      newestFirst(inserted.filter((s) => s.notes?.startsWith("Discount") && !s.isArchived)),
    );
    expect((await walk({ q: "customer 12" })).length).toBeGreaterThan(0);
    expect(await walk({ q: "%" })).toEqual(
      newestFirst(inserted.filter((s) => s.notes?.includes("%") && !s.isArchived)),
    );
  });

  it("searches with any valid q: 60 letters, 100 characters, FTS5 syntax taken literally", async () => {
    // Its own organization: only these three can match.
    const { organizationId, token } = await newOrganization("manager");
    const long = "a".repeat(60);
    const marked = await insertManySnapshots(3, (i) => ({
      organizationId,
      notes:
        i === 0 ? `x ${long} y` : i === 1 ? 'quote " AND * NEAR( col: -x ^y' : `${"é".repeat(100)}`,
    }));
    // 60 letters: D1 refused the LIKE pattern ('%' + 60 + '%' > 50 bytes) and this was a 503.
    expect(await walk({ q: long }, { token })).toEqual([marked[0]?.id]);
    expect(await walk({ q: 'quote " AND * NEAR( col: -x ^y' }, { token })).toEqual([marked[1]?.id]);
    expect(await walk({ q: "AND *" }, { token })).toEqual([marked[1]?.id]);
    expect(await walk({ q: "é".repeat(100) }, { token })).toEqual([marked[2]?.id]);
    expect(await walk({ q: "É".repeat(3) }, { token })).toEqual([marked[2]?.id]);
    for (const q of ["x".repeat(100), "é", "zz", '"', "*", "NEAR(", ")"]) {
      const { response } = await page(`?q=${encodeURIComponent(q)}`, {}, token);
      expect(response.status, q).toBe(200);
    }
  });

  it("walks search results page by page, with the other filters, in list order", async () => {
    const ids = await walk({ q: "Discount_50", quality: "good", limit: "3" });
    expect(ids).toEqual(
      newestFirst(
        inserted.filter(
          (s) => s.notes?.startsWith("Discount") && s.quality === "good" && !s.isArchived,
        ),
      ),
    );
    expect(ids.length).toBeGreaterThan(3);
    expect(await walk({ q: "Discount_50", tag: ["fifth", "even"], limit: "2" })).toEqual(
      newestFirst(
        inserted.filter(
          (s) =>
            s.notes?.startsWith("Discount") &&
            s.tags.includes("fifth") &&
            s.tags.includes("even") &&
            !s.isArchived,
        ),
      ),
    );
  });

  it("keeps the search index in step with every write, and within the tenant", async () => {
    // In Acme, with words no other snapshot there has.
    const acme = await tokenFor();
    const manager = bearer(acme);
    const created = await request(
      "/api/training/snapshots",
      json({ contactId: JANE, notes: "tangerine handover" }, manager),
    );
    const id = ((await created.json()) as Item).data._id;
    expect(await walk({ q: "tangerine" }, { token: acme })).toEqual([id]);
    const globex = await request(
      "/api/training/snapshots?q=tangerine",
      bearer(await tokenFor({ userId: BOB, organizationId: GLOBEX })),
    );
    expect(((await globex.json()) as Page).data).toEqual([]);
    await request(
      `/api/training/snapshots/${id}`,
      json({ notes: "clementine handover" }, { ...manager, method: "PATCH" }),
    );
    expect(await walk({ q: "tangerine" }, { token: acme })).toEqual([]);
    expect(await walk({ q: "clementine" }, { token: acme })).toEqual([id]);
    expect(await walk({ q: "Jane Doe", limit: "100" }, { token: acme })).toContain(id);
    await request(`/api/training/snapshots/${id}`, { ...manager, method: "DELETE" });
    expect(await walk({ q: "clementine" }, { token: acme })).toEqual([]);
  });

  it("answers every page in one D1 round trip, however deep", async () => {
    // Warm: this isolate has looked the organization up in the directory (shards.ts), as it has
    // for every request but its first few minutes' first.
    await page("?limit=1");
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const { db, counter } = countingD1(env.DB);
      const { response, body } = await page(`?limit=20${cursor ? `&cursor=${cursor}` : ""}`, {
        DB: db,
      });
      expect(counter.roundTrips).toBe(1);
      expect(d1RoundTrips(response)).toBe(1);
      cursor = body.pagination.nextCursor;
    }
  });

  it("never shows another tenant's snapshots", async () => {
    const ids = await walk({ limit: "100" });
    expect(ids).not.toContain("66f1a0b0c0d0e0f0a0b0c0d0");
    expect(ids).not.toContain(SNAPSHOT);
    const globex = await request(
      "/api/training/snapshots",
      bearer(await tokenFor({ userId: BOB, organizationId: GLOBEX })),
    );
    const body = (await globex.json()) as Page;
    expect(body.data.map((s) => s._id)).toEqual(["66f1a0b0c0d0e0f0a0b0c0d0"]);
    expect(body.data.every((s) => s.organizationId === GLOBEX)).toBe(true);
  });

  it.each([
    ["?limit=0", "query.limit", "min"],
    ["?limit=101", "query.limit", "max"],
    ["?limit=abc", "query.limit", "type"],
    ["?limit=2.5", "query.limit", "type"],
    ["?quality=great", "query.quality", "enum"],
    ["?category=Not%20A%20Slug", "query.category", "pattern"],
    ["?isArchived=yes", "query.isArchived", "enum"],
    ["?createdAfter=yesterday", "query.createdAfter", "datetime"],
    ["?contactId=123", "query.contactId", "pattern"],
    ["?cursor=garbage!", "query.cursor", "cursor"],
    [`?cursor=${btoa("[1,2,3]")}`, "query.cursor", "cursor"],
    ["?tag=a&tag=b&tag=c&tag=d&tag=e&tag=f", "query.tag", "max_length"],
    ["?sort=asc", "query.sort", "unknown_field"],
    [`?q=${"x".repeat(101)}`, "query.q", "max_length"],
  ])("400 for %s, naming %s (%s)", async (query, field, rule) => {
    const { response, body } = await page(query);
    expect(response.status).toBe(400);
    expect(body.code).toBe("validation_failed");
    expect(body.details).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it("accepts a cursor it issued and resumes right after it", async () => {
    const first = await page("?limit=5");
    const last = first.body.data[4] as Item;
    const cursor = encodeCursor({ createdAt: Date.parse(last.createdAt), id: last._id });
    expect(first.body.pagination.nextCursor).toBe(cursor);
  });
});

describe("list query plans", () => {
  const _db = drizzle(env.DB);
  const deep = {
    createdAt: Date.parse("2026-07-01T00:00:00.000Z"),
    id: "6a0000000000000000000000",
  };
  const cases: [string, Partial<SnapshotFilters>][] = [
    ["no filter", {}],
    ["quality", { quality: "good" }],
    ["category", { category: "sales" }],
    ["contact", { contactId: "65c2d0e0f0a0b0c0d0e0f0a0" }],
    ["one tag", { tag: ["sales"] }],
    ["two tags", { tag: ["sales", "pricing"] }],
    ["tag + quality", { tag: ["sales"], quality: "good" }],
    ["created range", { createdAfter: 1, createdBefore: Date.parse("2026-12-01T00:00:00.000Z") }],
    ["a 2-character search, tested on the walked rows", { q: "pr" }],
    ["quality + category", { quality: "good", category: "sales" }],
  ];

  it.each(cases)("%s: index range scan, no temporary sort, at any depth", async (_, filters) => {
    for (const position of [undefined, deep]) {
      const query = listSnapshotsQuery(ACME, { isArchived: false, ...filters }, position, 21);
      const lines = await queryPlan(query);
      const plan = lines.join(" | ");
      expect(lines[0], plan).toMatch(
        /^SEARCH (training_snapshots|training_snapshot_tags) USING (COVERING )?INDEX/,
      );
      for (const line of lines) {
        expect(line, plan).not.toMatch(/^SCAN (?!.*USING (COVERING )?INDEX)/);
        expect(line, plan).not.toMatch(/TEMP B-TREE/);
      }
      if (position) expect(plan).toMatch(/\(created_at,(id|snapshot_id)\)<\(\?,\?\)/);
    }
  });

  it.each([
    ["text search", { q: "price" }],
    ["text search + tag + quality", { q: "price", tag: ["sales"], quality: "good" }],
  ] as [string, Partial<SnapshotFilters>][])(
    "%s: driven by the full-text index, each match fetched by rowid, only the matches sorted",
    async (_, filters) => {
      for (const position of [undefined, deep]) {
        const query = listSnapshotsQuery(ACME, { isArchived: false, ...filters }, position, 21);
        const lines = await queryPlan(query);
        const plan = lines.join(" | ");
        expect(lines[0], plan).toMatch(/^SCAN training_snapshot_search VIRTUAL TABLE INDEX 0:M/);
        expect(lines[1], plan).toBe(
          "SEARCH training_snapshots USING INTEGER PRIMARY KEY (rowid=?)",
        );
        for (const line of lines.slice(1)) {
          expect(line, plan).not.toMatch(/^SCAN/);
          expect(line, plan).not.toMatch(/TEMP B-TREE(?! FOR ORDER BY)/);
        }
      }
    },
  );
});
