import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { request } from "../helpers/app";
import { bearer, tokenFor } from "../helpers/auth";
import { AGENT, SNAPSHOT } from "../helpers/seed";

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
