import { describe, expect, it } from "vitest";
import { conversations } from "../../src/platform/db/schema";
import { issuesFromZod } from "../../src/platform/errors/validation";
import { ExportItemInputSchema } from "../../src/surfaces/training-api/snapshots/snapshots.schemas";
import { type Body, json, requestBody, validationDetails } from "../helpers/app";
import { apiKeyHeaders, tokenFor } from "../helpers/auth";
import { insertContact, insertSnapshot, testDb, uniquePhone } from "../helpers/factories";

/*
 * Dates a client sends are years 1970–9999, the years the documented ISO form can write in UTC.
 * Rows stored before 1970 (older data) still list: every cursor the API issues is accepted.
 */

const send = (path: string, init: RequestInit) => requestBody(path, init);
const ingest = (body: unknown) => send("/v1/api/conversations", json(body, apiKeyHeaders()));
const training = async (path: string) =>
  send(path, { headers: { authorization: `Bearer ${await tokenFor()}` } });

const hex24 = () => crypto.randomUUID().replaceAll("-", "").slice(0, 24);

describe("dates in: years 1970 to 9999", () => {
  it.each([
    ["1969-12-31T23:59:59.999Z", "min"],
    ["1970-01-01T00:30:00+01:00", "min"],
    ["0000-01-01T00:00:00Z", "min"],
    ["1066-10-14T09:00:00Z", "min"],
    ["9999-12-31T23:00:00-05:00", "max"],
  ])("createdAt %s: 400 (%s), nothing stored", async (createdAt, rule) => {
    const _id = `date-${hex24()}`;
    const { response, body } = await ingest({
      _id,
      customer: { phone: uniquePhone() },
      createdAt,
      messages: [{ direction: "inbound", message: "hi", createdAt, updatedAt: createdAt }],
    });
    expect(response.status, JSON.stringify(body)).toBe(400);
    expect(validationDetails(body)).toEqual(
      ["body.createdAt", "body.messages[0].createdAt", "body.messages[0].updatedAt"].map(
        (field) => ({ field, rule, message: expect.stringMatching(/1970|9999/) }),
      ),
    );
    expect((await send(`/v1/api/conversations/${_id}`, apiKeyHeaders())).response.status).toBe(404);
  });

  it("the first and the last millisecond are kept exactly", async () => {
    for (const createdAt of ["1970-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"]) {
      const { response, body } = await ingest({ customer: { phone: uniquePhone() }, createdAt });
      expect(response.status, JSON.stringify(body)).toBe(201);
      expect(body.createdAt).toBe(createdAt);
    }
  });

  it("query filters: 400 naming the parameter", async () => {
    const conversationsList = await send(
      "/v1/api/conversations?createdAfter=1969-07-20T20:17:00Z&updatedAfter=9999-12-31T23:59:59-01:00",
      apiKeyHeaders(),
    );
    expect(conversationsList.response.status).toBe(400);
    expect(validationDetails(conversationsList.body).map((d) => [d.field, d.rule])).toEqual([
      ["query.createdAfter", "min"],
      ["query.updatedAfter", "max"],
    ]);
    const snapshots = await training("/api/training/snapshots?createdBefore=1900-01-01T00:00:00Z");
    expect(snapshots.response.status).toBe(400);
    expect(validationDetails(snapshots.body).map((d) => [d.field, d.rule])).toEqual([
      ["query.createdBefore", "min"],
    ]);
  });

  it("a Tether export item's message timestamps", () => {
    const result = ExportItemInputSchema.safeParse({
      id: "item-1969",
      customer: { name: "Neil Armstrong" },
      conversation: [
        {
          role: "user",
          content: "One small step",
          timestamp: "1969-07-21T02:56:15Z",
          senderType: "human",
        },
      ],
      metadata: {},
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(issuesFromZod("record", result.error).map((i) => [i.field, i.rule])).toEqual([
      ["record.conversation[0].timestamp", "min"],
    ]);
  });
});

describe("rows stored before 1970 can be walked past", () => {
  it("a flow's Link cursors, through conversations of 1969", async () => {
    const contact = await insertContact({ phoneNumber: uniquePhone() });
    const flow = `flow-${hex24()}`;
    const rows = [Date.parse("2024-01-01T00:00:00Z"), -1_000, -86_400_000, -86_400_001].map(
      (createdAt, i) => ({
        id: `old-${i}-${hex24()}`,
        organizationId: contact.organizationId,
        contactId: contact.id,
        userId: null,
        pathwayId: flow,
        agentId: null,
        createdAt,
        updatedAt: createdAt,
      }),
    );
    await testDb().insert(conversations).values(rows);
    const ids: string[] = [];
    let next: string | null = `/v1/api/conversations/flow/${flow}?limit=1`;
    for (let pages = 0; next && pages < 10; pages++) {
      const { response, body } = await send(next, apiKeyHeaders());
      expect(response.status, JSON.stringify(body)).toBe(200);
      ids.push(...body.map((c: Body) => c._id));
      const link = response.headers.get("link");
      next = link ? (/^<([^>]+)>; rel="next"$/.exec(link)?.[1] ?? null) : null;
    }
    expect(ids).toEqual(rows.map((r) => r.id));
  });

  it("a snapshot list's nextCursor, through snapshots of 1969", async () => {
    const contact = await insertContact({ phoneNumber: uniquePhone() });
    const made = [];
    for (const createdAt of [0, -1, -31_536_000_000]) {
      made.push(
        (
          await insertSnapshot({
            contactId: contact.id,
            fields: { id: hex24(), createdAt, updatedAt: createdAt },
          })
        ).snapshot.id,
      );
    }
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const { response, body }: { response: Response; body: Body } = await training(
        `/api/training/snapshots?contactId=${contact.id}&limit=1${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(response.status, JSON.stringify(body)).toBe(200);
      ids.push(...body.data.map((s: Body) => s._id));
      cursor = body.pagination.nextCursor;
      if (!cursor) break;
    }
    expect(ids).toEqual(made);
  });
});
