import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { request } from "../helpers/app";
import { apiKeyHeaders, bearer, tokenFor } from "../helpers/auth";
import { countingD1 } from "../helpers/d1";

/** Path ids that must never reach a query: answered 400, naming the parameter and the rule. */
const hostileIds: [string, string][] = [
  ["too long", "67f1a0b0c0d0e0f0a0b0c0d0ff"],
  ["too short", "67f1a0"],
  ["encoded traversal", "..%2F..%2Fetc%2Fpasswd"],
  ["SQL", "1'%20OR%20'1'%3D'1"],
  ["SQL comment", "x%3B--%20DROP%20TABLE%20users"],
  ["unicode", "%E2%9C%93%E2%9C%93%E2%9C%93"],
  ["emoji padding to 24 chars", "%F0%9F%98%80".repeat(24)],
  ["encoded NUL", "67f1a0b0c0d0e0f0a0b0c0d%00"],
  ["whitespace", "%2067f1a0b0c0d0e0f0a0b0c0d0"],
];

/** A request of the caller's organization first: the isolate knows its shard (a warm request). */
const warm = (init: RequestInit) =>
  request(
    "authorization" in (init.headers as Record<string, string>)
      ? "/api/users/me"
      : "/v1/api/conversations?limit=1",
    init,
  );

describe("Training API: bad snapshot ids", () => {
  it.each([...hostileIds, ["not hex", "zzzzzzzzzzzzzzzzzzzzzzzz"]])(
    "400 for %s, before any query",
    async (_, id) => {
      const token = await tokenFor();
      await warm(bearer(token));
      const { db, counter } = countingD1(env.DB);
      const response = await request(`/api/training/snapshots/${id}`, bearer(token), {
        DB: db,
      });
      const body = (await response.json()) as Record<string, any>;
      expect(response.status).toBe(400);
      expect(body).toMatchObject({ success: false, code: "validation_failed" });
      expect(body.details).toEqual([
        expect.objectContaining({ field: "path.id", rule: "pattern" }),
      ]);
      expect(body.error).toContain("path.id");
      expect(counter.roundTrips).toBe(0);
    },
  );

  it("400 for an empty id (trailing slash), naming it required", async () => {
    const response = await request("/api/training/snapshots/", bearer(await tokenFor()));
    const body = (await response.json()) as Record<string, any>;
    expect(response.status).toBe(400);
    expect(body.details).toEqual([{ field: "path.id", rule: "required", message: "is required" }]);
  });

  it("never serves a file for a raw ../ path: URL normalization leaves an unknown route", async () => {
    const response = await request(
      "/api/training/snapshots/../../../etc/passwd",
      bearer(await tokenFor()),
    );
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ success: false, code: "route_not_found" });
  });
});

describe("Conversations API: bad conversation ids", () => {
  // Authentication comes before validation: the key is looked up (once, then cached) even for a
  // bad id. Verified first here, so what is counted below is what the id itself causes.
  beforeAll(async () => {
    await request("/v1/api/conversations?limit=1", apiKeyHeaders());
  });

  it.each([
    ...hostileIds.filter(([name]) => name !== "too long" && name !== "too short"),
    ["65 characters", "a".repeat(65)],
  ])("400 for %s, before any query", async (_, id) => {
    await warm(apiKeyHeaders());
    const { db, counter } = countingD1(env.DB);
    const response = await request(`/v1/api/conversations/${id}`, apiKeyHeaders(), { DB: db });
    const body = (await response.json()) as Record<string, any>;
    expect(response.status).toBe(400);
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details).toEqual([
      expect.objectContaining({ field: "path.conversationId", rule: "pattern" }),
    ]);
    expect(counter.roundTrips).toBe(0);
  });

  it("accepts the longest allowed id (64 characters) and answers 404 for it", async () => {
    const response = await request(`/v1/api/conversations/${"a".repeat(64)}`, apiKeyHeaders());
    expect(response.status).toBe(404);
  });

  it("400 for an empty id, in the Conversations envelope", async () => {
    const response = await request("/v1/api/conversations/", apiKeyHeaders());
    const body = (await response.json()) as Record<string, any>;
    expect(response.status).toBe(400);
    expect(body.error.details).toEqual([
      { field: "path.conversationId", rule: "required", message: "is required" },
    ]);
  });
});
