import { describe, expect, it } from "vitest";
import { type Body, json, request, validationDetails } from "../helpers/app";
import { apiKeyHeaders, bearer, newOrganization, newUserToken } from "../helpers/auth";
import { insertApiKey, tick } from "../helpers/factories";

/*
 * Reviewed AI drafts on the Training API: the list, the stats and the preference exports, each
 * over an organization of the test's own (so every count is exact), made through the
 * Conversations API as a client would.
 */

type Metadata = Record<string, string>;

/** A fresh organization with an admin's token and an API key. */
async function tenant() {
  const org = await newOrganization("admin");
  const { key } = await insertApiKey({ organizationId: org.organizationId });
  const keyHeaders = apiKeyHeaders(key, org.organizationId);
  const post = async (path: string, body: unknown) => {
    const response = await request(path, json(body, keyHeaders));
    expect(response.status, path).toBeLessThan(300);
    return (await response.json()) as Body;
  };
  /** A conversation with the customer's question, then an AI draft acted on as `steps` say. */
  const review = async (
    draft: string,
    steps: Metadata[],
    options: { agentId?: string; model?: string; after?: unknown[] } = {},
  ) => {
    const conversation = await post("/v1/api/conversations", {
      customer: { name: "Review Customer", phone: `+1555${String(tick()).slice(-7)}` },
      agentId: options.agentId ?? "agent-a",
      messages: [{ direction: "inbound", message: "Can I come Friday?" }],
    });
    const base = `/v1/api/conversations/${conversation._id}`;
    const message = await post(`${base}/messages`, {
      direction: "outbound",
      message: draft,
      ...(options.model ? { model: options.model } : {}),
    });
    for (const metadata of steps) {
      await post(`${base}/message/${message._id}/action`, { metadata });
    }
    for (const after of options.after ?? []) await post(`${base}/messages`, after);
    return { conversationId: conversation._id as string, messageId: message._id as string };
  };
  const get = async (path: string, token = org.token) => {
    const response = await request(path, bearer(token));
    return {
      response,
      body: response.headers.get("content-type")?.includes("json")
        ? ((await response.json()) as Body)
        : undefined,
      text: undefined as string | undefined,
    };
  };
  const lines = async (query: string) => {
    const response = await request(`/api/training/export?${query}`, bearer(org.token));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    const text = await response.text();
    return text === ""
      ? []
      : text
          .trimEnd()
          .split("\n")
          .map((l) => JSON.parse(l) as Body);
  };
  return { ...org, review, get, lines };
}

const approve = { action: "Approve" };
const edit = (editedMessage: string) => ({ action: "Edit", editedMessage });

describe("GET /api/training/reviews", () => {
  it("lists each reviewed draft, newest review first, its draft beside what was sent", async () => {
    const t = await tenant();
    const kept = await t.review("Friday at 10am is open.", [approve]);
    const edited = await t.review("Friday is open.", [edit("Friday at 10am works!"), approve], {
      model: "m-1",
    });
    const rejected = await t.review("We are closed.", [{ action: "Reject", reason: "Wrong" }]);
    await t.review("Still pending", []);

    const { response, body } = await t.get("/api/training/reviews");
    expect(response.status).toBe(200);
    expect(body?.data.map((r: Body) => [r.messageId, r.outcome])).toEqual([
      [rejected.messageId, "rejected"],
      [edited.messageId, "edited"],
      [kept.messageId, "approved"],
    ]);
    const [r, e, k] = (body as Body).data as Body[];
    expect(Object.keys(e as Body)).toEqual([
      "conversationId",
      "messageId",
      "agentId",
      "pathwayId",
      "model",
      "promptVersion",
      "outcome",
      "draft",
      "final",
      "reason",
      "draftedAt",
      "reviewedAt",
      "reviewSeconds",
      "editDistance",
    ]);
    expect(e).toMatchObject({
      conversationId: edited.conversationId,
      agentId: "agent-a",
      model: "m-1",
      draft: "Friday is open.",
      final: "Friday at 10am works!",
      editDistance: 12,
    });
    expect(k).toMatchObject({
      draft: "Friday at 10am is open.",
      final: "Friday at 10am is open.",
      editDistance: 0,
    });
    expect(r).toMatchObject({ final: null, reason: "Wrong", editDistance: null });
    expect(body?.pagination).toEqual({ nextCursor: null, hasMore: false, limit: 20 });
  });

  it("filters by outcome, agent and model, and walks pages with the cursor", async () => {
    const t = await tenant();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.unshift((await t.review(`draft ${i}`, [approve])).messageId);
    await t.review("other agent", [edit("changed"), approve], { agentId: "agent-b" });

    const edited = await t.get("/api/training/reviews?outcome=edited");
    expect(edited.body?.data.map((r: Body) => r.draft)).toEqual(["other agent"]);
    const agentA = await t.get("/api/training/reviews?agentId=agent-a&limit=2");
    expect(agentA.body?.data.map((r: Body) => r.messageId)).toEqual(ids.slice(0, 2));
    expect(agentA.body?.pagination.hasMore).toBe(true);
    const next = await t.get(
      `/api/training/reviews?agentId=agent-a&limit=2&cursor=${agentA.body?.pagination.nextCursor}`,
    );
    expect(next.body?.data.map((r: Body) => r.messageId)).toEqual(ids.slice(2));
    expect((await t.get("/api/training/reviews?model=none")).body?.data).toEqual([]);
  });

  it("shows nothing of another organization, to any role of this one", async () => {
    const t = await tenant();
    await t.review("mine", [approve]);
    const other = await newOrganization("admin");
    expect((await t.get("/api/training/reviews", other.token)).body?.data).toEqual([]);
    const { token: agentToken } = await newUserToken("agent", t.organizationId);
    const asAgent = await t.get("/api/training/reviews", agentToken);
    expect(asAgent.response.status).toBe(200);
    expect(asAgent.body?.data).toHaveLength(1);
  });
});

describe("GET /api/training/reviews/stats", () => {
  it("counts the range's drafts by outcome, with rates over the reviewed and percentiles", async () => {
    const t = await tenant();
    await t.review("a", [approve], { model: "m-1" });
    await t.review("b", [approve], { model: "m-1" });
    await t.review("c", [edit("cc"), approve], { model: "m-2" });
    await t.review("d", [{ action: "Reject" }], { model: "m-2" });
    await t.review("e", [], { model: "m-2" });

    const { response, body } = await t.get("/api/training/reviews/stats?groupBy=model");
    expect(response.status).toBe(200);
    const data = body?.data as Body;
    expect(data.groupBy).toBe("model");
    expect(data.total).toMatchObject({
      key: "total",
      drafted: 5,
      approved: 2,
      edited: 1,
      rejected: 1,
      pending: 1,
      approvalRate: 0.5,
      editRate: 0.25,
      rejectRate: 0.25,
      editDistance: { p50: 0 },
    });
    expect(data.total.reviewSeconds.p50).toBeGreaterThanOrEqual(0);
    expect(data.buckets.map((b: Body) => [b.key, b.drafted, b.approvalRate])).toEqual([
      ["m-1", 2, 1],
      ["m-2", 3, 0],
    ]);

    const today = new Date().toISOString().slice(0, 10);
    const byDay = await t.get("/api/training/reviews/stats?groupBy=day");
    expect(byDay.body?.data.buckets.map((b: Body) => [b.key, b.drafted])).toEqual([[today, 5]]);
    const filtered = await t.get("/api/training/reviews/stats?groupBy=agent&model=m-1");
    expect(filtered.body?.data.buckets).toEqual([
      expect.objectContaining({ key: "agent-a", drafted: 2, approved: 2 }),
    ]);
  });

  it("answers an empty range with zeros and no buckets, and refuses a range backwards or too long", async () => {
    const t = await tenant();
    await t.review("now", [approve]);
    const empty = await t.get(
      "/api/training/reviews/stats?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z",
    );
    expect(empty.body?.data).toEqual({
      from: "2020-01-01T00:00:00.000Z",
      to: "2020-02-01T00:00:00.000Z",
      groupBy: "day",
      total: {
        key: "total",
        drafted: 0,
        approved: 0,
        edited: 0,
        rejected: 0,
        pending: 0,
        approvalRate: null,
        editRate: null,
        rejectRate: null,
        reviewSeconds: { p50: null, p90: null },
        editDistance: { p50: null },
      },
      buckets: [],
    });
    const backwards = await t.get(
      "/api/training/reviews/stats?from=2020-02-01T00:00:00Z&to=2020-01-01T00:00:00Z",
    );
    expect(backwards.response.status).toBe(400);
    expect(validationDetails(backwards.body as Body)[0]).toMatchObject({ field: "query.from" });
    const tooLong = await t.get(
      "/api/training/reviews/stats?from=2020-01-01T00:00:00Z&to=2022-01-01T00:00:00Z",
    );
    expect(tooLong.response.status).toBe(400);
  });
});

describe("GET /api/training/export, preference formats", () => {
  it("makes one OpenAI preference line per edited draft: the conversation so far, final over draft", async () => {
    const t = await tenant();
    await t.review("Friday is open.", [edit("Friday at 10am works!"), approve]);
    await t.review("As written", [approve]);
    await t.review("Only case", [edit("only CASE"), approve]);
    await t.review("spacing  here", [edit("spacing here\n"), approve]);
    const lines = await t.lines("format=preference");
    expect(lines).toEqual([
      {
        input: { messages: [{ role: "user", content: "Can I come Friday?" }] },
        preferred_output: [{ role: "assistant", content: "Friday at 10am works!" }],
        non_preferred_output: [{ role: "assistant", content: "Friday is open." }],
      },
    ]);
    expect(Object.keys(lines[0] as Body)).toEqual([
      "input",
      "preferred_output",
      "non_preferred_output",
    ]);
  });

  it("pairs a rejected draft with the person's own reply before the customer's next message", async () => {
    const t = await tenant();
    const human = {
      direction: "outbound",
      message: "We open at 9, see you then",
      status: "sent",
      senderType: "human",
    };
    await t.review("We are closed Friday.", [{ action: "Reject" }], { after: [human] });
    await t.review("No reply follows", [{ action: "Reject" }]);
    await t.review("Customer spoke first", [{ action: "Reject" }], {
      after: [{ direction: "inbound", message: "Hello?" }, human],
    });
    const trl = await t.lines("format=preference-trl");
    expect(trl).toEqual([
      {
        prompt: [{ role: "user", content: "Can I come Friday?" }],
        chosen: [{ role: "assistant", content: "We open at 9, see you then" }],
        rejected: [{ role: "assistant", content: "We are closed Friday." }],
      },
    ]);
  });

  it("gives KTO lines: sent as written and what a person sent true, AI originals changed or refused false", async () => {
    const t = await tenant();
    await t.review("good", [approve]);
    await t.review("bad", [edit("better"), approve]);
    await t.review("refused", [{ action: "Reject" }]);
    const kto = await t.lines("format=kto");
    const prompt = [{ role: "user", content: "Can I come Friday?" }];
    const line = (content: string, label: boolean) => ({
      prompt,
      completion: [{ role: "assistant", content }],
      label,
    });
    // Newest review first.
    expect(kto).toEqual([
      line("refused", false),
      line("better", true),
      line("bad", false),
      line("good", true),
    ]);
  });

  it("applies the reviews' filters, refuses the snapshots' ones, and shows nothing of another organization", async () => {
    const t = await tenant();
    await t.review("x", [edit("y"), approve], { agentId: "agent-z" });
    expect(await t.lines("format=preference&agentId=agent-z")).toHaveLength(1);
    expect(await t.lines("format=preference&agentId=agent-y")).toHaveLength(0);
    const refused = await t.get("/api/training/export?format=preference&quality=good");
    expect(refused.response.status).toBe(400);
    expect(validationDetails(refused.body as Body)[0]).toMatchObject({
      field: "query.quality",
      rule: "not_with_format",
    });
    const alsoRefused = await t.get("/api/training/export?format=jsonl&outcome=edited");
    expect(alsoRefused.response.status).toBe(400);
    const other = await newOrganization("admin");
    const response = await request("/api/training/export?format=preference", bearer(other.token));
    expect(await response.text()).toBe("");
  });
});
