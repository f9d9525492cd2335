import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../platform/http/app-env";
import { createRouter, type ErrorEnvelope } from "../platform/http/router";

/**
 * The policy of a page whose scripts and styles are Workers static assets of this origin: it
 * loads, runs and connects to nothing else, and cannot be framed. `extra` adds directives.
 */
const contentSecurityPolicy = (styleSrc: string, extra: string[]) =>
  [
    "default-src 'self'",
    "img-src 'self' data:",
    `style-src ${styleSrc}`,
    "script-src 'self'",
    "connect-src 'self'",
    ...extra,
    "frame-ancestors 'none'",
  ].join("; ");

/** A page's security headers: every header a document needs (Hono's defaults), never framed. */
const pageHeaders = secureHeaders({ xFrameOptions: "DENY" });

/**
 * `GET path`: an HTML page of this origin's assets under its own policy, its errors in
 * `envelope` (outside both surfaces, the app's default).
 */
export const staticPage =
  (path: string, html: string, policy: { styleSrc: string; extra?: string[] }) =>
  (envelope: ErrorEnvelope) =>
    createRouter<AppEnv>(envelope).get(path, pageHeaders, (c) =>
      c.html(html, 200, {
        "Content-Security-Policy": contentSecurityPolicy(policy.styleSrc, policy.extra ?? []),
        "Cache-Control": "public, max-age=300",
      }),
    );
