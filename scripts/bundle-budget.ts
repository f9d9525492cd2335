/**
 * `npm run budget`: bundles the Worker exactly as `wrangler deploy` would (`--dry-run`), prints
 * its raw and gzip sizes, and fails above the budget (250 KB gzip; the free plan allows 3 MB,
 * but every kilobyte is parsed on a cold start).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_BYTES = 250 * 1024;
const outdir = mkdtempSync(join(tmpdir(), "bundle-"));
execFileSync("wrangler", ["deploy", "--dry-run", "--outdir", outdir], {
  stdio: ["ignore", "ignore", "inherit"],
});
const files = readdirSync(outdir).filter((f) => f.endsWith(".js"));
let raw = 0;
let gzip = 0;
for (const file of files) {
  const content = readFileSync(join(outdir, file));
  raw += content.length;
  gzip += gzipSync(content, { level: 9 }).length;
}
rmSync(outdir, { recursive: true, force: true });
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log(
  `bundle: ${files.join(", ")}: ${kb(raw)} raw, ${kb(gzip)} gzip (budget ${kb(BUDGET_BYTES)})`,
);
if (gzip > BUDGET_BYTES) {
  console.error(`bundle: over budget by ${kb(gzip - BUDGET_BYTES)}`);
  process.exit(1);
}
