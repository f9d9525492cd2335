import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { contacts, users } from "../../src/platform/db/schema";
import { snapshotExample } from "../fixtures/vendor-examples";
import { request } from "../helpers/app";
import { bearer, tokenFor } from "../helpers/auth";
import { countingD1 } from "../helpers/d1";
import { insertContact, insertSnapshot, insertUser, testDb } from "../helpers/factories";
import { ACME, AGENT, BOB, GLOBEX, GLOBEX_SNAPSHOT, SNAPSHOT } from "../helpers/seed";

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const path = (id: string) => `/api/training/snapshots/${id}`;

async function getSnapshot(id: string, token?: string) {
  const response = await request(path(id), bearer(token ?? (await tokenFor())));
  return { response, body: (await response.json()) as Record<string, any> };
}

describe("GET /api/training/snapshots/{id}: the documented document", () => {
  it("returns the seed snapshot exactly as the vendor documents it, field by field", async () => {
    const { response, body } = await getSnapshot(SNAPSHOT);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(Object.keys(body).sort()).toEqual(["data", "success"]);
    expect(body.success).toBe(true);

    const data = body.data;
    expect(Object.keys(data).sort()).toEqual(
      [
        "_id",
        "organizationId",
        "userId",
        "contactId",
        "customerName",
        "customerPhone",
        "customerEmail",
        "messages",
        "messageCount",
        "snapshotDate",
        "conversationStartDate",
        "conversationEndDate",
        "notes",
        "tags",
        "quality",
        "category",
        "isArchived",
        "createdAt",
        "updatedAt",
      ].sort(),
    );
    const { firstMessage, ...documented } = snapshotExample;
    for (const [key, value] of Object.entries(documented)) {
      expect(data[key], key).toStrictEqual(value);
    }
    expect(Object.keys(data.userId).sort()).toEqual(["_id", "email", "firstName", "lastName"]);
    expect(Object.keys(data.contactId).sort()).toEqual(
      ["_id", "channelType", "email", "firstName", "lastName", "phoneNumber"].sort(),
    );
    expect(data.messages[0]).toStrictEqual(firstMessage);
  });

  it("returns the four copied messages oldest first, each in the documented shape", async () => {
    const { body } = await getSnapshot(SNAPSHOT);
    const messages = body.data.messages as Record<string, unknown>[];
    expect(messages).toHaveLength(4);
    expect(body.data.messageCount).toBe(messages.length);
    for (const message of messages) {
      expect(Object.keys(message).sort()).toEqual(
        ["content", "id", "sender", "senderType", "timestamp"].sort(),
      );
      expect(message.id).toMatch(/^[0-9a-f]{24}$/);
      expect(typeof message.content).toBe("string");
      expect(["user", "contact"]).toContain(message.sender);
      expect(["AI", "human", "system"]).toContain(message.senderType);
      expect(message.timestamp).toMatch(ISO_MS);
      if (message.sender === "contact") expect(message.senderType).toBe("human");
    }
    const times = messages.map((m) => Date.parse(m.timestamp as string));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(messages.map((m) => m.sender)).toEqual(["user", "contact", "user", "contact"]);
  });

  it("formats every date as ISO 8601 UTC with milliseconds", async () => {
    const { body } = await getSnapshot(SNAPSHOT);
    for (const key of [
      "snapshotDate",
      "conversationStartDate",
      "conversationEndDate",
      "createdAt",
      "updatedAt",
    ]) {
      expect(body.data[key], key).toMatch(ISO_MS);
    }
  });

  it("accepts the id in upper case", async () => {
    const { response, body } = await getSnapshot(SNAPSHOT.toUpperCase());
    expect(response.status).toBe(200);
    expect(body.data._id).toBe(SNAPSHOT);
  });

  it("is readable by every role, agents included", async () => {
    const { response } = await getSnapshot(
      SNAPSHOT,
      await tokenFor({ userId: AGENT, role: "agent" }),
    );
    expect(response.status).toBe(200);
  });
});

describe("null versus missing", () => {
  it("returns empty optional text as null, and keeps every key", async () => {
    const { snapshot } = await insertSnapshot({
      messageCount: 0,
      fields: {
        notes: "",
        category: null,
        quality: null,
        customerName: "  ",
        customerPhone: null,
        customerEmail: null,
        tags: [],
      },
    });
    const { response, body } = await getSnapshot(snapshot.id);
    expect(response.status).toBe(200);
    const data = body.data;
    expect(data.notes).toBeNull();
    expect(data.category).toBeNull();
    expect(data.quality).toBeNull();
    expect(data.customerName).toBeNull();
    expect(data.customerPhone).toBeNull();
    expect(data.customerEmail).toBeNull();
    expect(data.conversationStartDate).toBeNull();
    expect(data.conversationEndDate).toBeNull();
    expect(data.userId).toBeNull();
    expect(data.contactId).toBeNull();
    expect(data.tags).toEqual([]);
    expect(data.messages).toEqual([]);
    expect(data.messageCount).toBe(0);
    expect(Object.keys(data)).toHaveLength(19);
  });

  it("populates null for a deleted creator and a deleted contact, keeping the copied customer", async () => {
    const user = await insertUser();
    const contact = await insertContact({ firstName: "Gone", lastName: "Soon" });
    const { snapshot } = await insertSnapshot({ userId: user.id, contactId: contact.id });

    const before = await getSnapshot(snapshot.id);
    expect(before.body.data.userId._id).toBe(user.id);
    expect(before.body.data.contactId).toStrictEqual({
      _id: contact.id,
      firstName: "Gone",
      lastName: "Soon",
      phoneNumber: contact.phoneNumber,
      email: contact.email,
      channelType: "sms",
    });

    await testDb().delete(users).where(eq(users.id, user.id));
    await testDb().delete(contacts).where(eq(contacts.id, contact.id));

    const after = await getSnapshot(snapshot.id);
    expect(after.response.status).toBe(200);
    expect(after.body.data.userId).toBeNull();
    expect(after.body.data.contactId).toBeNull();
    expect(after.body.data.customerName).toBe(snapshot.customerName);
    expect(after.body.data.messages).toHaveLength(3);
  });

  it("serves a snapshot of 1,000 messages in order, in one round trip", async () => {
    const { snapshot, messages } = await insertSnapshot({ messageCount: 1000 });
    const token = await tokenFor();
    // Warm: the isolate has met the organization, and knows its shard.
    await request(path(snapshot.id), bearer(token));
    const { db, counter } = countingD1(env.DB);
    const response = await request(path(snapshot.id), bearer(token), { DB: db });
    const body = (await response.json()) as Record<string, any>;
    expect(response.status).toBe(200);
    expect(body.data.messageCount).toBe(1000);
    expect(body.data.messages.map((m: { id: string }) => m.id)).toEqual(
      messages.map((m) => m.messageId),
    );
    expect(counter.roundTrips).toBe(1);
  });
});

describe("authentication", () => {
  it("401 missing_token without an Authorization header", async () => {
    const response = await request(path(SNAPSHOT));
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(body).toStrictEqual({
      success: false,
      error: "Authorization header with a Bearer token is required",
      code: "missing_token",
      requestId: response.headers.get("x-request-id"),
    });
  });
});

describe("tenant isolation", () => {
  it("answers another organization's snapshot exactly like a missing one", async () => {
    const globexToken = await tokenFor({ userId: BOB, organizationId: GLOBEX });
    const foreign = await getSnapshot(SNAPSHOT, globexToken);
    const missing = await getSnapshot("0123456789abcdef01234567", globexToken);
    expect(foreign.response.status).toBe(404);
    expect(missing.response.status).toBe(404);
    expect(foreign.body.code).toBe("not_found");
    expect(foreign.body.code).toBe(missing.body.code);

    const own = await getSnapshot(GLOBEX_SNAPSHOT, globexToken);
    expect(own.response.status).toBe(200);
    expect(own.body.data.organizationId).toBe(GLOBEX);
  });

  it("does not let Acme read Globex's snapshot", async () => {
    const { response, body } = await getSnapshot(GLOBEX_SNAPSHOT);
    expect(response.status).toBe(404);
    expect(body).toMatchObject({ success: false, code: "not_found" });
    expect(JSON.stringify(body)).not.toContain("Hank");
  });

  it("uses the organization of the token, not anything the client could name", async () => {
    const acmeToken = await tokenFor({ organizationId: ACME });
    const { body } = await getSnapshot(SNAPSHOT, acmeToken);
    expect(body.data.organizationId).toBe(ACME);
  });
});
