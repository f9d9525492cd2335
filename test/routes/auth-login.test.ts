import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { verifyToken } from "../../src/surfaces/training-api/jwt";
import { PBKDF2_ITERATIONS, pbkdf2Work } from "../../src/surfaces/training-api/password";
import { json, request } from "../helpers/app";
import { bearer, tokenFor } from "../helpers/auth";
import { insertUser, insertUserWithPassword } from "../helpers/factories";
import { ACME, ADMIN, ALICE, DEMO_PASSWORD, GLOBEX, SNAPSHOT } from "../helpers/seed";

const login = (body: unknown, init: RequestInit = {}) =>
  request("/api/auth/login", json(body, init));

async function loginBody(body: unknown) {
  const response = await login(body);
  return { response, body: (await response.json()) as Record<string, any> };
}

describe("POST /api/auth/login", () => {
  it("issues a token for the demo manager, in the documented envelope", async () => {
    const { response, body } = await loginBody({
      email: "alice@example.com",
      password: DEMO_PASSWORD,
    });
    expect(response.status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["data", "success"]);
    expect(body.success).toBe(true);
    expect(Object.keys(body.data).sort()).toEqual([
      "expiresAt",
      "refreshExpiresAt",
      "refreshToken",
      "token",
      "user",
    ]);
    expect(body.data.refreshToken).toMatch(/^rt_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    expect(body.data.refreshExpiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(body.data.user).toStrictEqual({
      _id: ALICE,
      firstName: "Alice",
      lastName: "Rivera",
      email: "alice@example.com",
      role: "manager",
    });
    expect(body.data.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);

    const claims = await verifyToken(body.data.token, env.JWT_SECRET);
    expect(claims).toMatchObject({ sub: ALICE, org: ACME, role: "manager" });
    expect(claims.exp - claims.iat).toBe(Number(env.JWT_TTL_SECONDS));
    expect(Date.parse(body.data.expiresAt)).toBe(claims.exp * 1000);
  });

  it("issues a token that reads the seed snapshot", async () => {
    const { body } = await loginBody({ email: "alice@example.com", password: DEMO_PASSWORD });
    const response = await request(`/api/training/snapshots/${SNAPSHOT}`, bearer(body.data.token));
    expect(response.status).toBe(200);
  });

  it("treats the email case-insensitively", async () => {
    const { response } = await loginBody({ email: "Alice@Example.COM", password: DEMO_PASSWORD });
    expect(response.status).toBe(200);
  });

  it("answers a wrong password and an unknown email with the same 401", async () => {
    const wrong = await loginBody({ email: "alice@example.com", password: "not-the-password" });
    const unknown = await loginBody({ email: "nobody@example.com", password: DEMO_PASSWORD });
    for (const { response, body } of [wrong, unknown]) {
      expect(response.status).toBe(401);
      expect(body.code).toBe("invalid_credentials");
      expect(body.error).toBe("Invalid email or password");
      expect(body).not.toHaveProperty("data");
    }
  });

  it("picks the right organization when one email has users in two", async () => {
    const email = "shared@example.com";
    await insertUserWithPassword("acme-password", { email, organizationId: ACME });
    await insertUserWithPassword("globex-password", { email, organizationId: GLOBEX });

    const acme = await loginBody({ email, password: "acme-password" });
    const globex = await loginBody({ email, password: "globex-password" });
    expect((await verifyToken(acme.body.data.token, env.JWT_SECRET)).org).toBe(ACME);
    expect((await verifyToken(globex.body.data.token, env.JWT_SECRET)).org).toBe(GLOBEX);

    const scoped = await loginBody({ email, password: "acme-password", organizationId: GLOBEX });
    expect(scoped.response.status).toBe(401);
  });

  it.each([
    [{ password: DEMO_PASSWORD }, "body.email", "required"],
    [{ email: "alice@example.com" }, "body.password", "required"],
    [{ email: "not-an-email", password: DEMO_PASSWORD }, "body.email", "email"],
    [{ email: 42, password: DEMO_PASSWORD }, "body.email", "type"],
    [{ email: "alice@example.com", password: "" }, "body.password", "min_length"],
    [
      { email: "alice@example.com", password: DEMO_PASSWORD, admin: true },
      "body.admin",
      "unknown_field",
    ],
    [
      { email: "alice@example.com", password: DEMO_PASSWORD, __proto__: { x: 1 }, constructor: 1 },
      "body.constructor",
      "unknown_field",
    ],
  ])("400 naming the field and the rule for %j", async (payload, field, rule) => {
    const { response, body } = await loginBody(payload);
    expect(response.status).toBe(400);
    expect(body.code).toBe("validation_failed");
    expect(body.details).toContainEqual(expect.objectContaining({ field, rule }));
    expect(body.error).toContain(field);
  });

  it("400 invalid_json for a body that is not JSON", async () => {
    const response = await request("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ success: false, code: "invalid_json" });
  });

  it("415 for a body that is not declared as JSON", async () => {
    const response = await request("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ email: "alice@example.com", password: DEMO_PASSWORD }),
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ success: false, code: "unsupported_media_type" });
  });

  it("405 with Allow for GET", async () => {
    const response = await request("/api/auth/login");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });
});

describe("POST /api/auth/login: the same password work whatever the email names", () => {
  const PASSWORD = "a long enough password";

  /** A login's status and the PBKDF2 iterations it cost (counted, not timed). */
  async function cost(email: string, password: string) {
    const before = pbkdf2Work.iterations;
    const response = await login({ email, password });
    return { status: response.status, iterations: pbkdf2Work.iterations - before };
  }

  it("one full derivation for a right or wrong password, an unknown email, a user without a password, a deactivated user", async () => {
    const user = await insertUserWithPassword(PASSWORD);
    const deactivated = await insertUserWithPassword(PASSWORD, { isActive: false });
    // Invited through the API: no password until the setup token is used.
    const invitedEmail = `invited-${crypto.randomUUID()}@example.com`;
    const invited = await request(
      "/api/users",
      json(
        { email: invitedEmail, firstName: "In", lastName: "Vited", role: "agent" },
        bearer(await tokenFor({ userId: ADMIN, role: "admin" })),
      ),
    );
    expect(invited.status).toBe(201);
    // As `npm run admin -- reset-password` leaves a user: the password cleared.
    const reset = await insertUser({ passwordHash: "" });
    // A hash of fewer iterations than this service writes (it still verifies such hashes).
    const older = await insertUser({ passwordHash: "pbkdf2-sha256$1000$AAAA$AAAA" });

    const costs = {
      right: await cost(user.email, PASSWORD),
      wrong: await cost(user.email, "not the password"),
      unknown: await cost(`nobody-${crypto.randomUUID()}@example.com`, PASSWORD),
      invited: await cost(invitedEmail, PASSWORD),
      reset: await cost(reset.email, PASSWORD),
      deactivated: await cost(deactivated.email, PASSWORD),
      older: await cost(older.email, PASSWORD),
    };
    const full = { iterations: PBKDF2_ITERATIONS };
    expect(costs).toEqual({
      right: { status: 200, ...full },
      wrong: { status: 401, ...full },
      unknown: { status: 401, ...full },
      invited: { status: 401, ...full },
      reset: { status: 401, ...full },
      deactivated: { status: 401, ...full },
      older: { status: 401, ...full },
    });
  });

  it("an email in two organizations: one derivation per user, right password or not", async () => {
    const email = `shared-${crypto.randomUUID()}@example.com`;
    await insertUserWithPassword(PASSWORD, { email, organizationId: ACME });
    await insertUserWithPassword(PASSWORD, { email, organizationId: GLOBEX });
    expect(await cost(email, PASSWORD)).toEqual({ status: 200, iterations: 2 * PBKDF2_ITERATIONS });
    expect(await cost(email, "not the password")).toEqual({
      status: 401,
      iterations: 2 * PBKDF2_ITERATIONS,
    });
  });
});
