import { describe, expect, it } from "vitest";
import { type Body, ISO, json, requestBody } from "../helpers/app";
import { newOrganization, newUserToken, tokenFor } from "../helpers/auth";
import { insertUser } from "../helpers/factories";
import { ADMIN, AGENT, ALICE, BOB, GLOBEX } from "../helpers/seed";

const call = (path: string, init: RequestInit = {}, token?: string) =>
  requestBody(
    path,
    token
      ? { ...init, headers: { ...(init.headers as object), authorization: `Bearer ${token}` } }
      : init,
  );
const admin = () => tokenFor({ userId: ADMIN, role: "admin" });
/** A Globex admin, so each organization has one (the seed's Globex has a manager only). */
const globexAdmin = async () => (await newUserToken("admin", GLOBEX)).token;

describe("the user shape", () => {
  it("GET /api/users/me: every role, every field, never a hash", async () => {
    const { response, body } = await call("/api/users/me", {}, await tokenFor({ role: "agent" }));
    expect(response.status).toBe(200);
    expect(body.success).toBe(true);
    expect(Object.keys(body.data).sort()).toEqual(
      [
        "_id",
        "createdAt",
        "email",
        "firstName",
        "isActive",
        "lastLoginAt",
        "lastName",
        "role",
        "updatedAt",
      ].sort(),
    );
    expect(body.data).toMatchObject({
      _id: AGENT,
      email: "agent@example.com",
      role: "agent",
      isActive: true,
    });
    expect(body.data.createdAt).toMatch(ISO);
    expect(body.data.updatedAt).toMatch(ISO);
    expect(body.data.lastLoginAt === null || ISO.test(body.data.lastLoginAt)).toBe(true);
    expect(JSON.stringify(body)).not.toMatch(/pbkdf2|password|tokenVersion/i);
  });

  it("lastLoginAt moves with a login", async () => {
    await call(
      "/api/auth/login",
      json({ email: "alice@example.com", password: "demo-password-123" }),
    );
    const { body } = await call(`/api/users/${ALICE}`, {}, await admin());
    expect(Date.now() - Date.parse(body.data.lastLoginAt)).toBeLessThan(60_000);
  });
});

describe("admins only, own organization only", () => {
  it.each(["manager", "agent"] as const)("403 for a %s on every admin route", async (role) => {
    const token = await tokenFor({ role });
    for (const [method, path, body] of [
      ["GET", "/api/users", undefined],
      ["GET", `/api/users/${ALICE}`, undefined],
      [
        "POST",
        "/api/users",
        { email: "x@acme.example", firstName: "X", lastName: "Y", role: "agent" },
      ],
      ["PATCH", `/api/users/${ALICE}`, { firstName: "Z" }],
      ["DELETE", `/api/users/${AGENT}`, undefined],
    ] as const) {
      const init = body ? json(body, { method }) : { method };
      const { response, body: answer } = await call(path, init, token);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(answer.code).toBe("forbidden");
    }
  });

  it("another organization's users are 404, whatever the method", async () => {
    const token = await admin();
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { firstName: "Stolen" }],
      ["DELETE", undefined],
    ] as const) {
      const init = body ? json(body, { method }) : { method };
      expect((await call(`/api/users/${BOB}`, init, token)).response.status).toBe(404);
    }
    const listed = await call("/api/users?limit=100", {}, token);
    expect(listed.body.data.map((u: Body) => u._id)).not.toContain(BOB);
    const theirs = await call(`/api/users/${BOB}`, {}, await globexAdmin());
    expect(theirs.body.data.firstName).toBe("Bob"); // untouched
  });
});

describe("GET /api/users", () => {
  it("walks the organization newest first with a cursor, with role and isActive filters", async () => {
    const token = await admin();
    for (let i = 0; i < 5; i++)
      await insertUser({ role: i % 2 ? "agent" : "manager", isActive: i !== 4 });
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const { body }: { body: Body } = await call(
        `/api/users?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        {},
        token,
      );
      ids.push(...body.data.map((u: Body) => u._id));
      expect(body.pagination.limit).toBe(2);
      cursor = body.pagination.nextCursor;
    } while (cursor);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining([ALICE, AGENT, ADMIN]));
    const agents = await call("/api/users?role=agent&limit=100", {}, token);
    expect(agents.body.data.every((u: Body) => u.role === "agent")).toBe(true);
    const inactive = await call("/api/users?isActive=false&limit=100", {}, token);
    expect(inactive.body.data.length).toBeGreaterThan(0);
    expect(inactive.body.data.every((u: Body) => u.isActive === false)).toBe(true);
  });

  it.each([
    ["?role=owner", "query.role"],
    ["?isActive=yes", "query.isActive"],
    ["?limit=0", "query.limit"],
    ["?cursor=nope", "query.cursor"],
  ])("400 for %s", async (query, field) => {
    const { response, body } = await call(`/api/users${query}`, {}, await admin());
    expect(response.status).toBe(400);
    expect(body.details).toContainEqual(expect.objectContaining({ field }));
  });
});

describe("POST /api/users", () => {
  it("201: the user, a one-time setup token valid 72 hours, a Location", async () => {
    const { response, body } = await call(
      "/api/users",
      json({
        email: "  Grace@ACME.example ",
        firstName: "Grace",
        lastName: "Hopper",
        role: "manager",
      }),
      await admin(),
    );
    expect(response.status).toBe(201);
    expect(Object.keys(body.data).sort()).toEqual(["setupExpiresAt", "setupToken", "user"]);
    expect(body.data.user).toMatchObject({
      email: "grace@acme.example",
      role: "manager",
      isActive: true,
      lastLoginAt: null,
    });
    expect(body.data.setupToken).toMatch(/^st_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    const hours = (Date.parse(body.data.setupExpiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(71.9);
    expect(hours).toBeLessThanOrEqual(72);
    expect(response.headers.get("location")).toBe(`/api/users/${body.data.user._id}`);
    const fetched = await call(`/api/users/${body.data.user._id}`, {}, await admin());
    expect(fetched.body.data).toEqual(body.data.user);
  });

  it("409 for an email already in the organization (any case), fine in another one", async () => {
    const payload = { email: "ALICE@example.com", firstName: "A", lastName: "B", role: "agent" };
    const { response, body } = await call("/api/users", json(payload), await admin());
    expect(response.status).toBe(409);
    expect(body.code).toBe("conflict");
    expect((await call("/api/users", json(payload), await globexAdmin())).response.status).toBe(
      201,
    );
  });

  it.each([
    [{ firstName: "A", lastName: "B", role: "agent" }, "body.email", "required"],
    [{ email: "nope", firstName: "A", lastName: "B", role: "agent" }, "body.email", "email"],
    [
      { email: "a@b.co", firstName: "", lastName: "B", role: "agent" },
      "body.firstName",
      "min_length",
    ],
    [{ email: "a@b.co", firstName: "A", lastName: "B", role: "owner" }, "body.role", "enum"],
    [
      { email: "a@b.co", firstName: "A", lastName: "B", role: "agent", password: "x" },
      "body.password",
      "unknown_field",
    ],
  ])("400 for %j", async (payload, field, rule) => {
    const { response, body } = await call("/api/users", json(payload), await admin());
    expect(response.status).toBe(400);
    expect(body.details).toContainEqual(expect.objectContaining({ field, rule }));
  });
});

describe("PATCH and DELETE", () => {
  it("changes names, role and the active flag; updatedAt moves", async () => {
    const user = await insertUser({ role: "agent" });
    const before = await call(`/api/users/${user.id}`, {}, await admin());
    const { response, body } = await call(
      `/api/users/${user.id}`,
      json({ firstName: "Renamed", role: "manager", isActive: false }, { method: "PATCH" }),
      await admin(),
    );
    expect(response.status).toBe(200);
    expect(body.data).toMatchObject({ firstName: "Renamed", role: "manager", isActive: false });
    expect(Date.parse(body.data.updatedAt)).toBeGreaterThan(Date.parse(before.body.data.updatedAt));
  });

  it("400 for an empty or unknown change", async () => {
    const token = await admin();
    expect(
      (await call(`/api/users/${ALICE}`, json({}, { method: "PATCH" }), token)).body.details,
    ).toEqual([expect.objectContaining({ rule: "not_empty" })]);
    expect(
      (await call(`/api/users/${ALICE}`, json({ email: "x@y.z" }, { method: "PATCH" }), token))
        .response.status,
    ).toBe(400);
  });

  it("the last active admin can be neither demoted, deactivated nor deleted (409 last_admin)", async () => {
    const org = await newOrganization("admin");
    for (const [init, what] of [
      [json({ role: "manager" }, { method: "PATCH" }), "demote"],
      [json({ isActive: false }, { method: "PATCH" }), "deactivate"],
      [{ method: "DELETE" }, "delete"],
    ] as const) {
      const { response, body } = await call(`/api/users/${org.user.id}`, init, org.token);
      expect(response.status, what).toBe(409);
      expect(body.code).toBe("last_admin");
    }
    // A second admin: now the first may go.
    const { user: second, token: secondToken } = await newUserToken("admin", org.organizationId);
    expect(
      (
        await call(
          `/api/users/${second.id}`,
          json({ firstName: "Second" }, { method: "PATCH" }),
          org.token,
        )
      ).response.status,
    ).toBe(200);
    expect(
      (
        await call(
          `/api/users/${org.user.id}`,
          json({ role: "manager" }, { method: "PATCH" }),
          org.token,
        )
      ).response.status,
    ).toBe(200);
    // …and the second is now the last one.
    expect(
      (await call(`/api/users/${second.id}`, { method: "DELETE" }, secondToken)).body.code,
    ).toBe("last_admin");
  });

  it("two admins demoting each other at once: one succeeds, one is refused", async () => {
    const org = await newOrganization("admin");
    const { user: other, token: otherToken } = await newUserToken("admin", org.organizationId);
    const results = await Promise.all([
      call(`/api/users/${other.id}`, json({ role: "agent" }, { method: "PATCH" }), org.token),
      call(`/api/users/${org.user.id}`, json({ role: "agent" }, { method: "PATCH" }), otherToken),
    ]);
    const statuses = results.map((r) => r.response.status).sort();
    // The loser is refused either by the guard (409) or, having lost the role first, by its own
    // check (403): never both demoted.
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
  });

  it("DELETE: 204, then 404; the user's snapshots keep their copies with userId null", async () => {
    const user = await insertUser({ role: "manager" });
    const { response } = await call(`/api/users/${user.id}`, { method: "DELETE" }, await admin());
    expect(response.status).toBe(204);
    expect((await call(`/api/users/${user.id}`, {}, await admin())).response.status).toBe(404);
  });
});
