import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { conversations, users } from "../../src/platform/db/schema";
import { conversationExample } from "../fixtures/vendor-examples";
import { d1RoundTrips, request } from "../helpers/app";
import { apiKeyHeaders } from "../helpers/auth";
import { countingD1 } from "../helpers/d1";
import {
  insertApiKey,
  insertContact,
  insertConversation,
  insertUser,
  testDb,
} from "../helpers/factories";
import {
  ACME,
  ACME_KEY,
  DOCS_CONVERSATION,
  GLOBEX,
  GLOBEX_CONVERSATION,
  GLOBEX_KEY,
} from "../helpers/seed";

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const path = (id: string) => `/v1/api/conversations/${id}`;

async function getConversation(id: string, init: RequestInit = apiKeyHeaders(), bindings = {}) {
  const response = await request(path(id), init, bindings);
  return { response, body: (await response.json()) as Record<string, any> };
}

/** The Conversations envelope, exactly. */
function expectConversationsError(
  response: Response,
  body: Record<string, any>,
  status: number,
  code: string,
) {
  expect(response.status).toBe(status);
  expect(Object.keys(body)).toEqual(["error"]);
  const keys = Object.keys(body.error).sort();
  expect(keys.filter((k) => k !== "details")).toEqual(["code", "message", "requestId"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.requestId).toBe(response.headers.get("x-request-id"));
}

describe("GET /v1/api/conversations/{conversationId}: the documented document", () => {
  it("returns the vendor's example exactly, with the vendor's non-hex id", async () => {
    const { response, body } = await getConversation(DOCS_CONVERSATION);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(body).toStrictEqual(conversationExample);
  });

  it("has the documented types and key sets, dates with milliseconds", async () => {
    const { body } = await getConversation(DOCS_CONVERSATION);
    expect(Object.keys(body).sort()).toEqual(
      [
        "_id",
        "agentId",
        "createdAt",
        "customer",
        "messages",
        "pathwayId",
        "updatedAt",
        "userId",
      ].sort(),
    );
    expect(typeof body.userId).toBe("string");
    expect(Object.keys(body.customer).sort()).toEqual(["email", "name", "phone"]);
    expect(body.createdAt).toMatch(ISO_MS);
    expect(body.updatedAt).toMatch(ISO_MS);
    for (const message of body.messages) {
      expect(Object.keys(message).sort()).toEqual(
        ["_id", "createdAt", "direction", "message", "sent", "status", "updatedAt"].sort(),
      );
      expect(typeof message.sent).toBe("boolean");
      expect(message.createdAt).toMatch(ISO_MS);
      expect(message.updatedAt).toMatch(ISO_MS);
    }
  });

  it("returns a conversation without messages with an empty array", async () => {
    const { conversation } = await insertConversation({ messageCount: 0 });
    const { response, body } = await getConversation(conversation.id);
    expect(response.status).toBe(200);
    expect(body.messages).toEqual([]);
  });

  it("returns 1,000 messages oldest first, in one round trip once the key is verified", async () => {
    const { conversation, messages } = await insertConversation({ messageCount: 1000 });
    await getConversation(conversation.id); // verifies and caches the key
    const { db, counter } = countingD1(env.DB);
    const { response, body } = await getConversation(conversation.id, apiKeyHeaders(), { DB: db });
    expect(response.status).toBe(200);
    expect(body.messages).toHaveLength(1000);
    expect(body.messages.map((m: { _id: string }) => m._id)).toEqual(messages.map((m) => m.id));
    expect(counter.roundTrips).toBe(1);
  });

  it("gives null for a customer's missing email and phone and for a deleted user", async () => {
    const user = await insertUser();
    const contact = await insertContact({ lastName: null, email: null, phoneNumber: null });
    const { conversation } = await insertConversation({ contactId: contact.id, userId: user.id });
    await testDb().delete(users).where(eq(users.id, user.id));
    const { body } = await getConversation(conversation.id);
    expect(body.userId).toBeNull();
    expect(body.customer).toStrictEqual({ name: "Casey", email: null, phone: null });
  });

  it("returns null pathway and agent ids when the conversation has none", async () => {
    const { conversation } = await insertConversation({ pathwayId: null, agentId: null });
    const { body } = await getConversation(conversation.id);
    expect(body.pathwayId).toBeNull();
    expect(body.agentId).toBeNull();
  });
});

describe("Conversations API authentication matrix", () => {
  const headers = (h: Record<string, string>): RequestInit => ({ headers: h });

  it("401 missing_api_key without x-api-key, or with an empty one", async () => {
    for (const init of [
      headers({ "x-workspace-id": ACME }),
      headers({ "x-api-key": "", "x-workspace-id": ACME }),
    ]) {
      const { response, body } = await getConversation(DOCS_CONVERSATION, init);
      expectConversationsError(response, body, 401, "missing_api_key");
    }
  });

  it.each([
    ["too short", "short"],
    ["a space inside", "dev_acme 0123456789abcdef"],
    ["unicode", "dev_acme_✓0123456789abcdef"],
    ["too long", "k".repeat(129)],
  ])("400 for a malformed x-api-key (%s), naming the header", async (_, key) => {
    const { response, body } = await getConversation(
      DOCS_CONVERSATION,
      headers({ "x-api-key": key, "x-workspace-id": ACME }),
    );
    expectConversationsError(response, body, 400, "validation_failed");
    expect(body.error.details).toEqual([
      expect.objectContaining({ field: "header.x-api-key", rule: "pattern" }),
    ]);
  });

  it("401 invalid_api_key for a well-formed key nobody issued", async () => {
    const { response, body } = await getConversation(
      DOCS_CONVERSATION,
      apiKeyHeaders("dev_acme_ffffffffffffffffffffffffffffffff"),
    );
    expectConversationsError(response, body, 401, "invalid_api_key");
  });

  it("401 invalid_api_key for a revoked key", async () => {
    const { key } = await insertApiKey({ revoked: true });
    const { response, body } = await getConversation(DOCS_CONVERSATION, apiKeyHeaders(key));
    expectConversationsError(response, body, 401, "invalid_api_key");
  });

  it("accepts a freshly issued key at once", async () => {
    const { key } = await insertApiKey();
    const { response } = await getConversation(DOCS_CONVERSATION, apiKeyHeaders(key));
    expect(response.status).toBe(200);
  });

  it("401 missing_workspace for a valid key without x-workspace-id", async () => {
    const { response, body } = await getConversation(
      DOCS_CONVERSATION,
      headers({ "x-api-key": ACME_KEY }),
    );
    expectConversationsError(response, body, 401, "missing_workspace");
  });

  it.each([
    ["not hex", "zzzzzzzzzzzzzzzzzzzzzzzz"],
    ["too short", "65a0e0"],
    ["SQL", "' OR 1=1 --"],
  ])("400 for a malformed x-workspace-id (%s)", async (_, workspace) => {
    const { response, body } = await getConversation(
      DOCS_CONVERSATION,
      headers({ "x-api-key": ACME_KEY, "x-workspace-id": workspace }),
    );
    expectConversationsError(response, body, 400, "validation_failed");
    expect(body.error.details[0]).toMatchObject({
      field: "header.x-workspace-id",
      rule: "pattern",
    });
  });

  it("403 workspace_mismatch for another workspace, existing or not", async () => {
    for (const workspace of [GLOBEX, "0123456789abcdef01234567"]) {
      const { response, body } = await getConversation(
        DOCS_CONVERSATION,
        apiKeyHeaders(ACME_KEY, workspace),
      );
      expectConversationsError(response, body, 403, "workspace_mismatch");
    }
  });

  it("accepts the workspace id in upper case", async () => {
    const { response } = await getConversation(
      DOCS_CONVERSATION,
      apiKeyHeaders(ACME_KEY, ACME.toUpperCase()),
    );
    expect(response.status).toBe(200);
  });
});

describe("tenant isolation", () => {
  it("answers another workspace's conversation exactly like a missing one, both ways", async () => {
    const globex = apiKeyHeaders(GLOBEX_KEY, GLOBEX);
    const foreign = await getConversation(DOCS_CONVERSATION, globex);
    const missing = await getConversation("no-such-conversation", globex);
    expectConversationsError(foreign.response, foreign.body, 404, "not_found");
    expectConversationsError(missing.response, missing.body, 404, "not_found");

    const reverse = await getConversation(GLOBEX_CONVERSATION);
    expectConversationsError(reverse.response, reverse.body, 404, "not_found");

    const own = await getConversation(GLOBEX_CONVERSATION, globex);
    expect(own.response.status).toBe(200);
    expect(own.body.customer.name).toBe("Hank Scorpio");
  });

  it("cannot reach another tenant's conversation even with a guessed id in its own table", async () => {
    const { conversation } = await insertConversation({
      organizationId: GLOBEX,
      contactId: (await insertContact({ organizationId: GLOBEX })).id,
    });
    const { response } = await getConversation(conversation.id);
    expect(response.status).toBe(404);
    const [row] = await testDb()
      .select()
      .from(conversations)
      .where(eq(conversations.id, conversation.id));
    expect(row?.organizationId).toBe(GLOBEX);
  });
});

describe("round trips", () => {
  it("makes one D1 round trip per warm GET, two when the key cache is off", async () => {
    await getConversation(DOCS_CONVERSATION);
    const warm = countingD1(env.DB);
    const first = await getConversation(DOCS_CONVERSATION, apiKeyHeaders(), { DB: warm.db });
    expect(warm.counter.roundTrips).toBe(1);
    expect(d1RoundTrips(first.response)).toBe(1);

    const uncached = countingD1(env.DB);
    const second = await getConversation(DOCS_CONVERSATION, apiKeyHeaders(), {
      DB: uncached.db,
      API_KEY_CACHE_TTL_SECONDS: "0",
    });
    expect(second.response.status).toBe(200);
    expect(uncached.counter.roundTrips).toBe(2);
    expect(d1RoundTrips(second.response)).toBe(2);
  });
});
