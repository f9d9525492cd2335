import { env } from "cloudflare:workers";
import type { BatchItem } from "drizzle-orm/batch";
import { describe, expect, it } from "vitest";
import { issueSetupTokenStatements } from "../../src/accounts/setup-tokens";
import { sha256Hex } from "../../src/platform/util/encoding";
import { opaqueToken } from "../../src/platform/util/tokens";
import { verifyToken } from "../../src/surfaces/training-api/jwt";
import { d1RoundTrips, json, request, requestBody } from "../helpers/app";
import { bearer, tokenFor } from "../helpers/auth";
import { countingD1 } from "../helpers/d1";
import {
  insertOrganization,
  insertUser,
  insertUserWithPassword,
  testDb,
} from "../helpers/factories";
import { ACME, ADMIN, SNAPSHOT } from "../helpers/seed";

type Body = Record<string, any>;
const PASSWORD = "a long enough password";

const call = (path: string, init: RequestInit = {}) => requestBody(path, init);
const post = (path: string, body: unknown, token?: string) =>
  call(path, json(body, token ? bearer(token) : {}));

/** A user of Acme with a password, logged in: their token pair. */
async function loggedIn(role: "admin" | "manager" | "agent" = "manager") {
  const user = await insertUserWithPassword(PASSWORD, { role });
  const { body } = await post("/api/auth/login", { email: user.email, password: PASSWORD });
  return { user, token: body.data.token as string, refreshToken: body.data.refreshToken as string };
}

const read = (token: string) => call(`/api/training/snapshots/${SNAPSHOT}`, bearer(token));
const write = (token: string) =>
  call(
    `/api/training/snapshots/${SNAPSHOT}`,
    json({ notes: "edited" }, { method: "PATCH", ...bearer(token) }),
  );

describe("tokens of a login", () => {
  it("carry the session and the user's token version, and live 15 minutes by default", async () => {
    const { token, user } = await loggedIn();
    const claims = await verifyToken(token, env.JWT_SECRET);
    expect(claims).toMatchObject({ sub: user.id, org: ACME, role: "manager", ver: 1 });
    expect(claims.sid).toMatch(/^[0-9a-f]{24}$/);
    expect(claims.exp - claims.iat).toBe(900);
    const session = await env.DB.prepare("select user_id, revoked_at from sessions where id = ?")
      .bind(claims.sid)
      .first();
    expect(session).toEqual({ user_id: user.id, revoked_at: null });
    const stored = await env.DB.prepare(
      "select count(*) as n from refresh_tokens where token_hash like ?",
    )
      .bind("rt_%")
      .first<{ n: number }>();
    expect(stored?.n).toBe(0); // only hashes are stored
  });
});

describe("POST /api/auth/refresh", () => {
  it("rotates: a new pair, and the old refresh token is dead", async () => {
    const first = await loggedIn();
    const refreshed = await post("/api/auth/refresh", { refreshToken: first.refreshToken });
    expect(refreshed.response.status).toBe(200);
    expect(Object.keys(refreshed.body.data).sort()).toEqual([
      "expiresAt",
      "refreshExpiresAt",
      "refreshToken",
      "token",
      "user",
    ]);
    expect(refreshed.body.data.refreshToken).not.toBe(first.refreshToken);
    const sameSession = async (token: string) => (await verifyToken(token, env.JWT_SECRET)).sid;
    expect(await sameSession(refreshed.body.data.token)).toBe(await sameSession(first.token));
    expect((await read(refreshed.body.data.token)).response.status).toBe(200);
  });

  it("a reused refresh token revokes the whole session: every token of it dies", async () => {
    const first = await loggedIn();
    const second = (await post("/api/auth/refresh", { refreshToken: first.refreshToken })).body
      .data;
    const third = (await post("/api/auth/refresh", { refreshToken: second.refreshToken })).body
      .data;

    const replay = await post("/api/auth/refresh", { refreshToken: first.refreshToken });
    expect(replay.response.status).toBe(401);
    expect(replay.body.code).toBe("refresh_token_reused");

    expect((await post("/api/auth/refresh", { refreshToken: third.refreshToken })).body.code).toBe(
      "invalid_refresh_token",
    );
    for (const token of [first.token, second.token, third.token]) {
      const { response, body } = await read(token);
      expect(response.status).toBe(401);
      expect(body.code).toBe("token_revoked");
    }
    // Another login of the same user is another session, untouched.
    const other = await post("/api/auth/login", { email: first.user.email, password: PASSWORD });
    expect((await read(other.body.data.token)).response.status).toBe(200);
  });

  it("two refreshes racing with one token: one wins, the other is a reuse", async () => {
    const { refreshToken } = await loggedIn();
    const results = await Promise.all([
      post("/api/auth/refresh", { refreshToken }),
      post("/api/auth/refresh", { refreshToken }),
    ]);
    expect(results.map((r) => r.response.status).sort()).toEqual([200, 401]);
    expect(results.find((r) => r.response.status === 401)?.body.code).toBe("refresh_token_reused");
  });

  it.each([
    ["an unknown token", `rt_${"A".repeat(43)}`, 401, "invalid_refresh_token"],
    ["a malformed token", "not-a-token", 400, "validation_failed"],
  ])("%s → %i", async (_, refreshToken, status, code) => {
    const { response, body } = await post("/api/auth/refresh", { refreshToken });
    expect(response.status).toBe(status);
    expect(body.code).toBe(code);
  });

  it("a server that cannot sign answers 503 and keeps the refresh token usable", async () => {
    const { refreshToken } = await loggedIn();
    const unsigned = await request("/api/auth/refresh", json({ refreshToken }), { JWT_SECRET: "" });
    expect(unsigned.status).toBe(503);
    // Before: the 503 came after the rotation, and this retry was a reuse that ended the session.
    const retried = await post("/api/auth/refresh", { refreshToken });
    expect(retried.response.status).toBe(200);
    expect(retried.body.data.refreshToken).toEqual(expect.any(String));
  });

  it("an expired refresh token gets nothing", async () => {
    const expired = await loggedIn();
    await env.DB.prepare("update refresh_tokens set expires_at = 1 where token_hash = ?")
      .bind(await sha256Hex(expired.refreshToken))
      .run();
    expect(
      (await post("/api/auth/refresh", { refreshToken: expired.refreshToken })).body.code,
    ).toBe("invalid_refresh_token");
  });
});

describe("POST /api/auth/logout", () => {
  it("ends the session: its access and refresh tokens stop working", async () => {
    const { token, refreshToken } = await loggedIn("agent");
    const out = await call("/api/auth/logout", { method: "POST", ...bearer(token) });
    expect(out.response.status).toBe(204);
    expect((await read(token)).body.code).toBe("token_revoked");
    expect((await post("/api/auth/refresh", { refreshToken })).body.code).toBe(
      "invalid_refresh_token",
    );
    expect(
      (await call("/api/auth/logout", { method: "POST", ...bearer(token) })).response.status,
    ).toBe(401);
  });
});

describe("POST /api/auth/change-password", () => {
  it("changes it, keeps this session, ends the others", async () => {
    const here = await loggedIn();
    const elsewhere = await post("/api/auth/login", { email: here.user.email, password: PASSWORD });
    const next = "another long enough password";
    const changed = await post(
      "/api/auth/change-password",
      { currentPassword: PASSWORD, newPassword: next },
      here.token,
    );
    expect(changed.response.status).toBe(204);
    expect((await read(here.token)).response.status).toBe(200);
    expect((await read(elsewhere.body.data.token)).body.code).toBe("token_revoked");
    expect(
      (await post("/api/auth/login", { email: here.user.email, password: PASSWORD })).response
        .status,
    ).toBe(401);
    expect(
      (await post("/api/auth/login", { email: here.user.email, password: next })).response.status,
    ).toBe(200);
  });

  it.each([
    [
      { currentPassword: "wrong password!", newPassword: "fine new password" },
      "body.currentPassword",
      "mismatch",
    ],
    [{ currentPassword: PASSWORD, newPassword: "short" }, "body.newPassword", "min_length"],
    [{ currentPassword: PASSWORD, newPassword: "x".repeat(129) }, "body.newPassword", "max_length"],
  ])("400 for %j", async (payload, field, rule) => {
    const { token } = await loggedIn();
    const { response, body } = await post("/api/auth/change-password", payload, token);
    expect(response.status).toBe(400);
    expect(body.details).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it("a wrong currentPassword counts toward the login lockout: same counters, same limit, same 429", async () => {
    const { token, user } = await loggedIn();
    const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
    const limited = (path: string, body: unknown, bearerToken?: string, from = ip) =>
      request(
        path,
        json(body, {
          headers: {
            "cf-connecting-ip": from,
            ...(bearerToken ? { authorization: `Bearer ${bearerToken}` } : {}),
          },
        }),
        { LOGIN_FAILURE_LIMIT: "2" },
      );
    const wrong = await limited(
      "/api/auth/change-password",
      { currentPassword: "not the password", newPassword: "fine new password" },
      token,
    );
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get("ratelimit-remaining")).toBe("1");
    // A failed login for the same email, from elsewhere: the second failure of the email.
    const failed = await limited(
      "/api/auth/login",
      { email: user.email, password: "not the password" },
      undefined,
      "198.51.100.201",
    );
    expect(failed.status).toBe(401);
    expect(failed.headers.get("ratelimit-remaining")).toBe("0");
    // Locked: the right current password is refused as a login is, before any password work.
    const locked = await limited(
      "/api/auth/change-password",
      { currentPassword: PASSWORD, newPassword: "fine new password" },
      token,
    );
    const lockedLogin = await limited("/api/auth/login", { email: user.email, password: PASSWORD });
    for (const answer of [locked, lockedLogin]) {
      expect(answer.status).toBe(429);
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(answer.headers.get("ratelimit-remaining")).toBe("0");
      const body = (await answer.json()) as Body;
      expect(body).toMatchObject({ success: false, code: "rate_limited" });
      expect(body.error).toMatch(/^Too many failed logins; retry in \d+ s$/);
    }
    // Nothing changed.
    const after = await env.DB.prepare("select password_hash from users where id = ?")
      .bind(user.id)
      .first<{ password_hash: string }>();
    expect(after?.password_hash).toBe(user.passwordHash);
  });

  it("a locked client address is refused too", async () => {
    const { token } = await loggedIn();
    const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
    const headers = { "cf-connecting-ip": ip };
    const bindings = { LOGIN_FAILURE_LIMIT: "1" };
    const spray = await request(
      "/api/auth/login",
      json({ email: `spray-${crypto.randomUUID()}@example.com`, password: "guess" }, { headers }),
      bindings,
    );
    expect(spray.status).toBe(401);
    const refused = await request(
      "/api/auth/change-password",
      json(
        { currentPassword: PASSWORD, newPassword: "fine new password" },
        { headers: { ...headers, authorization: `Bearer ${token}` } },
      ),
      bindings,
    );
    expect(refused.status).toBe(429);
  });

  it("refuses the email as the new password", async () => {
    const { token, user } = await loggedIn();
    const { body } = await post(
      "/api/auth/change-password",
      { currentPassword: PASSWORD, newPassword: user.email.toUpperCase() },
      token,
    );
    expect(body.details).toEqual([
      expect.objectContaining({ field: "body.newPassword", rule: "equals_email" }),
    ]);
  });
});

describe("freshness: the next request after a change is judged by the change", () => {
  async function asAdmin(path: string, init: RequestInit) {
    return call(path, {
      ...init,
      headers: {
        ...(init.headers as object),
        authorization: `Bearer ${await tokenFor({ role: "admin" })}`,
      },
    });
  }

  it("a demoted manager: reads go on, the next write is 403", async () => {
    const { user, token } = await loggedIn("manager");
    expect((await write(token)).response.status).toBe(200);
    await asAdmin(`/api/users/${user.id}`, json({ role: "agent" }, { method: "PATCH" }));
    expect((await read(token)).response.status).toBe(200);
    const refused = await write(token);
    expect(refused.response.status).toBe(403);
    expect(refused.body.code).toBe("forbidden");
  });

  it("a demoted admin: even an admin-only read is 403 at once", async () => {
    const { user, token } = await loggedIn("admin");
    expect((await call("/api/users", bearer(token))).response.status).toBe(200);
    await asAdmin(`/api/users/${user.id}`, json({ role: "manager" }, { method: "PATCH" }));
    const refused = await call("/api/users", bearer(token));
    expect(refused.response.status).toBe(403);
    expect(refused.body).not.toHaveProperty("data");
  });

  it("a deactivated user: 401 on reads and writes, still after reactivation", async () => {
    const { user, token, refreshToken } = await loggedIn("manager");
    await asAdmin(`/api/users/${user.id}`, json({ isActive: false }, { method: "PATCH" }));
    expect((await read(token)).body.code).toBe("token_revoked");
    expect((await write(token)).body.code).toBe("token_revoked");
    expect(
      (await post("/api/auth/login", { email: user.email, password: PASSWORD })).response.status,
    ).toBe(401);
    await asAdmin(`/api/users/${user.id}`, json({ isActive: true }, { method: "PATCH" }));
    expect((await read(token)).body.code).toBe("token_revoked");
    // Nor does the refresh token of that session come back to life (before: a fresh pair, 200).
    const refreshed = await post("/api/auth/refresh", { refreshToken });
    expect(refreshed.response.status).toBe(401);
    expect(refreshed.body.code).toBe("invalid_refresh_token");
    expect(
      (await post("/api/auth/login", { email: user.email, password: PASSWORD })).response.status,
    ).toBe(200);
  });

  it("a deleted user: 401", async () => {
    const { user, token } = await loggedIn("agent");
    await asAdmin(`/api/users/${user.id}`, { method: "DELETE" });
    expect((await read(token)).body.code).toBe("token_revoked");
  });

  it("a warm GET with the check is one D1 round trip of one statement, and a revoked one too", async () => {
    const { token } = await loggedIn("agent");
    await read(token);
    for (const expected of [200, 401]) {
      const { db, counter } = countingD1(env.DB);
      const response = await request(`/api/training/snapshots/${SNAPSHOT}`, bearer(token), {
        DB: db,
      });
      expect(response.status).toBe(expected);
      expect(counter.roundTrips).toBe(1);
      expect(d1RoundTrips(response)).toBe(1);
      // One statement, not a batch of two: the check is folded into the document's statement.
      expect(counter.statements).toHaveLength(1);
      expect(counter.statements[0]).not.toMatch(/^batch/);
      expect(counter.statements[0]).toContain("state_token_version");
      await call("/api/auth/logout", { method: "POST", ...bearer(token) });
    }
  });

  it("a list page too, the check beside the page in a batch of two (not folded into it)", async () => {
    const { token } = await loggedIn("agent");
    const { db, counter } = countingD1(env.DB);
    const response = await request("/api/training/snapshots?limit=5", bearer(token), { DB: db });
    expect(response.status).toBe(200);
    expect(counter.roundTrips).toBe(1);
    expect(d1RoundTrips(response)).toBe(1);
    expect(counter.statements).toEqual(["batch(2)"]);
    const [checkSql, pageSql] = counter.batches[0] ?? [];
    expect(checkSql).toContain("state_token_version");
    expect(pageSql).not.toContain("state_token_version");
    expect(pageSql).toMatch(/^select .* from "training_snapshots"/);
  });
});

describe("POST /api/auth/setup-password", () => {
  async function newUser(email = `new-${crypto.randomUUID()}@acme.example`) {
    const admin = await tokenFor({ userId: ADMIN, role: "admin" });
    const { body } = await post(
      "/api/users",
      { email, firstName: "New", lastName: "Person", role: "agent" },
      admin,
    );
    return { email, setupToken: body.data.setupToken as string, id: body.data.user._id as string };
  }

  it("sets the password once and logs in; the token is then dead", async () => {
    const { email, setupToken, id } = await newUser();
    expect((await post("/api/auth/login", { email, password: PASSWORD })).response.status).toBe(
      401,
    );
    const set = await post("/api/auth/setup-password", { setupToken, password: PASSWORD });
    expect(set.response.status).toBe(200);
    expect(set.body.data.user).toMatchObject({ _id: id, email, role: "agent" });
    expect((await read(set.body.data.token)).response.status).toBe(200);
    const again = await post("/api/auth/setup-password", {
      setupToken,
      password: "yet another password",
    });
    expect(again.response.status).toBe(401);
    expect(again.body.code).toBe("invalid_setup_token");
    expect((await post("/api/auth/login", { email, password: PASSWORD })).response.status).toBe(
      200,
    );
  });

  it("a server that cannot sign answers 503 and leaves the setup token unused", async () => {
    const { setupToken } = await newUser();
    const body = { setupToken, password: PASSWORD };
    const unsigned = await request("/api/auth/setup-password", json(body), { JWT_SECRET: "" });
    expect(unsigned.status).toBe(503);
    expect((await post("/api/auth/setup-password", body)).response.status).toBe(200);
  });

  it("two requests racing with one token: one sets the password", async () => {
    const { setupToken } = await newUser();
    const results = await Promise.all([
      post("/api/auth/setup-password", { setupToken, password: "first racer password" }),
      post("/api/auth/setup-password", { setupToken, password: "second racer password" }),
    ]);
    expect(results.map((r) => r.response.status).sort()).toEqual([200, 401]);
  });

  it("deactivating the user voids the token: it stays dead after reactivation", async () => {
    const { setupToken, id } = await newUser();
    const admin = await tokenFor({ userId: ADMIN, role: "admin" });
    const setActive = (isActive: boolean) =>
      call(`/api/users/${id}`, json({ isActive }, { method: "PATCH", ...bearer(admin) }));
    expect((await setActive(false)).response.status).toBe(200);
    expect((await setActive(true)).response.status).toBe(200);
    const refused = await post("/api/auth/setup-password", { setupToken, password: PASSWORD });
    expect(refused.response.status).toBe(401);
    expect(refused.body.code).toBe("invalid_setup_token");
  });

  it("a refused deactivation (the last admin) leaves the token alone", async () => {
    // An organization whose only admin has not set a password yet.
    const { id: organizationId } = await insertOrganization("Solo");
    const admin = await insertUser({ organizationId, role: "admin", passwordHash: "" });
    const setupToken = opaqueToken("st", organizationId);
    const now = Date.now();
    await testDb().batch(
      issueSetupTokenStatements(testDb(), {
        hash: await sha256Hex(setupToken),
        organizationId,
        userId: admin.id,
        now,
        expiresAt: now + 3_600_000,
      }) as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]],
    );
    const token = await tokenFor({ userId: admin.id, organizationId, role: "admin" });
    const refused = await call(
      `/api/users/${admin.id}`,
      json({ isActive: false }, { method: "PATCH", ...bearer(token) }),
    );
    expect(refused.body.code).toBe("last_admin");
    expect(
      (await post("/api/auth/setup-password", { setupToken, password: PASSWORD })).response.status,
    ).toBe(200);
  });

  it("an expired token is refused", async () => {
    const { setupToken, id } = await newUser();
    await env.DB.prepare("update setup_tokens set expires_at = ? where user_id = ?")
      .bind(Date.now() - 1, id)
      .run();
    expect(
      (await post("/api/auth/setup-password", { setupToken, password: PASSWORD })).body.code,
    ).toBe("invalid_setup_token");
  });

  it.each([
    ["too short", "eleven char", "body.password", "min_length"],
    ["too long", "p".repeat(129), "body.password", "max_length"],
  ])("password %s → 400", async (_, password, field, rule) => {
    const { setupToken } = await newUser();
    const { response, body } = await post("/api/auth/setup-password", { setupToken, password });
    expect(response.status).toBe(400);
    expect(body.details).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it("the email is not a password, and the token survives the refusal", async () => {
    const email = `${"long".repeat(3)}@acme.example`;
    const { setupToken } = await newUser(email);
    const refused = await post("/api/auth/setup-password", { setupToken, password: email });
    expect(refused.body.details).toEqual([expect.objectContaining({ rule: "equals_email" })]);
    expect(
      (await post("/api/auth/setup-password", { setupToken, password: PASSWORD })).response.status,
    ).toBe(200);
  });
});
