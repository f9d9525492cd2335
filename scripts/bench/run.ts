/**
 * `npm run bench`: the benchmark, one mode per run, each writing its tables into BENCHMARKS.md.
 *
 *   (default)    the read endpoints under load, against baseline Workers (./load.ts)
 *   --runtime    the app's CPU per warm request inside workerd (./runtime.ts)
 *   --stages     with --runtime: that CPU split by stage, from V8's profiler (./stages.ts)
 *   --platform   what the local platform emulation costs per service (./platform.ts)
 *   --ingest     messages posted by 64 connections, to 64 conversations and then to one, checked
 *                for loss, duplicates, order and the conversation's updatedAt (./ingest.ts)
 *   --quick      with any mode: the short run, for a change to a hot path
 *   --only documents|floors
 *                the default mode's GETs (sections 1 and 2) or its writes and list pages
 *                against their floors (section 3) alone
 *
 * The data is built on first use and kept for later runs (./data.ts); servers are `wrangler dev`
 * on copies of it (./servers.ts). Linux only for --runtime and --platform (CPU from /proc).
 */
import { parseArgs } from "node:util";
import { ingest } from "./ingest";
import { load, type Section } from "./load";
import { platform } from "./platform";
import { say } from "./report";
import { runtime } from "./runtime";
import { cleanUp } from "./servers";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    runtime: { type: "boolean", default: false },
    stages: { type: "boolean", default: false },
    platform: { type: "boolean", default: false },
    ingest: { type: "boolean", default: false },
    only: { type: "string", default: "all" },
  },
});
const modes = ["runtime", "platform", "ingest"] as const;
const chosen = modes.filter((name) => values[name]);
if (chosen.length > 1) {
  throw new Error(`one mode at a time, not ${chosen.map((m) => `--${m}`).join(" and ")}`);
}
if (values.stages && !values.runtime) throw new Error("--stages goes with --runtime");

process.once("SIGINT", () => {
  say("\nbench: interrupted, stopping the servers");
  cleanUp().finally(() => process.exit(130));
});

const started = Date.now();
const only = values.only as Section;
if (!["all", "documents", "floors"].includes(only)) throw new Error("--only documents or floors");
try {
  if (values.runtime) await runtime(values.quick, values.stages);
  else if (values.platform) await platform(values.quick);
  else if (values.ingest) await ingest(values.quick);
  else await load(values.quick, only);
} finally {
  await cleanUp();
}
say(`bench: done in ${Math.round((Date.now() - started) / 1000)} s`);
