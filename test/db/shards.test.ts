import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { framePieces } from "../../src/import/frames";
import importWorker from "../../src/import/worker";
import worker from "../../src/index";
import { shardBindings } from "../../src/platform/db/shards";
import { SWEEP_GRACE_MS } from "../../src/platform/events/sweep";
import { sha256Hex } from "../../src/platform/util/encoding";
import { newObjectId } from "../../src/platform/util/ids";
import { opaqueToken } from "../../src/platform/util/tokens";
import { d1RoundTrips, json, request } from "../helpers/app";
import { apiKeyHeaders, bearer } from "../helpers/auth";
import { failingD1 } from "../helpers/d1";
import { ACME, ACME_KEY, DEMO_PASSWORD } from "../helpers/seed";
import { organizationOn } from "../helpers/shards";

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

const rowsIn = async (d1: D1Database, table: string, organizationId: string) =>
  (
    await d1
      .prepare(`select count(*) as n from ${table} where organization_id = ?`)
      .bind(organizationId)
      .first<{ n: number }>()
  )?.n;

describe("an organization on another shard", () => {
  it("is served from its shard through the API key: reads and writes, none of it in DB", async () => {
    const { ids, keyHeaders } = await organizationOn("SHARD_C");
    const got = await request(`/v1/api/conversations/${ids.conversation}`, keyHeaders);
    expect(got.status).toBe(200);
    expect(((await got.json()) as { _id: string })._id).toBe(ids.conversation);

    const created = await request(
      "/v1/api/conversations",
      json(
        {
          customer: { name: "Eve Shard", phone: "+14155550101" },
          messages: [{ direction: "inbound", message: "Hello from shard C" }],
        },
        keyHeaders,
      ),
    );
    expect(created.status).toBe(201);
    expect(await rowsIn(env.SHARD_C, "conversations", ids.org)).toBe(2);
    expect(await rowsIn(env.SHARD_C, "messages", ids.org)).toBe(1);
    for (const table of ["conversations", "messages", "contacts", "api_keys"]) {
      expect(await rowsIn(env.DB, table, ids.org), table).toBe(0);
    }
  });

  it("is served from its shard through a token: the session checked there, one round trip warm", async () => {
    const { ids, token } = await organizationOn("SHARD_C");
    await request("/api/contacts", bearer(token)); // the isolate learns the shard
    const listed = await request("/api/contacts", bearer(token));
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { data: { _id: string }[] };
    expect(body.data.map((c) => c._id)).toEqual([ids.contact]);
    expect(d1RoundTrips(listed)).toBe(1);
    // A session revoked on the shard is refused: the check reads the shard, not DB.
    await env.SHARD_C.prepare("update sessions set revoked_at = ? where id = ?")
      .bind(Date.now(), ids.session)
      .run();
    expect((await request("/api/contacts", bearer(token))).status).toBe(401);
  });

  it("keeps the answers of a key used with the wrong workspace across shards", async () => {
    const { ids, keyHeaders } = await organizationOn("SHARD_C");
    // Acme's key (on DB) naming the shard-C workspace, and the shard-C key naming Acme's.
    const acmeKeyThere = await request(
      `/v1/api/conversations/${ids.conversation}`,
      apiKeyHeaders(ACME_KEY, ids.org),
    );
    expect(acmeKeyThere.status).toBe(403);
    const shardKeyHere = await request("/v1/api/conversations", {
      headers: { ...keyHeaders.headers, "x-workspace-id": ACME },
    });
    expect(shardKeyHere.status).toBe(403);
    // And the shard's key still works afterwards (not remembered as unknown).
    expect((await request(`/v1/api/conversations/${ids.conversation}`, keyHeaders)).status).toBe(
      200,
    );
  });
});

describe("logging in to an organization on another shard", () => {
  it("sets the password with its setup token, logs in by email, refreshes: all on its shard", async () => {
    const { ids } = await organizationOn("SHARD_C");
    const email = `cleo-${ids.user}@example.com`;
    const setupToken = opaqueToken("st", ids.org);
    const now = Date.now();
    await env.SHARD_C.prepare(
      "insert into setup_tokens (token_hash, organization_id, user_id, created_at, expires_at) values (?, ?, ?, ?, ?)",
    )
      .bind(await sha256Hex(setupToken), ids.org, ids.user, now, now + 3_600_000)
      .run();
    const password = "a long shard password";
    const setUp = await request("/api/auth/setup-password", json({ setupToken, password }));
    expect(setUp.status).toBe(200);

    const login = await request("/api/auth/login", json({ email, password }));
    expect(login.status).toBe(200);
    const { data } = (await login.json()) as { data: { token: string; refreshToken: string } };
    expect(data.refreshToken.startsWith(`rt_${ids.org}_`)).toBe(true);
    const me = await request("/api/users/me", bearer(data.token));
    expect(((await me.json()) as { data: { email: string } }).data.email).toBe(email);

    const refreshed = await request("/api/auth/refresh", json({ refreshToken: data.refreshToken }));
    expect(refreshed.status).toBe(200);
    // The fixture's session, the setup's and the login's: all on the shard, none in DB.
    expect(await rowsIn(env.SHARD_C, "sessions", ids.org)).toBe(3);
    expect(await rowsIn(env.DB, "sessions", ids.org)).toBe(0);
    expect(await rowsIn(env.DB, "users", ids.org)).toBe(0);
  });
});

describe("a shard that does not answer", () => {
  it("hides only its own users from a login: others log in, an unknown email is 503, not a wrong password", async () => {
    const down = { SHARD_B: failingD1() };
    const alice = await request(
      "/api/auth/login",
      json({ email: "alice@example.com", password: DEMO_PASSWORD }),
      down,
    );
    expect(alice.status).toBe(200);
    const unknown = await request(
      "/api/auth/login",
      json({ email: `nobody-${newObjectId()}@example.com`, password: "whatever it is 123" }),
      down,
    );
    expect(unknown.status).toBe(503);
    expect(unknown.headers.get("retry-after")).toBe("5");
  });
});

describe("the bulk import", () => {
  it("writes a workspace's records to its shard", async () => {
    const { ids } = await organizationOn("SHARD_C");
    const record = JSON.stringify({
      _id: `imp-${newObjectId()}`,
      customer: { name: "Imported Shard", phone: "+14155550111" },
      messages: [{ direction: "inbound", message: "Imported on shard C" }],
    });
    const body = new Blob(framePieces(1, [new TextEncoder().encode(record)]));
    const response = await importWorker.fetch(
      new Request(`http://import.local/organizations/${ids.org}/trillet`, {
        method: "POST",
        headers: { authorization: "Bearer run-token" },
        body,
      }),
      { ...env, IMPORT_TOKEN: "run-token" },
    );
    const { outcomes } = (await response.json()) as { outcomes: { status: string }[] };
    expect(outcomes.map((o) => o.status)).toEqual(["created"]);
    expect(await rowsIn(env.SHARD_C, "conversations", ids.org)).toBe(2);
    expect(await rowsIn(env.DB, "conversations", ids.org)).toBe(0);
  });
});

describe("the login lockout", () => {
  it("counts a wrong current password of a shard's user in the directory, with the logins'", async () => {
    const { ids, token } = await organizationOn("SHARD_C");
    const email = `cleo-${ids.user}@example.com`;
    const response = await request(
      "/api/auth/change-password",
      json(
        { currentPassword: "not the password at all", newPassword: "a new long password" },
        bearer(token),
      ),
    );
    expect(response.status).toBe(400);
    const keyHash = await sha256Hex(`email:${email}`);
    const failures = (d1: D1Database) =>
      d1.prepare("select failures from login_failures where key_hash = ?").bind(keyHash).first();
    expect(await failures(env.DB)).toEqual({ failures: 1 });
    expect(await failures(env.SHARD_C)).toBeNull();
  });
});
