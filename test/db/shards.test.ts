import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { shardBindings } from "../../src/platform/db/client";
import { SWEEP_GRACE_MS } from "../../src/platform/events/sweep";
import { newObjectId } from "../../src/platform/util/ids";

/*
 * Tenant shards (docs/sharding.md): every D1 binding named DB or SHARD_<NAME> holds tenant data,
 * gets every migration, and is visited by the scheduled sweeps. The tests run three.
 */

describe("tenant shards", () => {
  it("are DB and every SHARD_ binding, in order: three in the tests", () => {
    expect(shardBindings(env).map(([name]) => name)).toEqual(["DB", "SHARD_B", "SHARD_C"]);
  });

  it("every shard ends at the same migration, the last one", async () => {
    const names = env.TEST_MIGRATIONS.map((m) => m.name);
    for (const [binding, d1] of shardBindings(env)) {
      const { results } = await d1
        .prepare("select name from d1_migrations order by id")
        .all<{ name: string }>();
      expect(
        results.map((r) => r.name),
        binding,
      ).toEqual(names);
      // The schema is there too, not only the record of it: the newest table answers.
      await expect(d1.prepare("select count(*) from draft_revisions").first()).resolves.toEqual({
        "count(*)": expect.any(Number),
      });
    }
  });

  it("the scheduled sweep visits every shard: an event stranded on the third is queued", async () => {
    const shard = env.SHARD_C;
    const organization = newObjectId();
    const event = `evt_${newObjectId()}`;
    const stranded = Date.now() - SWEEP_GRACE_MS - 1;
    await shard.batch([
      shard
        .prepare("insert into organizations (id, name, created_at) values (?, 'Shard C org', ?)")
        .bind(organization, stranded),
      shard
        .prepare(
          "insert into webhook_events (id, organization_id, type, data, endpoint_id, created_at, queued_at) values (?, ?, 'webhook.test', '{}', null, ?, null)",
        )
        .bind(event, organization, stranded),
    ]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const row = await shard
      .prepare("select queued_at from webhook_events where id = ?")
      .bind(event)
      .first<{ queued_at: number | null }>();
    expect(row?.queued_at).toEqual(expect.any(Number));
  });
});
