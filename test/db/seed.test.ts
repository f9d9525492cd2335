import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { editDistance } from "../../src/platform/util/edit-distance";
import { type Body, request } from "../helpers/app";
import { bearer, tokenFor } from "../helpers/auth";
import { ACME, AGENT, SNAPSHOT } from "../helpers/seed";

const TABLES = [
  "organizations",
  "users",
  "contacts",
  "api_keys",
  "conversations",
  "messages",
  "training_snapshots",
  "training_snapshot_messages",
  "training_snapshot_tags",
  "drafts",
  "draft_revisions",
];

async function counts() {
  const results = await env.DB.batch<{ n: number }>(
    TABLES.map((t) => env.DB.prepare(`select count(*) as n from "${t}"`)),
  );
  return Object.fromEntries(TABLES.map((t, i) => [t, results[i]?.results[0]?.n]));
}

describe("the demo seed", () => {
  it("holds what docs/demo-data.md lists", async () => {
    const n = await counts();
    expect(n.organizations).toBe(2);
    expect(n.users).toBe(4);
    expect(n.api_keys).toBe(2);
    expect(n.conversations).toBeGreaterThanOrEqual(2 + 25);
    expect(n.training_snapshots).toBe(2);
    const flows = await env.DB.prepare(
      "select pathway_id, count(*) as n from conversations where organization_id = ?1 group by pathway_id order by pathway_id",
    )
      .bind("65a0e0e0e0e0e0e0e0e0e0e0")
      .all<{ pathway_id: string; n: number }>();
    expect(flows.results.map((r) => r.pathway_id)).toEqual(["pw12345", "pw67890"]);
    const pending = await env.DB.prepare(
      "select count(*) as n from messages where status = 'pending' and direction = 'outbound' and sender_type = 'AI'",
    ).first<{ n: number }>();
    expect(pending?.n).toBeGreaterThanOrEqual(3);
    // Every pending demo draft has its history started, so the seed can undo actions on it.
    const untracked = await env.DB.prepare(
      "select count(*) as n from messages m where status = 'pending' and direction = 'outbound' and not exists (select 1 from drafts d where d.message_id = m.id)",
    ).first<{ n: number }>();
    expect(untracked?.n).toBe(0);
  });

  it("holds a week of reviewed drafts for two agents, each consistent with its message and steps", async () => {
    const day = 86_400_000;
    const today = Math.floor(Date.now() / day) * day;
    const { results: rows } = await env.DB.prepare(
      `select d.*, m.status, m.sent, m.message, m.created_at as m_created, m.updated_at as m_updated,
        (select json_group_array(json_array(r.action, r.message, r.actor_type, r.actor_id, r.created_at))
          from (select * from draft_revisions r where r.message_id = d.message_id order by revision) r) as steps
       from drafts d join messages m on m.id = d.message_id
       where d.organization_id = ?1 and d.drafted_at >= ?2 order by d.drafted_at`,
    )
      .bind(ACME, today - 8 * day)
      .all<Body>();
    const outcomes = (agent?: string) =>
      rows
        .filter((r) => !agent || r.agent_id === agent)
        .reduce<Record<string, number>>((n, r) => {
          const key = r.outcome ?? "pending";
          n[key] = (n[key] ?? 0) + 1;
          return n;
        }, {});
    expect(outcomes()).toEqual({ approved: 11, edited: 6, rejected: 4, pending: 3 });
    expect(outcomes("ag67890")).toEqual({ approved: 8, edited: 3, pending: 2 });
    expect(outcomes("ag24680")).toEqual({ approved: 3, edited: 3, rejected: 4, pending: 1 });
    const days = new Set(rows.map((r) => Math.floor(r.drafted_at / day)));
    expect(days.size).toBe(7);
    expect(Math.max(...rows.map((r) => r.reviewed_at ?? r.drafted_at))).toBeLessThan(today);

    for (const r of rows) {
      const steps = JSON.parse(r.steps) as [string, string | null, string, string, number][];
      const label = r.message_id;
      // Drafted and reviewed by the demo key, step after step.
      for (const [, , type, id] of steps)
        expect([type, id], label).toEqual(["apiKey", "65a1e0e0e0e0e0e0e0e0e0e0"]);
      expect(steps[0]?.slice(0, 2), label).toEqual(["Draft", r.draft]);
      expect(steps[0]?.[4], label).toBe(r.drafted_at);
      expect(r.m_created, label).toBe(r.drafted_at);
      const times = steps.map((s) => s[4]);
      expect(times, label).toEqual([...times].sort((a, b) => a - b));
      const last = steps.at(-1) as (typeof steps)[number];
      if (r.outcome === null) {
        expect([r.status, r.sent, r.message, r.reviewed_at], label).toEqual([
          "pending",
          0,
          r.draft,
          null,
        ]);
        expect(steps.length, label).toBe(1);
      } else if (r.outcome === "rejected") {
        expect([r.status, r.sent, r.final, r.edit_distance], label).toEqual([
          "rejected",
          0,
          null,
          null,
        ]);
        expect(last.slice(0, 2), label).toEqual(["Reject", null]);
      } else {
        expect([r.status, r.sent, r.message], label).toEqual(["approved", 1, r.final]);
        expect(last.slice(0, 2), label).toEqual(["Approve", r.final]);
        expect(r.edit_distance, label).toBe(editDistance(r.draft, r.final));
        expect(r.outcome, label).toBe(r.draft === r.final ? "approved" : "edited");
        expect(steps.filter((s) => s[0] === "Edit").length > 0, label).toBe(r.outcome === "edited");
      }
      if (r.outcome !== null) {
        expect(last[4], label).toBe(r.reviewed_at);
        expect(r.review_ms, label).toBe(r.reviewed_at - r.drafted_at);
        expect(r.m_updated, label).toBe(r.reviewed_at);
      }
    }

    // The stats' default window (the last 30 days) holds all of them.
    const response = await request(
      "/api/training/reviews/stats?groupBy=agent",
      bearer(await tokenFor()),
    );
    const { data } = (await response.json()) as Body;
    expect(data.buckets.map((b: Body) => [b.key, b.drafted])).toEqual(
      expect.arrayContaining([
        ["ag24680", 11],
        ["ag67890", 13],
      ]),
    );
  });

  it("is idempotent, and restores demo rows that were changed", async () => {
    const before = await counts();
    await env.DB.prepare("update training_snapshots set notes = 'edited' where id = ?")
      .bind(SNAPSHOT)
      .run();
    await env.DB.prepare(
      "insert into training_snapshot_tags (snapshot_id, tag, organization_id, is_archived, created_at) values (?, 'extra', '65a0e0e0e0e0e0e0e0e0e0e0', 0, 0)",
    )
      .bind(SNAPSHOT)
      .run();
    // A demo user deactivated while trying things is active again (before: stayed deactivated).
    await env.DB.prepare("update users set is_active = 0 where id = ?").bind(AGENT).run();

    await env.DB.batch(env.TEST_SEED.map((s) => env.DB.prepare(s)));
    await env.DB.batch(env.TEST_SEED.map((s) => env.DB.prepare(s)));

    expect(await counts()).toEqual(before);
    const response = await request(`/api/training/snapshots/${SNAPSHOT}`, bearer(await tokenFor()));
    const body = (await response.json()) as { data: { notes: string } };
    expect(body.data.notes).toBe("Great handling of objection on pricing.");
    const agent = await env.DB.prepare("select is_active from users where id = ?")
      .bind(AGENT)
      .first<{ is_active: number }>();
    expect(agent?.is_active).toBe(1);
  });
});
