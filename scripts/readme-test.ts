/**
 * `npm run test:readme`: the documentation (README.md and every docs/*.md) is checked against
 * the repository and executed against the API.
 *
 * Paths: every file path a page names must exist. Checked outside fenced blocks: inline code
 * that starts with one of the repository's top-level folders or files (`src/…`, `scripts/…`,
 * `wrangler.toml`), or that ends with a source file extension (`bearer.ts`,
 * `surfaces/training-api/router.ts`: some file must end with it), and every relative link, with its
 * `#anchor` when it points into a Markdown page. URL paths (`/api/…`), package names
 * (`hono/client`) and placeholders (`<resource>.routes.ts`) are not file paths. A path the
 * repository ignores (`.wrangler/seed.sql`, `public/docs/vendor`) is generated, and accepted.
 *
 * Shell: every `sh` block of a page runs (a block fenced as `sh no-run` is shown, not run:
 * deploy steps, command synopses), in order, as one bash script per page, against a server of
 * its own on http://localhost:8787 with the demo data, so pages never depend on each other.
 * Each curl is checked: the final status must be 2xx or 304 (or the one a call names with
 * `EXPECT=403 curl …`, for examples of refusals, whose body must be JSON), and a 2xx with a
 * body must be JSON. A `curl` shim records each call with `--trace-ascii`, so the pages' own
 * options (-o, -D, -w, -OJ) work unchanged. `npm run admin` in a block writes to the page's
 * database (LOCAL_D1_PERSIST_TO).
 *
 * `npm run test:readme -- docs/webhooks.md …` runs only those pages' blocks (paths are always
 * checked in every page). README_ECHO=1 prints what the blocks printed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize, relative } from "node:path";
import { randomJwtSecret } from "../src/platform/secrets";
import { prepareState, startLocalServer } from "./lib/local-server";

const pages = [
  "README.md",
  ...readdirSync("docs")
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];

/* ---- the pages' text: prose (outside fenced blocks), headings, shell blocks ---- */

interface Page {
  path: string;
  /** Lines outside fenced blocks, with their line numbers. */
  prose: { line: number; text: string }[];
  /** The `sh` blocks that run. */
  blocks: string[];
}

function readPage(path: string): Page {
  const prose: Page["prose"] = [];
  const blocks: string[] = [];
  let fence: { marker: string; info: string; lines: string[] } | undefined;
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((text, index) => {
      const opening = /^(`{3,}|~{3,})\s*(.*)$/.exec(text);
      if (!fence) {
        if (opening)
          fence = { marker: opening[1] as string, info: opening[2] as string, lines: [] };
        else prose.push({ line: index + 1, text });
      } else if (text.trim() === fence.marker) {
        if (fence.info === "sh") blocks.push(`${fence.lines.join("\n")}\n`);
        else if (fence.info.split(/\s+/)[0] === "sh" && fence.info !== "sh no-run") {
          throw new Error(`${path}:${index + 1}: fence a shell block as \`sh\` or \`sh no-run\``);
        }
        fence = undefined;
      } else fence.lines.push(text);
    });
  if (fence) throw new Error(`${path}: a fenced block is not closed`);
  return { path, prose, blocks };
}

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces as hyphens, `-1` for repeats. */
function anchors(page: Page): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const { text } of page.prose) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!heading) continue;
    const slug = (heading[1] as string)
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/* ---- paths ---- */

// Tracked files and new ones not ignored, as they are on disk now.
const gitFiles = ["ls-files", "-z", "--cached", "--others", "--exclude-standard"];
const files = execFileSync("git", gitFiles, { encoding: "utf8" })
  .split("\0")
  .filter((f) => f && existsSync(f));
const folders = new Set(
  files.flatMap((f) => f.split("/").map((_, i, parts) => parts.slice(0, i).join("/"))),
);
const topLevel = new Set(files.map((f) => f.split("/")[0] as string));
const exists = (path: string) => files.includes(path) || folders.has(path.replace(/\/$/, ""));
// As a file or as a folder (`public/docs/vendor/` is ignored as a folder only).
const ignored = (path: string) =>
  [path, `${path.replace(/\/$/, "")}/`].some(
    (p) => spawnSync("git", ["check-ignore", "-q", "--no-index", p]).status === 0,
  );
const SOURCE_FILE = /\.(ts|js|mjs|cjs|json|jsonl|md|sql|toml|ya?ml|sh|html|css)$/;
const PATH_LIKE = /^[\w.-]+(\/[\w.-]+)*\/?$/;

function checkPaths(all: Page[]) {
  const problems: string[] = [];
  let paths = 0;
  let links = 0;
  const anchorsOf = new Map(all.map((page) => [page.path, anchors(page)]));
  for (const page of all) {
    for (const { line, text } of page.prose) {
      const where = `${page.path}:${line}`;
      for (const [, code] of text.matchAll(/`([^`]+)`/g)) {
        const token = code as string;
        if (!PATH_LIKE.test(token)) continue;
        const first = token.split("/")[0] as string;
        if (topLevel.has(first) && (token.includes("/") || files.includes(token))) {
          paths++;
          if (!exists(token) && !ignored(token))
            problems.push(`${where}: \`${token}\` does not exist`);
        } else if (SOURCE_FILE.test(token) || (token.startsWith(".") && token.includes("/"))) {
          // A file named by its end (`bearer.ts`, `surfaces/training-api/router.ts`), or a hidden path.
          paths++;
          const found = files.some((f) => f === token || f.endsWith(`/${token}`));
          if (!found && !ignored(token)) problems.push(`${where}: no file is \`${token}\``);
        }
      }
      const withoutCode = text.replace(/`[^`]*`/g, "");
      for (const [, target] of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const link = target as string;
        if (/^[a-z][a-z+.-]*:/i.test(link)) continue;
        links++;
        const [file = "", anchor] = link.split("#");
        const path = file ? normalize(join(dirname(page.path), file)) : page.path;
        if (path.startsWith("..")) {
          problems.push(`${where}: the link ${link} leaves the repository`);
        } else if (!exists(path)) {
          problems.push(`${where}: the link ${link} points at nothing (${path})`);
        } else if (anchor && path.endsWith(".md")) {
          const known = anchorsOf.get(path) ?? anchors(readPage(path));
          if (!known.has(anchor)) problems.push(`${where}: ${path} has no heading #${anchor}`);
        }
      }
    }
  }
  return { problems, paths, links };
}

const all = pages.map(readPage);
const { problems, paths, links } = checkPaths(all);
for (const problem of problems) console.error(`readme: path ${problem}`);
console.log(
  `readme: paths ${problems.length === 0 ? "ok" : "FAIL"}: ${links} relative links and ${paths} file paths in code spans of ${all.length} pages`,
);
if (problems.length > 0) {
  console.error("readme: FAILED");
  process.exit(1);
}

/* ---- shell blocks ---- */

const only = process.argv.slice(2).map((p) => relative(".", p));
for (const name of only) {
  if (!pages.includes(name)) throw new Error(`${name} is not one of the documentation pages`);
}
const runnable = all.filter(
  (p) => p.blocks.length > 0 && (only.length === 0 || only.includes(p.path)),
);

const dir = mkdtempSync(join(tmpdir(), "readme-"));
const bin = join(dir, "bin");
mkdirSync(bin, { recursive: true });
const realCurl = execFileSync("bash", ["-c", "command -v curl"], { encoding: "utf8" }).trim();
// Each call leaves its command line, its EXPECT and its trace in $README_TRACES.
writeFileSync(
  join(bin, "curl"),
  `#!/usr/bin/env bash
n=$(date +%s%N)
printf '%s\\n' "$*" > "$README_TRACES/$n.cmd"
printf '%s' "\${EXPECT:-}" > "$README_TRACES/$n.expect"
exec ${realCurl} --trace-ascii "$README_TRACES/$n.trace" "$@"
`,
);
chmodSync(join(bin, "curl"), 0o755);
// `npm run …` in a block runs in the project, whatever the block's working directory.
const realNpm = execFileSync("bash", ["-c", "command -v npm"], { encoding: "utf8" }).trim();
writeFileSync(
  join(bin, "npm"),
  `#!/usr/bin/env bash\ncd "${process.cwd()}" && exec ${realNpm} "$@"\n`,
);
chmodSync(join(bin, "npm"), 0o755);

let failed = false;
let totalCalls = 0;
let totalBlocks = 0;
const counts: string[] = [];
try {
  // Migrations and seed once; each page starts from a copy.
  const template = join(dir, "template");
  if (runnable.length > 0) await prepareState(template);
  for (const page of runnable) {
    const slug = page.path.replace(/[^\w.-]/g, "_");
    const state = join(dir, slug, "state");
    const traces = join(dir, slug, "traces");
    const work = join(dir, slug, "work");
    for (const d of [traces, work]) mkdirSync(d, { recursive: true });
    cpSync(template, state, { recursive: true });
    const script = join(dir, slug, "page.sh");
    writeFileSync(script, `set -euo pipefail\n${page.blocks.join("\n")}`);
    const server = await startLocalServer({
      persist: state,
      port: 8787,
      // Loopback webhook URLs, as in .dev.vars: the webhook examples deliver to a local receiver.
      vars: { JWT_SECRET: randomJwtSecret(), LOG_LEVEL: "error", WEBHOOK_ALLOW_LOOPBACK: "true" },
    });
    try {
      const run = spawnSync("bash", [script], {
        cwd: work,
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH}`,
          LOCAL_D1_PERSIST_TO: state,
          README_TRACES: traces,
        },
        encoding: "utf8",
      });
      // README_ECHO=1 shows what the blocks printed, as a reader running them would see it.
      if (process.env.README_ECHO) process.stdout.write(run.stdout);
      if (run.status !== 0) {
        failed = true;
        console.error(
          `readme: ${page.path}: the blocks stopped with exit code ${run.status}\n${run.stderr}`,
        );
      }
    } finally {
      await server.stop();
    }
    const calls = readdirSync(traces)
      .filter((f) => f.endsWith(".cmd"))
      .sort();
    for (const call of calls) {
      const command = readFileSync(join(traces, call), "utf8").trim();
      const trace = readFileSync(join(traces, call.replace(/\.cmd$/, ".trace")), "utf8");
      const statuses = [...trace.matchAll(/^0000: HTTP\/[\d.]+ (\d{3})/gm)].map((m) =>
        Number(m[1]),
      );
      const contentType = [...trace.matchAll(/^0000: content-type: (.*)$/gim)].at(-1)?.[1] ?? "";
      const status = statuses.at(-1);
      const expected = readFileSync(join(traces, call.replace(/\.cmd$/, ".expect")), "utf8");
      const ok =
        status !== undefined &&
        (expected
          ? status === Number(expected) && /json/.test(contentType)
          : (status >= 200 && status < 300 && (status === 204 || /json/.test(contentType))) ||
            status === 304);
      console.log(
        `readme: ${ok ? "ok  " : "FAIL"} ${status ?? "no answer"} ${page.path} ${command.slice(0, 100)}`,
      );
      if (!ok) failed = true;
    }
    counts.push(`${page.path} ${calls.length} calls / ${page.blocks.length} blocks`);
    totalCalls += calls.length;
    totalBlocks += page.blocks.length;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`readme: ${counts.join("; ")}`);
console.log(
  `readme: ${totalCalls} curl calls from ${totalBlocks} blocks of ${runnable.length} pages`,
);
if (totalCalls === 0) failed = true;
if (failed) {
  console.error("readme: FAILED");
  process.exitCode = 1;
} else {
  console.log("readme: OK");
}
