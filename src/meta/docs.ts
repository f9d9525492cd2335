import { staticPage } from "./static-page";

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

/** `/docs`, its errors in `envelope`. */
export const docsRouter = staticPage("/docs", PAGE, {
  // Swagger UI sets inline styles on its elements.
  styleSrc: "'self' 'unsafe-inline'",
});
