import { describe, expect, it } from "vitest";
import { ERROR_STATUS } from "../../src/platform/errors/api-error";
import { request } from "../helpers/app";
import { apiKeyHeaders, bearer, tokenFor } from "../helpers/auth";

type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; description?: string }[];
  requestBody?: unknown;
  responses: Record<
    string,
    {
      headers?: Record<string, unknown>;
      content?: Record<string, { schema: { $ref?: string } }>;
    }
  >;
};

async function document() {
  const response = await request("/openapi.json");
  expect(response.status).toBe(200);
  return (await response.json()) as {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  };
}

const operations = (doc: Awaited<ReturnType<typeof document>>) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );

describe("GET /openapi.json", () => {
  it("is OpenAPI 3.1 with both endpoints of the contract, login and health", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/api/training/snapshots/{id}"]?.get).toBeDefined();
    expect(doc.paths["/v1/api/conversations/{conversationId}"]?.get).toBeDefined();
    expect(doc.paths["/api/auth/login"]?.post).toBeDefined();
    expect(doc.paths["/health"]?.get).toBeDefined();
  });

  it("declares both security schemes and uses them", async () => {
    const doc = await document();
    expect(doc.components.securitySchemes).toMatchObject({
      bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
      apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      workspaceId: { type: "apiKey", in: "header", name: "x-workspace-id" },
    });
    expect(doc.paths["/api/training/snapshots/{id}"]?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths["/v1/api/conversations/{conversationId}"]?.get?.security).toEqual([
      { apiKey: [], workspaceId: [] },
    ]);
  });

  it("gives every operation a unique operationId", async () => {
    const ids = operations(await document()).map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("documents 500 and 503 everywhere, and each error in its surface's envelope", async () => {
    for (const { path, method, operation } of operations(await document())) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(Object.keys(operation.responses), where).toEqual(
        expect.arrayContaining(["500", "503"]),
      );
      if (path === "/health") continue;
      const envelope = path.startsWith("/v1/api/") ? "ConversationsError" : "TrainingError";
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        expect(response.content?.["application/json"]?.schema.$ref, `${where} ${status}`).toBe(
          `#/components/schemas/${envelope}`,
        );
      }
    }
  });

  it("describes the snapshot with populated refs and nullable optional fields", async () => {
    const doc = await document();
    const snapshot = doc.components.schemas.TrainingSnapshot as {
      properties: Record<string, { anyOf?: unknown[]; type?: unknown }>;
      required: string[];
    };
    expect(snapshot.required).toEqual(
      expect.arrayContaining(["_id", "userId", "contactId", "notes"]),
    );
    expect(JSON.stringify(snapshot.properties.userId)).toContain("PopulatedUser");
    expect(JSON.stringify(snapshot.properties.notes)).toContain("null");
  });
});

type Feature = [
  what: string,
  has: (operation: Operation, method: string) => boolean,
  statuses: number[],
];

const takesHeader = (operation: Operation, name: string) =>
  operation.parameters?.some((p) => p.in === "header" && p.name.toLowerCase() === name) ?? false;
const securedBy = (operation: Operation, scheme: string) =>
  operation.security?.some((requirement) => scheme in requirement) ?? false;

const KNOWN_STATUSES = new Set<number>([304, ...Object.values(ERROR_STATUS)]);
/** Statuses an operation's description or parameters promise ("…is 409 `conflict`"). */
const namedStatuses = (operation: Operation) =>
  [
    operation.summary,
    operation.description,
    ...(operation.parameters ?? []).map((p) => p.description),
  ]
    .flatMap((text) => [...(text ?? "").matchAll(/(?<![\d.,])([1-5]\d\d)(?![\d,])/g)])
    .map((match) => Number(match[1]))
    .filter((status) => KNOWN_STATUSES.has(status));

/** What an operation's features imply it can answer, whatever its own route declares. */
const FEATURES: Feature[] = [
  // A malformed x-d1-bookmark, a body over the limit (whatever the method), oversized headers,
  // faults: answered around every route.
  ["any operation", () => true, [400, 413, 431, 500, 503]],
  ["a request body", (operation) => operation.requestBody !== undefined, [400, 413, 415]],
  [
    "the Idempotency-Key header",
    (operation) => takesHeader(operation, "idempotency-key"),
    [400, 409, 422],
  ],
  ["an If-Match header", (operation) => takesHeader(operation, "if-match"), [412]],
  ["Bearer credentials", (operation) => securedBy(operation, "bearerAuth"), [401, 429]],
  ["an API key", (operation) => securedBy(operation, "apiKey"), [400, 401, 403, 429]],
  [
    "a GET with an ETag (conditional)",
    (operation, method) =>
      method === "get" && operation.responses["200"]?.headers?.ETag !== undefined,
    [304],
  ],
];

describe("the statuses of every operation", () => {
  it("include every status its features imply, and every status its description names", async () => {
    const missing: string[] = [];
    for (const { path, method, operation } of operations(await document())) {
      const documented = new Set(Object.keys(operation.responses).map(Number));
      const implied: [string, number][] = [
        ...FEATURES.filter(([, has]) => has(operation, method)).flatMap(([what, , statuses]) =>
          statuses.map((status): [string, number] => [what, status]),
        ),
        ...namedStatuses(operation).map((status): [string, number] => ["its description", status]),
      ];
      for (const [what, status] of implied) {
        if (!documented.has(status)) {
          missing.push(`${method.toUpperCase()} ${path} ${status} (${what})`);
        }
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  it("Idempotency-Key is taken by every POST with credentials, and by no other operation", async () => {
    const all = operations(await document());
    const idempotent = all.filter(({ operation }) => takesHeader(operation, "idempotency-key"));
    const securedPosts = all.filter(
      ({ method, operation }) => method === "post" && (operation.security ?? []).length > 0,
    );
    expect(securedPosts.length).toBeGreaterThan(0);
    expect(idempotent.map(({ path }) => path)).toEqual(securedPosts.map(({ path }) => path));
  });
});

describe("documented examples", () => {
  it("are exactly what the API answers for the seed data", async () => {
    const doc = (await (await request("/openapi.json")).json()) as {
      paths: Record<
        string,
        Record<
          string,
          { responses: Record<string, { content: Record<string, { example: unknown }> }> }
        >
      >;
    };
    const example = (path: string) =>
      doc.paths[path]?.get?.responses["200"]?.content["application/json"]?.example;

    const snapshot = await request(
      "/api/training/snapshots/67f1a0b0c0d0e0f0a0b0c0d0",
      bearer(await tokenFor()),
    );
    expect(example("/api/training/snapshots/{id}")).toStrictEqual(await snapshot.json());

    const conversation = await request(
      "/v1/api/conversations/112ec528bf7946a12ab0fs21",
      apiKeyHeaders(),
    );
    expect(example("/v1/api/conversations/{conversationId}")).toStrictEqual(
      await conversation.json(),
    );
  });
});
