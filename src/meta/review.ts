import { staticPage } from "./static-page";

/*
 * GET /review: a dashboard of how the AI's drafts fare in review, for people with a Training API
 * login. It signs in with `POST /api/auth/login` (the token lives in the page's memory only) and
 * reads `GET /api/training/reviews/stats` and `GET /api/training/reviews`. Its script, styles
 * and chart library (uPlot) are Workers static assets (public/review/), so the page works
 * offline and the policy below allows nothing but this origin, not even inline styles.
 */
const table = (id: string, first: string) => `<table id="${id}">
          <thead><tr><th>${first}</th><th>Drafted</th><th>Approved</th><th>Edited</th><th>Rejected</th><th>Review time (p50)</th><th>Edit distance (p50)</th></tr></thead>
          <tbody></tbody>
        </table>`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>AI draft reviews</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/review/vendor/uPlot.min.css">
  <link rel="stylesheet" href="/review/app.css">
  <script src="/review/vendor/uPlot.iife.min.js" defer></script>
  <script src="/review/app.js" defer></script>
</head>
<body>
  <header>
    <h1>AI draft reviews</h1>
    <p id="who" hidden></p>
    <button type="button" id="logout" hidden>Sign out</button>
  </header>
  <main>
    <section id="login">
      <h2>Sign in</h2>
      <form id="login-form">
        <label>Email <input type="email" name="email" required autocomplete="username"></label>
        <label>Password <input type="password" name="password" required autocomplete="current-password"></label>
        <button type="submit">Sign in</button>
        <p id="login-error" class="error" role="alert"></p>
      </form>
    </section>
    <section id="dashboard" hidden>
      <p id="status" role="status"></p>
      <section>
        <h2>Approval, edit and reject rates per day</h2>
        <p class="note" id="range"></p>
        <div id="chart"></div>
      </section>
      <section>
        <h2>Agents</h2>
        ${table("agents", "Agent")}
      </section>
      <section>
        <h2>Models</h2>
        ${table("models", "Model")}
      </section>
      <section>
        <h2>Latest edits</h2>
        <ol id="edits"></ol>
      </section>
    </section>
  </main>
</body>
</html>`;

/** `/review`, its errors in `envelope`. */
export const reviewRouter = staticPage("/review", PAGE, {
  // uPlot sizes and colours its elements through the CSSOM, which style-src does not restrict.
  styleSrc: "'self'",
  // The login form is sent by the page's script, never by the browser (no password in a URL).
  extra: ["form-action 'none'", "base-uri 'none'", "object-src 'none'"],
});
