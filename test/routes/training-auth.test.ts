import { describe, expect, it } from "vitest";
import { request } from "../helpers/app";
import { craftToken, tokenFor, validClaims } from "../helpers/auth";
import { SNAPSHOT } from "../helpers/seed";

const path = `/api/training/snapshots/${SNAPSHOT}`;

async function withAuthorization(value: string) {
  const response = await request(path, { headers: { authorization: value } });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

/** The Training envelope, exactly: nothing more, nothing less. */
function expectTrainingError(
  response: Response,
  body: Record<string, unknown>,
  status: number,
  code: string,
) {
  expect(response.status).toBe(status);
  expect(Object.keys(body).sort()).toEqual(["code", "error", "requestId", "success"]);
  expect(body.success).toBe(false);
  expect(body.code).toBe(code);
  expect(typeof body.error).toBe("string");
  expect((body.error as string).length).toBeGreaterThan(0);
  expect(body.requestId).toBe(response.headers.get("x-request-id"));
}

describe("Training API authentication matrix", () => {
  it("accepts a valid token, whatever the case of the scheme", async () => {
    const token = await tokenFor();
    expect((await withAuthorization(`Bearer ${token}`)).response.status).toBe(200);
    expect((await withAuthorization(`bearer ${token}`)).response.status).toBe(200);
  });

  it.each([
    ["another scheme", "Basic YWxpY2U6c2VjcmV0"],
    ["a scheme without a token", "Bearer"],
    ["a token with spaces", "Bearer abc def"],
    ["a token that is not a JWT", "Bearer not-a-jwt"],
    ["a JWT with undecodable parts", "Bearer %%%.%%%.%%%"],
    ["an absurdly long token", `Bearer ${"a".repeat(5000)}`],
  ])("401 invalid_token for a malformed header: %s", async (_, value) => {
    const { response, body } = await withAuthorization(value);
    expectTrainingError(response, body, 401, "invalid_token");
  });

  it("401 invalid_token for a token signed with another secret", async () => {
    const token = await craftToken(
      { alg: "HS256", typ: "JWT" },
      validClaims(),
      "some-other-secret-0123456789abcdef0123456789",
    );
    const { response, body } = await withAuthorization(`Bearer ${token}`);
    expectTrainingError(response, body, 401, "invalid_token");
    expect(response.headers.get("www-authenticate")).toContain("invalid_token");
  });

  it("401 invalid_token for a token whose signature was altered", async () => {
    const token = await tokenFor();
    const tampered = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    const { response, body } = await withAuthorization(`Bearer ${tampered}`);
    expectTrainingError(response, body, 401, "invalid_token");
  });

  it("401 invalid_token for alg: none", async () => {
    const good = await craftToken({ alg: "HS256", typ: "JWT" }, validClaims());
    const [, payload] = good.split(".");
    const header = btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "");
    for (const token of [`${header}.${payload}.`, `${header}.${payload}`]) {
      const { response, body } = await withAuthorization(`Bearer ${token}`);
      expectTrainingError(response, body, 401, "invalid_token");
    }
  });

  it("401 invalid_token for another HMAC algorithm, even signed with our secret", async () => {
    const token = await craftToken({ alg: "HS512", typ: "JWT" }, validClaims());
    const { response, body } = await withAuthorization(`Bearer ${token}`);
    expectTrainingError(response, body, 401, "invalid_token");
  });

  it("401 token_expired for an expired token", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await craftToken(
      { alg: "HS256", typ: "JWT" },
      validClaims({ iat: now - 7200, exp: now - 3600 }),
    );
    const { response, body } = await withAuthorization(`Bearer ${token}`);
    expectTrainingError(response, body, 401, "token_expired");
  });

  it.each(["sub", "org", "role", "sid", "ver", "iat", "exp"])(
    "401 invalid_token when the %s claim is missing",
    async (claim) => {
      const claims: Record<string, unknown> = validClaims();
      delete claims[claim];
      const token = await craftToken({ alg: "HS256", typ: "JWT" }, claims);
      const { response, body } = await withAuthorization(`Bearer ${token}`);
      expectTrainingError(response, body, 401, "invalid_token");
    },
  );

  it.each([
    ["sub", "not-an-object-id"],
    ["org", 42],
    ["role", "superuser"],
    ["exp", "tomorrow"],
    ["sid", "not-an-object-id"],
    ["ver", 0],
  ])("401 invalid_token when the %s claim has the wrong form", async (claim, value) => {
    const token = await craftToken({ alg: "HS256", typ: "JWT" }, validClaims({ [claim]: value }));
    const { response, body } = await withAuthorization(`Bearer ${token}`);
    expectTrainingError(response, body, 401, "invalid_token");
  });

  it("401 missing_token without the header, with the same envelope", async () => {
    const response = await request(path);
    expectTrainingError(
      response,
      (await response.json()) as Record<string, unknown>,
      401,
      "missing_token",
    );
  });

  it("never runs the handler's query for a refused token", async () => {
    const { response } = await withAuthorization("Bearer nope");
    expect(response.headers.get("server-timing")).not.toContain("d1;");
  });
});
