import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { setOnAnswer } from "../../src/platform/http/request-context";

/** A bare app whose only middleware stamps two headers on whatever the route answered. */
function appAnswering(answer: () => Response) {
  const app = new Hono();
  app.use("*", async (c, next) => {
    await next();
    setOnAnswer(c, [
      ["x-request-id", "req-12345678"],
      ["Cache-Control", "private, no-store"],
    ]);
  });
  app.get("/", answer);
  return app;
}

describe("setOnAnswer", () => {
  it("stamps the answer in place, keeping its status, headers and body", async () => {
    let answered: Response | undefined;
    const app = appAnswering(() => {
      answered = new Response('{"ok":true}', {
        status: 201,
        headers: { "content-type": "application/json", etag: '"v1.abc"' },
      });
      return answered;
    });
    const response = await app.request("/");
    expect(response).toBe(answered);
    expect(response.status).toBe(201);
    expect(response.headers.get("x-request-id")).toBe("req-12345678");
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("etag")).toBe('"v1.abc"');
    expect(await response.json()).toEqual({ ok: true });
  });

  it("copies an answer whose headers are immutable once, and stamps the copy", async () => {
    const app = appAnswering(() => Response.redirect("https://example.com/next", 302));
    const response = await app.request("/");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("https://example.com/next");
    expect(response.headers.get("x-request-id")).toBe("req-12345678");
    expect(response.headers.get("cache-control")).toBe("private, no-store");
  });
});
