/**
 * `npm run test:browser`: the /docs page in headless Chromium (Debian's /usr/bin/chromium,
 * driven by playwright-core), against a fresh local server. Checks that the page lists the
 * contract's endpoints, that it loads nothing from another origin, and that a request sent from
 * it ("Try it out" → "Execute" on GET /health) reaches the server and succeeds.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { randomJwtSecret } from "../src/platform/secrets";
import { prepareState, startLocalServer } from "./lib/local-server";

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
  const page = await browser.newPage();
  const foreign: string[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.origin !== server.url && url.protocol !== "data:") foreign.push(request.url());
  });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));

  const response = await page.goto(`${server.url}/docs`, { waitUntil: "networkidle" });
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
    page.waitForRequest((r) => r.url() === `${server.url}/health`, { timeout: 10_000 }),
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
  if (foreign.length > 0) fail(`the page requested other origins: ${foreign.join(", ")}`);
  if (errors.length > 0) fail(`page errors: ${errors.join("; ")}`);
  console.log("browser: no request left this origin; no page errors");
  console.log("browser: OK");
} catch (error) {
  console.error(`browser: FAILED: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
