import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { contacts } from "../../src/platform/db/schema";
import { json, request } from "../helpers/app";
import { apiKeyHeaders, bearer, tokenFor } from "../helpers/auth";
import { countingD1 } from "../helpers/d1";
import { insertContact, insertConversation, testDb } from "../helpers/factories";
import { DOCS_CONVERSATION, SNAPSHOT } from "../helpers/seed";

const snapshotPath = `/api/training/snapshots/${SNAPSHOT}`;
const conversationPath = `/v1/api/conversations/${DOCS_CONVERSATION}`;

function withHeaders(init: RequestInit, headers: Record<string, string>): RequestInit {
  return { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } };
}

describe("conditional GET", () => {
  it.each([
    ["snapshot", snapshotPath, async () => bearer(await tokenFor())],
    ["conversation", conversationPath, async () => apiKeyHeaders()],
  ])(
    "%s: ETag, then 304 without a body for If-None-Match, weak or strong",
    async (_, path, auth) => {
      const first = await request(path, await auth());
      const etag = first.headers.get("etag") as string;
      expect(etag).toMatch(/^"(v\d+\.)?[0-9a-f]{16}"$/);
      expect(first.headers.get("cache-control")).toBe("private, no-cache");

      for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
        const again = await request(path, withHeaders(await auth(), { "if-none-match": tag }));
        expect(again.status, tag).toBe(304);
        expect(await again.text()).toBe("");
        expect(again.headers.get("etag")).toBe(etag);
      }
      const stale = await request(path, withHeaders(await auth(), { "if-none-match": '"stale"' }));
      expect(stale.status).toBe(200);
      expect(await stale.json()).toEqual(await first.json());
    },
  );

  it("gives the snapshot a new ETag when it is edited, and when its contact is deleted", async () => {
    const token = await tokenFor();
    const contact = await insertContact();
    await insertConversation({ contactId: contact.id });
    const created = await request(
      "/api/training/snapshots",
      json({ contactId: contact.id }, bearer(token)),
    );
    const { data } = (await created.json()) as { data: { _id: string } };
    const path = `/api/training/snapshots/${data._id}`;
    const v1 = (await request(path, bearer(token))).headers.get("etag") as string;

    await testDb().delete(contacts).where(eq(contacts.id, contact.id));
    const afterDelete = await request(path, withHeaders(bearer(token), { "if-none-match": v1 }));
    expect(afterDelete.status).toBe(200);
    const v1b = afterDelete.headers.get("etag") as string;
    expect(v1b).not.toBe(v1);
    expect(v1b.startsWith('"v1.')).toBe(true);

    const patched = await request(
      path,
      json(
        { notes: "edited" },
        {
          ...bearer(token),
          method: "PATCH",
          headers: { ...(bearer(token).headers as Record<string, string>), "if-match": v1b },
        },
      ),
    );
    expect(patched.status).toBe(200);
    const v2 = patched.headers.get("etag") as string;
    expect(v2.startsWith('"v2.')).toBe(true);
    expect((await request(path, withHeaders(bearer(token), { "if-none-match": v1b }))).status).toBe(
      200,
    );
    expect((await request(path, withHeaders(bearer(token), { "if-none-match": v2 }))).status).toBe(
      304,
    );
  });

  it("changes the conversation's ETag when a message is acted on", async () => {
    const before = (await request(conversationPath, apiKeyHeaders())).headers.get("etag") as string;
    await env.DB.prepare(
      "update messages set message = 'Thanks!' where id = '675c8e368824aa5f130b94d3'",
    ).run();
    const after = await request(
      conversationPath,
      withHeaders(apiKeyHeaders(), { "if-none-match": before }),
    );
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(before);
  });

  it("marks lists and errors private, no-store", async () => {
    const list = await request("/api/training/snapshots", bearer(await tokenFor()));
    expect(list.headers.get("cache-control")).toBe("private, no-store");
    const conversations = await request("/v1/api/conversations", apiKeyHeaders());
    expect(conversations.headers.get("cache-control")).toBe("private, no-store");
    const denied = await request(snapshotPath);
    expect(denied.headers.get("cache-control")).toBe("private, no-store");
    expect(denied.headers.get("etag")).toBeNull();
  });
});

describe("D1 sessions and bookmarks", () => {
  it("reads in 'first-unconstrained' and writes in 'first-primary', returning the bookmark", async () => {
    const { db, counter } = countingD1(env.DB);
    const token = await tokenFor();
    const read = await request(snapshotPath, bearer(token), { DB: db });
    expect(read.headers.get("x-d1-bookmark")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/,
    );
    const write = await request(
      snapshotPath,
      json({ notes: "session" }, { method: "PATCH", ...bearer(token) }),
      { DB: db },
    );
    expect(write.status).toBe(200);
    expect(counter.sessions).toEqual(["first-unconstrained", "first-primary"]);
    expect(write.headers.get("x-d1-bookmark")).toMatch(/^[0-9a-f-]{59}$/);
  });

  it("reads from the client's bookmark when it sends one back, so it reads its own writes", async () => {
    const { db, counter } = countingD1(env.DB);
    const token = await tokenFor();
    const write = await request(
      snapshotPath,
      json({ notes: "read me back" }, { method: "PATCH", ...bearer(token) }),
      { DB: db },
    );
    const bookmark = write.headers.get("x-d1-bookmark") as string;
    const read = await request(
      snapshotPath,
      withHeaders(bearer(token), { "x-d1-bookmark": bookmark }),
      { DB: db },
    );
    expect(counter.sessions).toEqual(["first-primary", bookmark]);
    expect(((await read.json()) as { data: { notes: string } }).data.notes).toBe("read me back");
    expect(read.headers.get("x-d1-bookmark")).not.toBeNull();
  });

  it.each([
    ["training", snapshotPath, async () => bearer(await tokenFor())],
    ["conversations", conversationPath, async () => apiKeyHeaders()],
  ])(
    "400 for a malformed bookmark, in the %s envelope, before any query",
    async (surface, path, auth) => {
      const { db, counter } = countingD1(env.DB);
      for (const bookmark of [
        "garbage",
        "0000-0000",
        `${"0".repeat(8)}-${"0".repeat(8)}-${"0".repeat(8)}-${"g".repeat(32)}`,
        "x".repeat(300),
      ]) {
        const response = await request(
          path,
          withHeaders(await auth(), { "x-d1-bookmark": bookmark }),
          { DB: db },
        );
        const body = (await response.json()) as Record<string, any>;
        expect(response.status).toBe(400);
        const details = surface === "training" ? body.details : body.error.details;
        expect(details).toEqual([
          expect.objectContaining({ field: "header.x-d1-bookmark", rule: "pattern" }),
        ]);
        expect(response.headers.get("x-request-id")).not.toBeNull();
      }
      expect(counter.roundTrips).toBe(0);
      expect(counter.sessions).toEqual([]);
    },
  );

  it("keeps one round trip per warm read inside the session", async () => {
    const token = await tokenFor();
    await request(snapshotPath, bearer(token));
    const { db, counter } = countingD1(env.DB);
    const response = await request(snapshotPath, bearer(token), { DB: db });
    expect(response.status).toBe(200);
    expect(counter.roundTrips).toBe(1);
  });
});
