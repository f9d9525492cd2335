import type { AppEnv } from "../app-env";
import { createRouter } from "../platform/http/router";
import { trainingEnvelope } from "../surfaces/training/envelope";

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

const router = createRouter<AppEnv>(trainingEnvelope);
router.get("/docs", (c) =>
  c.html(PAGE, 200, {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "public, max-age=300",
  }),
);

export default router;
