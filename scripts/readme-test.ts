/**
 * `npm run test:readme`: runs every `sh` block of README.md that calls curl, in order, as one
 * bash script against a fresh local server on http://localhost:8787 (the README's address), and
 * checks each curl: the final status must be 2xx or 304 (or the one a call names with
 * `EXPECT=403 curl …`, for the README's examples of refusals), and a 2xx with a body must be
 * JSON. A `curl` shim records each call with `--trace-ascii`, so the README's own options (-o,
 * -D, -w, -OJ) work unchanged. `npm run admin` in a block writes to the server's database
 * (LOCAL_D1_PERSIST_TO). README_ECHO=1 prints what the blocks printed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomJwtSecret } from "../src/platform/secrets";
import { prepareState, startLocalServer } from "./lib/local-server";

const blocks = [...readFileSync("README.md", "utf8").matchAll(/```sh\n([\s\S]*?)```/g)]
  .map((match) => match[1] as string)
  .filter((block) => /\bcurl\b/.test(block));

const dir = mkdtempSync(join(tmpdir(), "readme-"));
const traces = join(dir, "traces");
const bin = join(dir, "bin");
const work = join(dir, "work");
for (const d of [traces, bin, work]) mkdirSync(d, { recursive: true });
const realCurl = execFileSync("bash", ["-c", "command -v curl"], { encoding: "utf8" }).trim();
writeFileSync(
  join(bin, "curl"),
  `#!/usr/bin/env bash
n=$(date +%s%N)
printf '%s\\n' "$*" > "${traces}/$n.cmd"
printf '%s' "\${EXPECT:-}" > "${traces}/$n.expect"
exec ${realCurl} --trace-ascii "${traces}/$n.trace" "$@"
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
writeFileSync(join(dir, "readme.sh"), `set -euo pipefail\n${blocks.join("\n")}`);

await prepareState(join(dir, "state"));
const server = await startLocalServer({
  persist: join(dir, "state"),
  port: 8787,
  // Loopback webhook URLs, as in .dev.vars: the README's webhook example delivers to a local receiver.
  vars: { JWT_SECRET: randomJwtSecret(), LOG_LEVEL: "error", WEBHOOK_ALLOW_LOOPBACK: "true" },
});
let failed = false;
try {
  const run = spawnSync("bash", [join(dir, "readme.sh")], {
    cwd: work,
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      LOCAL_D1_PERSIST_TO: join(dir, "state"),
    },
    encoding: "utf8",
  });
  // README_ECHO=1 shows what the blocks printed, as a reader running them would see it.
  if (process.env.README_ECHO) process.stdout.write(run.stdout);
  if (run.status !== 0) {
    failed = true;
    console.error(`readme: the blocks stopped with exit code ${run.status}\n${run.stderr}`);
  }
  const calls = readdirSync(traces)
    .filter((f) => f.endsWith(".cmd"))
    .sort();
  for (const call of calls) {
    const command = readFileSync(join(traces, call), "utf8").trim();
    const trace = readFileSync(join(traces, call.replace(/\.cmd$/, ".trace")), "utf8");
    const statuses = [...trace.matchAll(/^0000: HTTP\/[\d.]+ (\d{3})/gm)].map((m) => Number(m[1]));
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
      `readme: ${ok ? "ok  " : "FAIL"} ${status ?? "no answer"} ${command.slice(0, 110)}`,
    );
    if (!ok) failed = true;
  }
  console.log(`readme: ${calls.length} curl calls from ${blocks.length} blocks`);
  if (calls.length === 0) failed = true;
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
if (failed) {
  console.error("readme: FAILED");
  process.exitCode = 1;
} else {
  console.log("readme: OK");
}
