import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { importConversations } from "../../src/import/conversations";
import { framePieces, readFrames } from "../../src/import/frames";
import type { Outcome } from "../../src/import/records";
import { importSnapshots } from "../../src/import/snapshots";
import { json, request } from "../helpers/app";
import { apiKeyHeaders, bearer, tokenFor } from "../helpers/auth";
import { ACME, GLOBEX } from "../helpers/seed";

/*
 * The bulk import's write path, on the real D1 with the real migrations: what each record of a
 * batch becomes, and that an imported record is what the API would have made of it.
 */

const db = () => drizzle(env.DB);
const NOW = Date.parse("2026-03-01T12:00:00.000Z");
const encoder = new TextEncoder();
const unique = () => crypto.randomUUID().replaceAll("-", "").slice(0, 16);

/** Records as the CLI sends them: through the frame codec, positions from 1. */
function batch(...records: (object | string)[]) {
  const pieces = records.flatMap((r, i) =>
    framePieces(i + 1, [encoder.encode(typeof r === "string" ? r : JSON.stringify(r))]),
  );
  const body = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const piece of pieces) {
    body.set(piece, at);
    at += piece.byteLength;
  }
  return readFrames(body);
}

const trillet = (organizationId: string, ...records: (object | string)[]) =>
  importConversations(db(), organizationId, batch(...records), NOW);
const tether = (organizationId: string, ...records: (object | string)[]) =>
  importSnapshots(db(), organizationId, batch(...records), NOW);

const statuses = (outcomes: Outcome[]) => outcomes.map((o) => [o.position, o.status]);
const count = async (query: ReturnType<typeof sql>) =>
  Number((await db().get<{ n: number }>(query))?.n ?? -1);

describe("frames", () => {
  it("carry each record's bytes exactly, whatever they hold", () => {
    const texts = ['{"a":1}', "line\nbreak 12 34\n", "é😀", ""];
    const frames = batch(...texts);
    expect(frames.map((f) => [f.position, new TextDecoder().decode(f.bytes)])).toEqual(
      texts.map((t, i) => [i + 1, t]),
    );
  });

  it.each([
    ["1 5\nabc", /shorter/],
    ["x 1\na\n", /malformed/],
    ["1 1", /without its end/],
  ])("refuse a malformed body %j", (body, error) => {
    expect(() => readFrames(encoder.encode(body))).toThrow(error);
  });
});

describe("a Trillet record", () => {
  it("becomes the conversation POST /v1/api/conversations makes of it", async () => {
    const suffix = unique();
    const record = (id: string) => ({
      _id: id,
      pathwayId: "pw-import",
      customer: {
        name: "Ada Byron King",
        phone: `+1555${suffix.replace(/\D/g, "").padEnd(7, "1").slice(0, 7)}`,
      },
      messages: [
        {
          _id: `${id}-1`,
          direction: "inbound",
          message: "Hello\tthere\nfriend",
          createdAt: "2026-02-01T10:00:00.000Z",
        },
        {
          _id: `${id}-2`,
          direction: "outbound",
          message: "A draft",
          createdAt: "2026-02-01T10:00:01.000Z",
        },
      ],
      createdAt: "2026-02-01T10:00:00.000Z",
    });
    const [outcome] = await trillet(ACME, record(`imp-${suffix}`));
    expect(outcome).toMatchObject({ status: "created", id: `imp-${suffix}`, rows: 3 });
    const posted = await request(
      "/v1/api/conversations",
      json(record(`api-${suffix}`), apiKeyHeaders()),
    );
    expect(posted.status).toBe(201);
    const get = async (id: string) =>
      (await request(`/v1/api/conversations/${id}`, apiKeyHeaders())).json() as Promise<
        Record<string, unknown>
      >;
    // Same customer, so the same contact; the ids aside, the same document.
    const imported = JSON.stringify(await get(`imp-${suffix}`)).replaceAll(`imp-${suffix}`, "ID");
    const viaApi = JSON.stringify(await get(`api-${suffix}`)).replaceAll(`api-${suffix}`, "ID");
    expect(imported).toBe(viaApi);
  });

  it("that the organization holds is left exactly as it is, and reported unchanged", async () => {
    const id = `held-${unique()}`;
    await trillet(ACME, {
      _id: id,
      customer: {},
      messages: [{ direction: "inbound", message: "one" }],
    });
    const outcomes = await trillet(ACME, {
      _id: id,
      agentId: "changed",
      customer: { name: "Someone Else" },
      messages: [
        { direction: "inbound", message: "one" },
        { _id: `${id}-late`, direction: "inbound", message: "appended?" },
      ],
    });
    expect(statuses(outcomes)).toEqual([[1, "unchanged"]]);
    expect(await count(sql`select count(*) as n from messages where conversation_id = ${id}`)).toBe(
      1,
    );
    expect(
      await count(
        sql`select count(*) as n from conversations where id = ${id} and agent_id is null`,
      ),
    ).toBe(1);
  });

  it("is refused alone: bad JSON, bad UTF-8, a rule broken, a repeat, an unknown user", async () => {
    const id = `mixed-${unique()}`;
    const badUtf8 = new Uint8Array([0x7b, 0xff, 0x7d]);
    const frames = batch(
      { _id: id, customer: {} },
      "{ not json",
      { _id: `${id}-b`, customer: { phone: "555" } },
      { _id: id, customer: {} },
      { _id: `${id}-c`, userId: "0123456789abcdef01234567", customer: {} },
      {
        _id: `${id}-d`,
        customer: {},
        messages: [
          { _id: "twice", direction: "inbound", message: "a" },
          { _id: "twice", direction: "inbound", message: "b" },
        ],
      },
    );
    frames.push({ position: 7, bytes: badUtf8 });
    const outcomes = await importConversations(db(), ACME, frames, NOW);
    expect(statuses(outcomes)).toEqual([
      [1, "created"],
      [2, "rejected"],
      [3, "rejected"],
      [4, "rejected"],
      [5, "rejected"],
      [6, "rejected"],
      [7, "rejected"],
    ]);
    const reasons = outcomes.map((o) => ("reason" in o ? o.reason : ""));
    expect(reasons.slice(1)).toEqual([
      "record is not valid JSON",
      expect.stringMatching(
        /^record\.customer\.phone must be an E\.164 phone number .*\[pattern\]$/,
      ),
      `id ${id} appears earlier in the file (#1); this record is not imported`,
      "record.userId is not a user of this workspace [unknown_user]",
      "record.messages[1]._id twice is used twice in the record [taken_id]",
      "record is not valid UTF-8",
    ]);
  });

  it("with a lone surrogate is refused as an API body would be", async () => {
    const [outcome] = await trillet(ACME, {
      _id: `lone-${unique()}`,
      customer: { name: "Ada \ud800" },
    });
    expect(outcome).toMatchObject({
      status: "rejected",
      reason: expect.stringMatching(
        /^record\.customer\.name must not contain a lone surrogate.*\[pattern\]$/,
      ),
    });
  });

  it("with an id another organization holds is not imported, and says which id", async () => {
    const id = `theirs-${unique()}`;
    await trillet(GLOBEX, {
      _id: id,
      customer: {},
      messages: [{ _id: `${id}-m`, direction: "inbound", message: "x" }],
    });
    const outcomes = await trillet(
      ACME,
      { _id: id, customer: {} },
      {
        _id: `${id}-mine`,
        customer: {},
        messages: [{ _id: `${id}-m`, direction: "inbound", message: "y" }],
      },
    );
    expect(outcomes).toEqual([
      {
        position: 1,
        status: "taken",
        key: id,
        reason: `conversation ${id} is held by another organization`,
      },
      {
        position: 2,
        status: "taken",
        key: `${id}-mine`,
        reason: `message ${id}-m is held by another organization`,
      },
    ]);
    expect(
      await count(sql`select count(*) as n from conversations where id = ${`${id}-mine`}`),
    ).toBe(0);
  });

  it("whose message belongs to another conversation of the organization is refused", async () => {
    const id = `own-${unique()}`;
    await trillet(ACME, {
      _id: id,
      customer: {},
      messages: [{ _id: `${id}-m`, direction: "inbound", message: "x" }],
    });
    const [outcome] = await trillet(ACME, {
      _id: `${id}-2`,
      customer: {},
      messages: [{ _id: `${id}-m`, direction: "inbound", message: "y" }],
    });
    expect(outcome).toMatchObject({
      status: "rejected",
      reason: `record.messages[0]._id ${id}-m already belongs to conversation ${id} [taken_id]`,
    });
  });

  it("without ids gets the same ids on every run", async () => {
    const record = {
      customer: { email: `noid-${unique()}@example.org` },
      messages: [{ direction: "inbound", message: "hi" }],
    };
    const [first] = await trillet(ACME, record);
    const [second] = await trillet(ACME, record);
    expect(first?.status).toBe("created");
    expect(second).toMatchObject({
      status: "unchanged",
      id: first && "id" in first ? first.id : "",
    });
  });

  it("is written with the others of its batch in one round trip", async () => {
    const prefix = `many-${unique()}`;
    let batches = 0;
    const counting = new Proxy(env.DB, {
      get(target, property) {
        const value = Reflect.get(target, property);
        if (property === "batch") {
          return (statements: D1PreparedStatement[]) => {
            batches++;
            return target.batch(statements);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const records = Array.from({ length: 50 }, (_, i) => ({
      _id: `${prefix}-${i}`,
      customer: { phone: `+1666${String(i).padStart(7, "0")}` },
      messages: Array.from({ length: 20 }, (_, j) => ({ direction: "inbound", message: `m${j}` })),
    }));
    const outcomes = await importConversations(drizzle(counting), ACME, batch(...records), NOW);
    expect(outcomes.every((o) => o.status === "created")).toBe(true);
    // The ids checked in one round trip, every record written in one more.
    expect(batches).toBe(2);
    expect(
      await count(
        sql`select count(*) as n from messages where conversation_id like ${`${prefix}-%`}`,
      ),
    ).toBe(1000);
  });
});

describe("a Tether item", () => {
  const item = (id: string, overrides: Record<string, unknown> = {}) => ({
    id,
    customer: { name: "Tess Ether", email: `${id}@example.org` },
    conversation: [
      { role: "user", content: "Hi", timestamp: "2026-01-01T00:00:00.000Z", senderType: "human" },
      {
        role: "assistant",
        content: "Hello!",
        timestamp: "2026-01-01T00:00:01.000Z",
        senderType: "AI",
      },
    ],
    metadata: { quality: "good", tags: ["imported", "t"] },
    ...overrides,
  });
  const hex = () => `${unique()}${unique()}`.slice(0, 24);

  it("becomes a snapshot GET shows, with its contact, copies and tags", async () => {
    const id = hex();
    expect(statuses(await tether(ACME, item(id)))).toEqual([[1, "created"]]);
    const response = await request(`/api/training/snapshots/${id}`, bearer(await tokenFor()));
    const { data } = (await response.json()) as { data: Record<string, unknown> };
    expect(data).toMatchObject({
      _id: id,
      userId: null,
      contactId: { firstName: "Tess", lastName: "Ether", email: `${id}@example.org` },
      customerName: "Tess Ether",
      messageCount: 2,
      tags: ["imported", "t"],
      quality: "good",
    });
    expect(
      await count(sql`select count(*) as n from training_snapshot_tags where snapshot_id = ${id}`),
    ).toBe(2);
  });

  it("whose id another organization holds takes an id of its own, the same on every run", async () => {
    const id = hex();
    await tether(GLOBEX, item(id));
    const [first] = await tether(ACME, item(id));
    expect(first).toMatchObject({ status: "created", from: id });
    const renamed = first && "id" in first ? first.id : "";
    expect(renamed).toMatch(/^[0-9a-f]{24}$/);
    expect(renamed).not.toBe(id);
    const [again] = await tether(ACME, item(id));
    expect(again).toEqual({ position: 1, status: "unchanged", key: id, id: renamed, from: id });
  });

  it("is refused alone for a NUL in a message, the rest imported", async () => {
    const [good, bad] = [hex(), hex()];
    const outcomes = await tether(
      ACME,
      item(good),
      item(bad, {
        conversation: [
          {
            role: "user",
            content: "a \u0000 b",
            timestamp: "2026-01-01T00:00:00.000Z",
            senderType: "human",
          },
        ],
      }),
    );
    expect(outcomes).toEqual([
      expect.objectContaining({ position: 1, status: "created" }),
      {
        position: 2,
        status: "rejected",
        reason: "record.conversation[0].content must not contain NUL characters [pattern]",
      },
    ]);
  });
});
