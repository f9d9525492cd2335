import { describe, expect, it } from "vitest";
import { request } from "../helpers/app";

/* The two static pages: the API reference and the review dashboard. */

describe("GET /docs", () => {
  it("is an HTML page that loads only same-origin files, under a strict policy", async () => {
    const response = await request("/docs");
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(html).toContain('<div id="swagger-ui"></div>');
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) expect(url, url).toMatch(/^\/docs\//);
    expect(html).not.toMatch(/https?:\/\//);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:/);
  });
});

describe("GET /review", () => {
  it("is an HTML page that loads only same-origin files, under a strict policy", async () => {
    const response = await request("/review");
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);

    // Scripts only from files of this origin, none inline, no inline styles or handlers.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => /\bsrc="([^"]+)"/.exec(m[1] ?? "")?.[1])).toEqual([
      "/review/vendor/uPlot.iife.min.js",
      "/review/app.js",
    ]);
    for (const [, , body] of scripts) expect(body).toBe("");
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/<style|\sstyle=/i);
    const urls = [...html.matchAll(/(?:src|href|action)="([^"]+)"/g)].map((m) => m[1] as string);
    for (const url of urls) expect(url, url).toMatch(/^(\/review\/|data:,$)/);
    expect(html).not.toMatch(/https?:\/\//);
    // The login form, and where the dashboard goes once signed in.
    for (const id of ["login-form", "chart", "agents", "models", "edits"]) {
      expect(html).toContain(`id="${id}"`);
    }

    const csp = response.headers.get("content-security-policy") ?? "";
    const directives = Object.fromEntries(
      csp.split(";").map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(" ")];
      }),
    );
    expect(directives).toMatchObject({
      "default-src": "'self'",
      "script-src": "'self'",
      "style-src": "'self'",
      "connect-src": "'self'",
      "form-action": "'none'",
      "frame-ancestors": "'none'",
    });
    expect(csp).not.toMatch(/https?:|unsafe-|\*/);
  });

  it("is a page of its own: /review/ and other methods are not it", async () => {
    expect((await request("/review/")).status).toBe(404);
    expect((await request("/review", { method: "POST" })).status).toBe(405);
  });
});
