import type { AppEnv } from "../platform/http/app-env";
import { createRouter, type ErrorEnvelope } from "../platform/http/router";

/*
 * GET /docs: Swagger UI over /openapi.json. Its script and styles are Workers static assets
 * (public/docs/), so the page works offline and the policy below allows nothing but this origin.
 */
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Edge Conversations API reference</title>
  <link rel="icon" href="/docs/vendor/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/vendor/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/vendor/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  // Swagger UI sets inline styles on its elements.
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** `/docs`, its errors in `envelope`: outside both surfaces, the app's default. */
export const docsRouter = (envelope: ErrorEnvelope) =>
  createRouter<AppEnv>(envelope).get("/docs", (c) =>
    c.html(PAGE, 200, {
      "Content-Security-Policy": CONTENT_SECURITY_POLICY,
      "Cache-Control": "public, max-age=300",
    }),
  );
