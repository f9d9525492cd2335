import { beforeAll, describe, expect, it } from "vitest";
import { EXPORT_PAGE_SIZE } from "../../src/surfaces/training-api/snapshots/snapshots.export";
import { request } from "../helpers/app";
import { bearer, tokenFor } from "../helpers/auth";
import { insertManySnapshots } from "../helpers/factories";
import { BOB, GLOBEX, SNAPSHOT } from "../helpers/seed";

type Item = Record<string, any>;

let inserted: Awaited<ReturnType<typeof insertManySnapshots>>;

beforeAll(async () => {
  inserted = await insertManySnapshots(
    2000,
    (i) => ({
      quality: i % 4 === 0 ? "good" : "neutral",
      tags: i % 4 === 0 ? ["gold"] : [],
      customerName: `Customer ${i}`,
    }),
    2,
  );
});

async function exportRequest(query = "", token?: string) {
  return request(`/api/training/export${query}`, bearer(token ?? (await tokenFor())));
}

/** Reads the body chunk by chunk, as a client of the stream would. */
async function readChunks(response: Response) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(decoder.decode(value, { stream: true }));
  }
  return chunks;
}

describe("GET /api/training/export (JSON)", () => {
  it("streams the vendor's document for 2,000+ snapshots, page by page", async () => {
    const response = await exportRequest();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="training-data-\d{13}\.json"$/,
    );
    const chunks = await readChunks(response);
    // Many chunks: one per page of EXPORT_PAGE_SIZE snapshots, never the whole set at once.
    expect(chunks.length).toBeGreaterThanOrEqual(Math.floor(2000 / EXPORT_PAGE_SIZE));
    const document = JSON.parse(chunks.join("")) as Item;
    expect(Object.keys(document).sort()).toEqual([
      "data",
      "exportDate",
      "organizationId",
      "totalSnapshots",
    ]);
    expect(document.organizationId).toBe("65a0e0e0e0e0e0e0e0e0e0e0");
    expect(document.exportDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(document.totalSnapshots).toBe(2001);
    expect(document.data).toHaveLength(2001);
    const ids = document.data.map((d: Item) => d.id);
    expect(new Set(ids).size).toBe(2001);
    expect(ids).toContain(SNAPSHOT);
  });

  it("shapes each item as the vendor does", async () => {
    const document = (await (await exportRequest("?tag=pricing")).json()) as Item;
    expect(document.totalSnapshots).toBe(1);
    expect(document.data[0]).toStrictEqual({
      id: SNAPSHOT,
      customer: { name: "Jane Doe", phone: "+14155550123", email: "jane@example.com" },
      conversation: [
        {
          role: "assistant",
          content: "Hi! How can we help?",
          timestamp: "2026-05-18T13:30:00.000Z",
          senderType: "AI",
        },
        {
          role: "user",
          content: "I like the Pro plan, but the price seems high for a team of five.",
          timestamp: "2026-05-18T13:42:00.000Z",
          senderType: "human",
        },
        {
          role: "assistant",
          content:
            "I understand. Annual billing takes 20% off, which brings Pro to $40 per seat per month.",
          timestamp: "2026-05-18T13:55:00.000Z",
          senderType: "AI",
        },
        {
          role: "user",
          content: "That works for us. Let's do annual.",
          timestamp: "2026-05-18T14:10:00.000Z",
          senderType: "human",
        },
      ],
      metadata: { quality: "good", tags: ["sales", "pricing"], messageCount: 4 },
    });
  });

  it("applies the filters, and returns an empty document when nothing matches", async () => {
    const gold = (await (await exportRequest("?tag=gold&quality=good")).json()) as Item;
    expect(gold.totalSnapshots).toBe(inserted.filter((s) => s.tags.includes("gold")).length);
    const none = (await (await exportRequest("?tag=nothing-has-this")).json()) as Item;
    expect(none.totalSnapshots).toBe(0);
    expect(none.data).toEqual([]);
  });

  it("exports only the caller's organization", async () => {
    const token = await tokenFor({ userId: BOB, organizationId: GLOBEX });
    const document = (await (await exportRequest("", token)).json()) as Item;
    expect(document.organizationId).toBe(GLOBEX);
    expect(document.data.map((d: Item) => d.id)).toEqual(["66f1a0b0c0d0e0f0a0b0c0d0"]);
  });

  it("400 for bad parameters, 401 without a token", async () => {
    const bad = await exportRequest("?format=csv");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Item).details[0]).toMatchObject({
      field: "query.format",
      rule: "enum",
    });
    expect((await request("/api/training/export")).status).toBe(401);
  });
});

describe("GET /api/training/export?format=jsonl", () => {
  it("streams one chat fine-tuning line per snapshot, each parseable on its own", async () => {
    const response = await exportRequest("?format=jsonl");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    expect(response.headers.get("content-disposition")).toMatch(/training-data-\d{13}\.jsonl"$/);
    const text = (await readChunks(response)).join("");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.slice(0, -1).split("\n");
    expect(lines).toHaveLength(2001);
    for (const line of lines) {
      const parsed = JSON.parse(line) as { messages: { role: string; content: string }[] };
      expect(Object.keys(parsed)).toEqual(["messages"]);
      for (const message of parsed.messages) {
        expect(Object.keys(message)).toEqual(["role", "content"]);
        expect(["assistant", "user"]).toContain(message.role);
      }
    }
  });

  it("maps the organization's side to assistant and the customer to user", async () => {
    const text = await (await exportRequest("?format=jsonl&tag=pricing")).text();
    expect(JSON.parse(text.trim())).toStrictEqual({
      messages: [
        { role: "assistant", content: "Hi! How can we help?" },
        {
          role: "user",
          content: "I like the Pro plan, but the price seems high for a team of five.",
        },
        {
          role: "assistant",
          content:
            "I understand. Annual billing takes 20% off, which brings Pro to $40 per seat per month.",
        },
        { role: "user", content: "That works for us. Let's do annual." },
      ],
    });
  });
});
