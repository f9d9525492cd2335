import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { request } from "../helpers/app";
import { tokenFor } from "../helpers/auth";
import {
  ACME,
  ACME_KEY,
  ADMIN,
  AGENT,
  BOB,
  DOCS_CONVERSATION,
  GLOBEX,
  GLOBEX_CONVERSATION,
  GLOBEX_KEY,
  GLOBEX_SNAPSHOT,
  JANE,
  SNAPSHOT,
} from "../helpers/seed";

/*
 * Property-based fuzzing of every route: random methods, paths, ids, query strings, headers and
 * bodies (huge, deeply nested, unicode, injection payloads, prototype-pollution keys), with
 * every kind of credential. For each request:
 *   1. never a 5xx;
 *   2. an error is JSON in the envelope of the surface the path belongs to;
 *   3. a success never carries the other tenant's data (unless the request itself named it);
 *   4. a rejected write changes no row.
 */

const RUNS_PER_PROPERTY = 2600; // two properties: ≥ 5,000 generated requests per run

let credentials: Record<string, Record<string, string>>;

beforeAll(async () => {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  credentials = {
    none: {},
    acmeManager: bearer(await tokenFor()),
    acmeAdmin: bearer(await tokenFor({ userId: ADMIN, role: "admin" })),
    acmeAgent: bearer(await tokenFor({ userId: AGENT, role: "agent" })),
    globexManager: bearer(await tokenFor({ userId: BOB, organizationId: GLOBEX })),
    garbageBearer: { authorization: "Bearer eyJhbGciOiJub25lIn0.e30." },
    acmeKey: { "x-api-key": ACME_KEY, "x-workspace-id": ACME },
    globexKey: { "x-api-key": GLOBEX_KEY, "x-workspace-id": GLOBEX },
    mismatchedKey: { "x-api-key": ACME_KEY, "x-workspace-id": GLOBEX },
  };
});

const hostileStrings = [
  "' OR '1'='1",
  "1; DROP TABLE users; --",
  "../../etc/passwd",
  "%2e%2e%2f",
  "<script>alert(1)</script>",
  "__proto__",
  "constructor",
  "\u0000",
  "😀😀😀",
  "ﷺ",
  "a".repeat(300),
  "",
  " ",
  "null",
  "-1",
  "1e309",
];

/*
 * Values at and around each input's maximum length: the limits are where a validator and the
 * database disagree (a 60-letter search passed validation and failed in D1). Each length is
 * tried with characters that grow on the way down: multi-byte, escaped in LIKE, special in FTS5
 * queries, separators of list headers.
 */
const LIMITS = [24, 32, 64, 100, 128, 200, 254, 1024, 2048, 4096] as const;
const FILLERS = ["a", "é", "😀", '"', "%", "_", "*", ",", " ", "\\", "0", "'", ":", "(", "-"];
const nearMax = (max: number) =>
  fc
    .tuple(fc.integer({ min: max - 1, max: max + 1 }), fc.constantFrom(...FILLERS), fc.nat(5))
    .map(([length, filler, word]) =>
      `${["", "AND ", "NEAR(", "v", "x"][word] ?? ""}${filler.repeat(length)}`.slice(0, length),
    );
const nearAnyMax = fc.constantFrom(...LIMITS).chain(nearMax);
/** `If-Match` lists around the 16-tag limit, and as many tags as 1,024 characters hold (~200). */
const ifMatchNearMax = fc.oneof(
  fc
    .tuple(fc.integer({ min: 14, max: 18 }), fc.integer({ min: 1, max: 15 }), fc.boolean())
    .map(([count, digits, spaced]) =>
      Array.from({ length: count }, (_, i) => `"v${String(i + 1).padStart(digits, "9")}"`).join(
        spaced ? ", " : ",",
      ),
    ),
  fc.integer({ min: 1023, max: 1025 }).map((length) => '"v1",'.repeat(205).slice(0, length)),
);

const idArb = fc.oneof(
  fc.constantFrom(
    SNAPSHOT,
    GLOBEX_SNAPSHOT,
    DOCS_CONVERSATION,
    GLOBEX_CONVERSATION,
    JANE,
    "65a1e0e0e0e0e0e0e0e0e0e0",
    "675c8e368824aa5f130b94d3",
    "6720c0d0e0f0a0b0c0d00001",
  ),
  fc.stringMatching(/^[0-9a-f]{24}$/),
  fc.constantFrom(...hostileStrings),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
);

const segment = (id: string) => encodeURIComponent(id);

const pathArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant("/api/training/snapshots") },
  { weight: 4, arbitrary: idArb.map((id) => `/api/training/snapshots/${segment(id)}`) },
  { weight: 1, arbitrary: fc.constant("/api/training/export") },
  { weight: 1, arbitrary: fc.constant("/api/auth/login") },
  // Not logout or change-password: they would end the sessions the other requests run on.
  { weight: 1, arbitrary: fc.constantFrom("/api/auth/refresh", "/api/auth/setup-password") },
  { weight: 1, arbitrary: fc.constantFrom("/api/users", "/api/users/me") },
  { weight: 2, arbitrary: fc.constant("/api/contacts") },
  { weight: 2, arbitrary: idArb.map((id) => `/api/contacts/${segment(id)}`) },
  { weight: 2, arbitrary: idArb.map((id) => `/v1/api/conversations/${segment(id)}/messages`) },
  { weight: 1, arbitrary: idArb.map((id) => `/api/users/${segment(id)}`) },
  { weight: 1, arbitrary: fc.constant("/api/keys") },
  { weight: 1, arbitrary: idArb.map((id) => `/api/keys/${segment(id)}`) },
  { weight: 1, arbitrary: fc.constant("/api/webhooks") },
  {
    weight: 2,
    arbitrary: fc
      .tuple(idArb, fc.constantFrom("", "/test", "/rotate-secret", "/deliveries"))
      .map(([id, tail]) => `/api/webhooks/${segment(id)}${tail}`),
  },
  { weight: 2, arbitrary: fc.constant("/v1/api/conversations") },
  { weight: 3, arbitrary: idArb.map((id) => `/v1/api/conversations/${segment(id)}`) },
  { weight: 2, arbitrary: idArb.map((id) => `/v1/api/conversations/flow/${segment(id)}`) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(idArb, idArb)
      .map(([c, m]) => `/v1/api/conversations/${segment(c)}/message/${segment(m)}/action`),
  },
  { weight: 1, arbitrary: fc.constantFrom("/health", "/openapi.json", "/", "/v1", "/api") },
  { weight: 1, arbitrary: fc.webPath() },
);

const queryArb = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(
          "limit",
          "cursor",
          "quality",
          "category",
          "tag",
          "q",
          "isArchived",
          "contactId",
          "createdAfter",
          "createdBefore",
          "updatedAfter",
          "agentId",
          "pathwayId",
          "format",
        ),
        fc.string({ maxLength: 10 }),
      ),
      fc.oneof(
        fc.constantFrom(
          "1",
          "20",
          "100",
          "0",
          "-5",
          "abc",
          "good",
          "true",
          "jsonl",
          "2026-05-18T14:30:00.000Z",
          "WzEsImEiXQ",
          "pricing",
        ),
        fc.constantFrom(...hostileStrings),
        fc.string({ maxLength: 40 }),
        nearAnyMax,
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => {
    const search = new URLSearchParams();
    for (const [k, v] of pairs) search.append(k, v);
    const text = search.toString();
    return text ? `?${text}` : "";
  });

const nestedArb = fc
  .integer({ min: 1, max: 3000 })
  .map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`);

const knownBodyArb = fc.oneof(
  fc.record(
    {
      contactId: fc.oneof(fc.constantFrom(JANE, "66c2d0e0f0a0b0c0d0e0f0a0"), idArb),
      conversationId: idArb,
      messageIds: fc.array(idArb, { maxLength: 5 }),
      notes: fc.oneof(fc.string(), fc.constant(null), fc.integer()),
      tags: fc.oneof(fc.array(fc.string({ maxLength: 40 }), { maxLength: 25 }), fc.string()),
      quality: fc.oneof(fc.constantFrom("good", "neutral", "bad", null), fc.string()),
      category: fc.oneof(fc.constantFrom("objection-handling", "Not A Slug"), fc.string()),
      isArchived: fc.oneof(fc.boolean(), fc.string()),
      messages: fc.constant([]),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      metadata: fc.oneof(
        fc.record(
          {
            action: fc.oneof(fc.constantFrom("Approve", "Edit", "Reject", "approve"), fc.string()),
            editedMessage: fc.oneof(fc.string(), fc.integer()),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue({ maxDepth: 3 }),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    { email: fc.oneof(fc.emailAddress(), fc.string()), password: fc.string({ maxLength: 20 }) },
    { requiredKeys: [] },
  ),
  fc.record({ name: fc.oneof(fc.string({ maxLength: 120 }), fc.integer()) }, { requiredKeys: [] }),
  fc.record(
    {
      email: fc.oneof(fc.emailAddress(), fc.string()),
      firstName: fc.string({ maxLength: 110 }),
      lastName: fc.string({ maxLength: 110 }),
      role: fc.oneof(fc.constantFrom("admin", "manager", "agent"), fc.string()),
      isActive: fc.oneof(fc.boolean(), fc.string()),
      refreshToken: fc.oneof(fc.string(), fc.constant(`rt_${"A".repeat(43)}`)),
      setupToken: fc.oneof(fc.string(), fc.constant(`st_${"A".repeat(43)}`)),
      password: fc.string({ maxLength: 140 }),
    },
    { requiredKeys: [] },
  ),
);

/** Every string and list field of every body, at and around its limit. */
const bodyNearMaxArb = fc.record(
  {
    contactId: nearMax(24),
    conversationId: nearMax(64),
    messageIds: fc
      .integer({ min: 999, max: 1001 })
      .map((n) => Array.from({ length: n }, (_, i) => `m${i}`)),
    notes: nearMax(10_000),
    tags: fc
      .tuple(fc.integer({ min: 19, max: 21 }), nearMax(32))
      .map(([n, tag]) => Array.from({ length: n }, (_, i) => `${i}${tag}`.slice(0, tag.length))),
    category: nearMax(64),
    metadata: fc.record({
      action: fc.constantFrom("Approve", "Edit", "Reject"),
      editedMessage: nearMax(4096),
    }),
    name: nearMax(100),
    email: nearMax(254).map((local) => `${local.slice(0, 240)}@example.com`),
    password: nearMax(1024),
  },
  { requiredKeys: [] },
);

const bodyArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: knownBodyArb.map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: bodyNearMaxArb.map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"isAdmin":true},"contactId":"65c2d0e0f0a0b0c0d0e0f0a0"}',
      '{"constructor":{"prototype":{"polluted":1}}}',
      '{"metadata":{"__proto__":{"action":"Approve"}}}',
      "{not json",
      "",
      "null",
      "[]",
      '"just a string"',
    ),
  },
  { weight: 1, arbitrary: nestedArb.map((nested) => `{"metadata":${nested},"notes":${nested}}`) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1000, max: 200_000 })
      .map((n) => JSON.stringify({ notes: "x".repeat(n) })),
  },
);

const headerArb = fc.record(
  {
    "if-match": fc.oneof(
      fc.constantFrom('"v1"', "*", 'W/"v1"'),
      fc.string({ maxLength: 30 }),
      ifMatchNearMax,
      nearMax(1024),
    ),
    "if-none-match": fc.oneof(fc.string({ maxLength: 30 }), nearMax(1024)),
    "x-api-key": nearMax(128),
    "x-workspace-id": fc.oneof(nearMax(24), fc.stringMatching(/^[0-9a-f]{23,25}$/)),
    authorization: nearMax(2048).map((token) => `Bearer ${token}`),
    "x-d1-bookmark": fc.oneof(
      fc.constant("00000000-00000001-00000000-00000000000000000000000000000000"),
      fc.string({ maxLength: 70 }),
    ),
    "content-type": fc.constantFrom(
      "application/json",
      "text/plain",
      "application/json; charset=utf-8",
      "multipart/form-data",
      "",
    ),
    "x-request-id": fc.oneof(fc.string({ maxLength: 40 }), nearMax(128)),
    "idempotency-key": fc.oneof(fc.uuid(), fc.string({ maxLength: 20 }), nearMax(255)),
  },
  { requiredKeys: [] },
);

const requestArb = fc.record({
  method: fc.constantFrom(
    "GET",
    "GET",
    "GET",
    "POST",
    "POST",
    "PATCH",
    "DELETE",
    "PUT",
    "HEAD",
    "OPTIONS",
  ),
  path: pathArb,
  query: queryArb,
  credential: fc.constantFrom(
    "none",
    "acmeManager",
    "acmeAdmin",
    "acmeAgent",
    "globexManager",
    "garbageBearer",
    "acmeKey",
    "globexKey",
    "mismatchedKey",
  ),
  extraHeaders: headerArb,
  body: bodyArb,
});

type FuzzRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

/* Route-aware requests: the right method and surface, bodies that are often valid, so the
   success paths and the state checks (409, 412) are exercised too, not only validation. */
const trainingCredential = fc.constantFrom(
  "acmeManager",
  "acmeAdmin",
  "acmeAgent",
  "globexManager",
);
const conversationsCredential = fc.constantFrom("acmeKey", "globexKey", "mismatchedKey");
const snapshotId = fc.constantFrom(SNAPSHOT, GLOBEX_SNAPSHOT, "0123456789abcdef01234567");
const draft = fc.constantFrom(
  ["6720c0d0e0f0a0b0c0d0e000", "6720c0d0e0f0a0b0c0d00001"],
  ["6720c0d0e0f0a0b0c0d0e003", "6720c0d0e0f0a0b0c0d00301"],
  ["6720c0d0e0f0a0b0c0d0e006", "6720c0d0e0f0a0b0c0d00601"],
  [DOCS_CONVERSATION, "675c8e368824aa5f130b94d3"],
  [GLOBEX_CONVERSATION, "66e0a0b0c0d0e0f0a0b0c0d1"],
);
const tagList = fc.array(fc.constantFrom("sales", "Pricing", " refund ", "x".repeat(33)), {
  maxLength: 4,
});
const noHeaders = fc.constant({} as FuzzRequest["extraHeaders"]);
/** A few keys, so replays (same body) and reuses (another body) both happen. */
const idempotencyKey = fc
  .constantFrom("fuzz-key-1", "fuzz-key-2", "fuzz-key-3")
  .map((key) => ({ "idempotency-key": key }) as FuzzRequest["extraHeaders"]);
const ifMatch = fc
  .oneof(fc.constantFrom('"v1"', '"v2"', "*", 'W/"v1"'), ifMatchNearMax)
  .map((tag) => ({ "if-match": tag }) as FuzzRequest["extraHeaders"]);
/** Every filter of the lists, each at and around its limit. */
const filtersNearMax = fc
  .record(
    {
      q: nearMax(100),
      category: nearMax(64),
      tag: nearMax(32),
      cursor: nearMax(200),
      agentId: nearMax(64),
      pathwayId: nearMax(64),
      contactId: nearMax(24),
    },
    { requiredKeys: [] },
  )
  .map((filters) => `?${new URLSearchParams(filters as Record<string, string>)}`);

const routeAwareArb: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.record({
    method: fc.constant("GET"),
    path: fc.oneof(
      snapshotId.map((id) => `/api/training/snapshots/${id}`),
      fc.constantFrom("/api/training/snapshots", "/api/training/export"),
    ),
    query: fc.oneof(queryArb, filtersNearMax),
    credential: trainingCredential,
    extraHeaders: noHeaders,
    body: fc.constant(undefined),
  }),
  fc.record({
    method: fc.constant("POST"),
    path: fc.constant("/api/training/snapshots"),
    query: fc.constant(""),
    credential: trainingCredential,
    extraHeaders: noHeaders,
    body: fc
      .record(
        {
          contactId: fc.constantFrom(JANE, "66c2d0e0f0a0b0c0d0e0f0a0", "65c2d0e0f0a0b0c0d0e0f0a1"),
          conversationId: fc.constantFrom("67d0a0b0c0d0e0f0a0b0c0d0", DOCS_CONVERSATION),
          messageIds: fc.array(
            fc.constantFrom("67e0a0b0c0d0e0f0a0b0c0d0", "67e0a0b0c0d0e0f0a0b0c0d2", "nope"),
            { minLength: 1, maxLength: 3 },
          ),
          tags: tagList,
          quality: fc.constantFrom("good", "neutral", "great"),
          notes: fc.string({ maxLength: 40 }),
        },
        { requiredKeys: ["contactId"] },
      )
      .map((b) => JSON.stringify(b)),
  }),
  fc.record({
    method: fc.constant("PATCH"),
    path: snapshotId.map((id) => `/api/training/snapshots/${id}`),
    query: fc.constant(""),
    credential: trainingCredential,
    extraHeaders: fc.oneof(noHeaders, ifMatch),
    body: fc
      .record(
        {
          notes: fc.string({ maxLength: 40 }),
          tags: tagList,
          isArchived: fc.boolean(),
          quality: fc.constantFrom("good", "bad", null),
          messageCount: fc.nat(),
        },
        { requiredKeys: [] },
      )
      .map((b) => JSON.stringify(b)),
  }),
  fc.record({
    method: fc.constant("DELETE"),
    path: snapshotId.map((id) => `/api/training/snapshots/${id}`),
    query: fc.constant(""),
    credential: trainingCredential,
    extraHeaders: fc.oneof(noHeaders, ifMatch),
    body: fc.constant(undefined),
  }),
  fc.record({
    method: fc.constant("GET"),
    path: fc.constantFrom(
      `/v1/api/conversations/${DOCS_CONVERSATION}`,
      `/v1/api/conversations/${GLOBEX_CONVERSATION}`,
      "/v1/api/conversations",
      "/v1/api/conversations/flow/pw12345",
    ),
    query: fc.oneof(queryArb, filtersNearMax),
    credential: conversationsCredential,
    extraHeaders: noHeaders,
    body: fc.constant(undefined),
  }),
  fc.record({
    method: fc.constant("POST"),
    path: draft.map(([c, m]) => `/v1/api/conversations/${c}/message/${m}/action`),
    query: fc.constant(""),
    credential: conversationsCredential,
    extraHeaders: noHeaders,
    body: fc
      .record(
        {
          action: fc.constantFrom("Approve", "Reject", "Edit"),
          editedMessage: fc.string({ minLength: 1, maxLength: 30 }),
        },
        { requiredKeys: ["action"] },
      )
      .map((metadata) => JSON.stringify({ metadata })),
  }),
  fc.record({
    method: fc.constantFrom("GET", "POST"),
    path: fc.constant("/api/keys"),
    query: fc.constant(""),
    credential: trainingCredential,
    extraHeaders: noHeaders,
    body: fc.string({ maxLength: 20 }).map((name) => JSON.stringify({ name })),
  }),
  // Webhooks: valid and hostile URLs (private, loopback, other schemes), known and unknown events.
  fc.record({
    method: fc.constantFrom("GET", "POST", "PATCH", "DELETE"),
    path: fc.oneof(
      fc.constant("/api/webhooks"),
      fc
        .tuple(
          fc.constantFrom("6790a0b0c0d0e0f0a0b0c0d0", "not-an-id"),
          fc.constantFrom("", "/test", "/rotate-secret", "/deliveries"),
        )
        .map(([id, tail]) => `/api/webhooks/${id}${tail}`),
    ),
    query: fc.constant(""),
    credential: trainingCredential,
    extraHeaders: fc.oneof(noHeaders, idempotencyKey),
    body: fc
      .record(
        {
          url: fc.oneof(
            fc.constantFrom(
              "https://hooks.example.com/fuzz",
              "http://hooks.example.com/fuzz",
              "https://127.0.0.1/x",
              "https://[::ffff:10.0.0.1]/x",
              "https://169.254.169.254/",
              "file:///etc/passwd",
            ),
            fc.string({ maxLength: 40 }),
          ),
          events: fc.array(
            fc.constantFrom(
              "conversation.created",
              "webhook.test",
              "nope",
              "training.snapshot.updated",
            ),
            { maxLength: 3 },
          ),
          description: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null)),
          enabled: fc.oneof(fc.boolean(), fc.constant("yes")),
        },
        { requiredKeys: [] },
      )
      .map((b) => JSON.stringify(b)),
  }),
  // Contacts: often valid, often clashing (one phone, one email for all), sometimes replayed.
  fc.record({
    method: fc.constantFrom("GET", "POST", "PATCH", "DELETE"),
    path: fc.oneof(
      fc.constant("/api/contacts"),
      fc.constantFrom(JANE, "66c2d0e0f0a0b0c0d0e0f0a0").map((id) => `/api/contacts/${id}`),
    ),
    query: fc.oneof(fc.constant(""), filtersNearMax),
    credential: trainingCredential,
    extraHeaders: fc.oneof(noHeaders, idempotencyKey),
    body: fc
      .record(
        {
          firstName: fc.string({ maxLength: 12 }),
          lastName: fc.oneof(fc.string({ maxLength: 12 }), fc.constant(null)),
          phoneNumber: fc.constantFrom("+14155550177", "+14155550123", "bad", null),
          email: fc.constantFrom("fuzz@example.org", "JANE@example.com", "nope", null),
          channelType: fc.constantFrom("sms", "email", "fax"),
        },
        { requiredKeys: [] },
      )
      .map((b) => JSON.stringify(b)),
  }),
  // Ingestion: conversations and appended messages, valid or not, replayed or not.
  fc.record({
    method: fc.constant("POST"),
    path: fc.oneof(
      fc.constant("/v1/api/conversations"),
      fc
        .constantFrom(DOCS_CONVERSATION, GLOBEX_CONVERSATION, "nope")
        .map((id) => `/v1/api/conversations/${id}/messages`),
    ),
    query: fc.constant(""),
    credential: conversationsCredential,
    extraHeaders: fc.oneof(noHeaders, idempotencyKey),
    body: fc
      .record(
        {
          _id: fc.oneof(
            fc.constantFrom(DOCS_CONVERSATION, "fuzz-ingest"),
            fc.string({ maxLength: 70 }),
          ),
          customer: fc.record(
            {
              name: fc.string({ maxLength: 30 }),
              phone: fc.constantFrom("+14155550123", "+15550009999", "12345"),
              email: fc.constantFrom("jane@example.com", "ingest@example.org", "x"),
            },
            { requiredKeys: [] },
          ),
          direction: fc.constantFrom("inbound", "outbound", "up"),
          message: fc.oneof(fc.string({ maxLength: 40 }), nearMax(10_000)),
          status: fc.constantFrom("pending", "received", "sent", "lost"),
          messages: fc.array(
            fc.record(
              {
                direction: fc.constantFrom("inbound", "outbound"),
                message: fc.string({ minLength: 1, maxLength: 20 }),
                status: fc.constantFrom("pending", "received", "delivered"),
              },
              { requiredKeys: ["direction", "message"] },
            ),
            { maxLength: 4 },
          ),
        },
        { requiredKeys: [] },
      )
      .map((b) => JSON.stringify(b)),
  }),
);

const WRITES = new Set(["POST", "PATCH", "DELETE", "PUT"]);

/** Everything a rejected write could have touched, except when a key was last used. */
async function fingerprint(): Promise<string> {
  const rows = await env.DB.batch([
    env.DB.prepare(
      "select count(*) n, total(version) v, total(updated_at) u, group_concat(is_archived) a, total(length(coalesce(notes,''))) l from training_snapshots",
    ),
    env.DB.prepare("select count(*) n from training_snapshot_messages"),
    env.DB.prepare("select count(*) n, group_concat(tag) t from training_snapshot_tags"),
    env.DB.prepare(
      "select count(*) n, total(updated_at) u, total(length(message)) l, group_concat(status) s from messages",
    ),
    env.DB.prepare("select count(*) n, total(updated_at) u from conversations"),
    env.DB.prepare("select count(*) n, total(coalesce(revoked_at, 0)) r from api_keys"),
    env.DB.prepare("select count(*) n, total(updated_at) u from contacts"),
    env.DB.prepare(
      "select count(*) n, total(updated_at) u, group_concat(url) x, group_concat(enabled) e from webhook_endpoints",
    ),
  ]);
  return JSON.stringify(rows.map((r) => r.results));
}

const TENANT_MARKERS: Record<"acme" | "globex", string[]> = {
  acme: [ACME, SNAPSHOT, DOCS_CONVERSATION, "Jane Doe", "Test Customer Name"],
  globex: [GLOBEX, GLOBEX_SNAPSHOT, GLOBEX_CONVERSATION, "Hank Scorpio"],
};

/**
 * Another tenant's markers a tenant has itself written (a message of its own whose `_id` happens
 * to spell another tenant's conversation id): its own data from then on, not a leak when it
 * comes back.
 */
const writtenBy: Record<"acme" | "globex", Set<string>> = { acme: new Set(), globex: new Set() };

function tenantOf(credential: string): "acme" | "globex" | undefined {
  if (credential.startsWith("acme")) return "acme";
  if (credential.startsWith("globex")) return "globex";
  return undefined;
}

async function send(fuzz: FuzzRequest) {
  const headers: Record<string, string> = { ...credentials[fuzz.credential], ...fuzz.extraHeaders };
  if (fuzz.body !== undefined && headers["content-type"] === undefined)
    headers["content-type"] = "application/json";
  const hasBody = fuzz.body !== undefined && !["GET", "HEAD"].includes(fuzz.method);
  const url = `${fuzz.path}${fuzz.query}`;
  const init: RequestInit = {
    method: fuzz.method,
    headers,
    ...(hasBody ? { body: fuzz.body } : {}),
  };
  const write = WRITES.has(fuzz.method);
  const before = write ? await fingerprint() : undefined;
  // A full URL: a path such as "//x" is valid on the wire but protocol-relative on its own.
  const response = await request(`http://api.test${url}`, init);
  const text = await response.text();
  return { url, init, response, text, before, after: write ? await fingerprint() : undefined };
}

function checkResponse(fuzz: FuzzRequest, outcome: Awaited<ReturnType<typeof send>>) {
  const { response, text, url } = outcome;
  const where = `${fuzz.method} ${url} [${fuzz.credential}] → ${response.status} ${text.slice(0, 200)}`;
  expect(response.status, where).toBeLessThan(500);

  if (response.status >= 400 && fuzz.method !== "HEAD") {
    expect(response.headers.get("content-type"), where).toMatch(/^application\/json/);
    const body = JSON.parse(text);
    if (new URL(`http://api.test${url}`).pathname.startsWith("/v1/api/")) {
      expect(Object.keys(body), where).toEqual(["error"]);
      expect(typeof body.error.code, where).toBe("string");
      expect(typeof body.error.message, where).toBe("string");
      expect(body.error.requestId, where).toBe(response.headers.get("x-request-id"));
    } else {
      expect(body.success, where).toBe(false);
      expect(typeof body.error, where).toBe("string");
      expect(typeof body.code, where).toBe("string");
      expect(body.requestId, where).toBe(response.headers.get("x-request-id"));
    }
  }

  const tenant = tenantOf(fuzz.credential);
  // The OpenAPI document is public and its examples come from the demo data.
  const publicDocument = url.startsWith("/openapi.json");
  if (tenant && response.status < 300 && !publicDocument) {
    const other = tenant === "acme" ? "globex" : "acme";
    const asked = `${url} ${fuzz.body ?? ""}`;
    let decoded = asked;
    try {
      decoded = decodeURIComponent(asked);
    } catch {
      // not percent-encoded text: the raw form is enough
    }
    for (const marker of TENANT_MARKERS[other]) {
      const inRequest = asked.includes(marker) || decoded.includes(marker);
      if (!inRequest && !writtenBy[tenant].has(marker)) {
        expect(text.includes(marker), `${where}: leaks ${marker}`).toBe(false);
      }
      if (inRequest && WRITES.has(fuzz.method)) writtenBy[tenant].add(marker);
    }
  }

  if (outcome.before !== undefined && response.status >= 400) {
    expect(outcome.after, `${where}: a rejected write changed rows`).toBe(outcome.before);
  }
}

/**
 * Checks every property on RUNS_PER_PROPERTY requests of `arbitrary`, then that all of them were
 * sent: the statuses they got are printed, so a run shows what it exercised.
 */
async function fuzz(arbitrary: fc.Arbitrary<FuzzRequest>, name: string) {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(arbitrary, async (generated) => {
      const outcome = await send(generated);
      statuses.set(outcome.response.status, (statuses.get(outcome.response.status) ?? 0) + 1);
      checkResponse(generated, outcome);
    }),
    { numRuns: RUNS_PER_PROPERTY },
  );
  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  const histogram = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`);
  console.log(`fuzz (${name}): ${total} generated requests; statuses ${histogram.join(" ")}`);
  expect(total).toBe(RUNS_PER_PROPERTY);
}

describe("fuzzing every route", () => {
  it(`keeps every property over ${RUNS_PER_PROPERTY} random requests`, async () => {
    await fuzz(requestArb, "random");
  }, 240_000);

  it(`keeps every property over ${RUNS_PER_PROPERTY} route-aware requests`, async () => {
    await fuzz(routeAwareArb, "route-aware");
  }, 240_000);
});
