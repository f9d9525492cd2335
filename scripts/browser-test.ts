/**
 * `npm run test:browser`: the /docs and /review pages in headless Chromium (Debian's
 * /usr/bin/chromium, driven by playwright-core), against a fresh local server with the demo data.
 * /docs: the page lists the contract's endpoints, and a request sent from it ("Try it out" →
 * "Execute" on GET /health) reaches the server and succeeds. /review: a demo user signs in, the
 * chart is drawn from the stats the page itself requested, the agents table and the latest
 * edits (as diffs that rebuild both texts) are filled from the live API. Neither page loads
 * anything from another origin, breaks its policy, throws, or keeps a credential in storage.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { randomJwtSecret } from "../src/platform/secrets";
import { prepareState, startLocalServer } from "./lib/local-server";
import { DEMO_PASSWORD } from "./seed/demo-data";

const PORT = 8797;
const EXPECTED_PATHS = [
  "/api/training/snapshots/{id}",
  "/api/training/snapshots",
  "/api/training/export",
  "/api/auth/login",
  "/api/keys",
  "/v1/api/conversations/{conversationId}",
  "/v1/api/conversations",
  "/v1/api/conversations/flow/{flowId}",
  "/v1/api/conversations/{conversationId}/message/{messageId}/action",
  "/health",
];

function fail(message: string): never {
  throw new Error(message);
}

/** What a page did that it must not: requests to other origins, uncaught errors, CSP refusals. */
function watch(page: Page, origin: string) {
  const foreign: string[] = [];
  const errors: string[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.origin !== origin && url.protocol !== "data:") foreign.push(request.url());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  // A policy violation is reported on the console ("Refused to load …", "… Content Security Policy").
  page.on("console", (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to/i.test(text)) errors.push(text);
  });
  return {
    check(name: string) {
      if (foreign.length > 0) fail(`${name} requested other origins: ${foreign.join(", ")}`);
      if (errors.length > 0) fail(`${name}: page errors: ${errors.join("; ")}`);
      console.log(
        `browser: ${name}: no request left this origin; no page errors or policy refusals`,
      );
    },
  };
}

/** Nothing of a credential in the page's storage: localStorage, sessionStorage, cookies. */
async function storage(page: Page) {
  return page.evaluate(() => ({
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    cookies: document.cookie,
  }));
}

async function checkDocs(browser: Browser, origin: string) {
  const page = await browser.newPage();
  const watched = watch(page, origin);
  const response = await page.goto(`${origin}/docs`, { waitUntil: "networkidle" });
  if (response?.status() !== 200) fail(`/docs answered ${response?.status()}`);
  await page.waitForSelector(".opblock", { timeout: 20_000 });
  const listed = await page.$$eval(".opblock-summary-path", (nodes) =>
    nodes.map(
      (n) => n.getAttribute("data-path") ?? n.textContent?.replace(/\u200b/g, "").trim() ?? "",
    ),
  );
  const missing = EXPECTED_PATHS.filter((path) => !listed.includes(path));
  if (missing.length > 0) fail(`endpoints missing from the page: ${missing.join(", ")}`);
  console.log(
    `browser: /docs lists ${listed.length} operations, all ${EXPECTED_PATHS.length} contract paths among them`,
  );

  // Try it out: GET /health from the page itself.
  const health = page.locator("#operations-Meta-getHealth");
  await health.locator(".opblock-summary").click();
  const execute = health.locator("button.execute");
  // tryItOutEnabled opens operations ready to execute; otherwise press "Try it out" first.
  if (!(await execute.isVisible())) await health.locator(".try-out__btn").click();
  await Promise.all([
    page.waitForRequest((r) => r.url() === `${origin}/health`, { timeout: 10_000 }),
    execute.click(),
  ]);
  const status = health.locator(".live-responses-table tbody .response-col_status").first();
  await status.waitFor({ timeout: 10_000 });
  const statusText = (await status.textContent())?.trim();
  if (statusText !== "200") fail(`GET /health from the page answered ${statusText}`);
  const body = await health
    .locator(".live-responses-table tbody .response-col_description pre")
    .first()
    .textContent();
  if (!body?.includes('"d1": "ok"') && !body?.includes('"d1":"ok"'))
    fail(`unexpected body: ${body}`);
  console.log("browser: Try it out → Execute on GET /health: 200 {status: ok, d1: ok}");

  // Credentials typed into /docs must not outlive the tab: nothing of them in the browser's storage.
  // Typed into the Authorize dialog, as a person would.
  await page.locator(".auth-wrapper .btn.authorize").click();
  const dialog = page.locator(".dialog-ux .modal-ux");
  await dialog
    .locator("input[type=text], input[type=password]")
    .first()
    .fill("token-typed-into-docs");
  await dialog.locator(".auth-btn-wrapper button.authorize").first().click();
  await dialog.locator(".auth-btn-wrapper button.btn-done, .close-modal").first().click();
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  if (stored.includes("typed-into-docs")) fail(`/docs kept credentials in storage: ${stored}`);
  console.log("browser: authorizing in /docs stores nothing in localStorage or sessionStorage");

  await page.screenshot({ path: join(tmpdir(), "docs.png"), fullPage: false });
  console.log(`browser: screenshot at ${join(tmpdir(), "docs.png")}`);
  watched.check("/docs");
  await page.close();
}

interface Bucket {
  key: string | null;
  drafted: number;
  approved: number;
  edited: number;
  rejected: number;
}
interface Review {
  draft: string | null;
  final: string | null;
}

async function checkReview(browser: Browser, origin: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const watched = watch(page, origin);
  const assets: string[] = [];
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith("/review/") && response.status() !== 200) {
      assets.push(`${url.pathname} ${response.status()}`);
    }
  });

  const response = await page.goto(`${origin}/review`, { waitUntil: "networkidle" });
  if (response?.status() !== 200) fail(`/review answered ${response?.status()}`);
  const csp = (await response.allHeaders())["content-security-policy"] ?? "";
  if (!csp.includes("script-src 'self'")) fail(`/review has no strict policy: ${csp}`);
  if (assets.length > 0) fail(`/review's files did not load: ${assets.join(", ")}`);

  // A wrong password: a message, and the dashboard stays hidden.
  const form = page.locator("#login-form");
  await form.locator("input[name=email]").fill("alice@example.com");
  await form.locator("input[name=password]").fill("not-the-password");
  await form.locator("button[type=submit]").click();
  await page
    .locator("#login-error")
    .filter({ hasText: /wrong email or password/i })
    .waitFor();
  if (await page.locator("#dashboard").isVisible()) fail("the dashboard shows without a login");
  console.log("browser: /review: a wrong password is refused, the dashboard stays hidden");

  // Alice signs in; the page asks the live API for the stats it charts.
  const isStats = (groupBy: string) => (r: { url(): string }) => {
    const url = new URL(r.url());
    return (
      url.pathname === "/api/training/reviews/stats" && url.searchParams.get("groupBy") === groupBy
    );
  };
  const statsDay = page.waitForResponse(isStats("day"), { timeout: 20_000 });
  const statsAgent = page.waitForResponse(isStats("agent"), { timeout: 20_000 });
  const edited = page.waitForResponse(
    (r) => new URL(r.url()).pathname === "/api/training/reviews",
    { timeout: 20_000 },
  );
  await form.locator("input[name=password]").fill(DEMO_PASSWORD);
  await form.locator("button[type=submit]").click();
  const days = await statsDay;
  if (days.status() !== 200) fail(`the page's stats request answered ${days.status()}`);
  if (!days.request().headers().authorization?.startsWith("Bearer ")) {
    fail("the page's stats request carried no bearer token");
  }
  const stats = ((await days.json()) as { data: { buckets: Bucket[] } }).data;
  const reviewedPerDay = stats.buckets.map((b) => b.approved + b.edited + b.rejected);
  const reviewed = reviewedPerDay.reduce((a, b) => a + b, 0);
  const daysWithReviews = reviewedPerDay.filter((n) => n > 0).length;
  if (reviewed === 0) fail("the stats hold no reviews: is the demo data's review history seeded?");

  // The chart: drawn (pixels on uPlot's canvas) from that very answer.
  const chart = page.locator("#chart");
  await chart.locator("canvas").waitFor({ timeout: 10_000 });
  await page.waitForFunction(
    () => document.getElementById("chart")?.dataset.reviewed !== undefined,
  );
  const drawn = await chart.evaluate((box) => {
    const canvas = box.querySelector("canvas") as HTMLCanvasElement;
    const pixels = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < (pixels?.length ?? 0); i += 4) if ((pixels?.[i] ?? 0) > 0) painted++;
    const { days, reviewed, daysWithReviews } = (box as HTMLElement).dataset;
    return {
      days,
      reviewed,
      daysWithReviews,
      painted,
      series: box.querySelectorAll(".u-series").length,
    };
  });
  if (drawn.reviewed !== String(reviewed) || drawn.daysWithReviews !== String(daysWithReviews)) {
    fail(
      `the chart shows ${drawn.reviewed} reviews over ${drawn.daysWithReviews} days; the stats said ${reviewed} over ${daysWithReviews}`,
    );
  }
  if (drawn.days !== "30") fail(`the chart spans ${drawn.days} days, not 30`);
  if (drawn.painted < 500) fail(`the chart's canvas is nearly blank (${drawn.painted} pixels)`);
  console.log(
    `browser: /review: chart drawn from GET /api/training/reviews/stats?groupBy=day (200): ${reviewed} reviews on ${daysWithReviews} of 30 days, ${drawn.painted} pixels painted, ${drawn.series - 1} series`,
  );

  // The agents table: one row per agent of the stats.
  const agents = ((await (await statsAgent).json()) as { data: { buckets: Bucket[] } }).data;
  const rows = page.locator("#agents tbody tr");
  await rows.first().waitFor();
  const firstCells = await rows.evaluateAll((trs) =>
    trs.map((tr) => tr.querySelector("td")?.textContent ?? ""),
  );
  const expected = agents.buckets.map((b) => b.key ?? "(no agent)");
  if (expected.length < 2 || JSON.stringify(firstCells) !== JSON.stringify(expected)) {
    fail(`agents table ${JSON.stringify(firstCells)}, stats ${JSON.stringify(expected)}`);
  }
  const modelRows = await page.locator("#models tbody tr").count();
  console.log(
    `browser: /review: agents table ${firstCells.join(", ")}; models table ${modelRows} rows`,
  );

  // The latest edits: each a diff whose kept and deleted parts are the draft, kept and inserted
  // parts the text sent.
  const reviews = ((await (await edited).json()) as { data: Review[] }).data;
  const items = page.locator("#edits li");
  await items.first().waitFor();
  // Parts as [node name, text], read in the page; put together here (tsx names inner functions
  // with a helper the page does not have, so the page-side code declares none).
  const shown = await items.evaluateAll((lis) =>
    lis.map((li) =>
      Array.from(li.querySelector(".diff")?.childNodes ?? []).map((n) => [
        n.nodeName,
        n.textContent ?? "",
      ]),
    ),
  );
  const diffs = shown.map((parts) => ({
    draft: parts
      .filter(([name]) => name !== "INS")
      .map(([, text]) => text)
      .join(""),
    final: parts
      .filter(([name]) => name !== "DEL")
      .map(([, text]) => text)
      .join(""),
    marks: parts.filter(([name]) => name === "INS" || name === "DEL").length,
  }));
  if (reviews.length === 0 || diffs.length !== reviews.length) {
    fail(`${diffs.length} edits shown for ${reviews.length} edited reviews`);
  }
  diffs.forEach((diff, i) => {
    const review = reviews[i] as Review;
    if (diff.draft !== review.draft || diff.final !== review.final || diff.marks === 0) {
      fail(
        `edit ${i}: the diff ${JSON.stringify(diff)} does not rebuild ${JSON.stringify(review)}`,
      );
    }
  });
  console.log(
    `browser: /review: ${diffs.length} latest edits, each a diff that rebuilds both the draft and the text sent (${diffs.reduce((n, d) => n + d.marks, 0)} insertions and deletions)`,
  );

  // The token lives in the page's memory only.
  const stored = await storage(page);
  if (stored.local !== "{}" || stored.session !== "{}" || stored.cookies !== "") {
    fail(`/review kept something in storage: ${JSON.stringify(stored)}`);
  }
  console.log("browser: /review: nothing in localStorage, sessionStorage or cookies");

  await page.screenshot({ path: join(tmpdir(), "review.png"), fullPage: true });
  console.log(`browser: screenshot at ${join(tmpdir(), "review.png")}`);

  // Signing out hides the dashboard again.
  await page.locator("#logout").click();
  await page.locator("#login").waitFor();
  if (await page.locator("#dashboard").isVisible()) fail("the dashboard shows after signing out");
  watched.check("/review");
  await context.close();
}

execFileSync("tsx", ["scripts/docs-assets.ts"], { stdio: "inherit" });
const dir = mkdtempSync(join(tmpdir(), "browser-"));
await prepareState(join(dir, "state"));
const server = await startLocalServer({
  persist: join(dir, "state"),
  port: PORT,
  vars: { JWT_SECRET: randomJwtSecret() },
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  await checkDocs(browser, server.url);
  await checkReview(browser, server.url);
  console.log("browser: OK");
} catch (error) {
  console.error(`browser: FAILED: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
