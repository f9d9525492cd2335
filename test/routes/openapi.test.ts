import { describe, expect, it } from "vitest";
import { request } from "../helpers/app";
import { apiKeyHeaders, bearer, tokenFor } from "../helpers/auth";

type Operation = {
  operationId?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
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
      if (operation.security) expect(operation.responses["401"], where).toBeDefined();
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
