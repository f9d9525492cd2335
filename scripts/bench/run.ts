/**
 * `npm run bench`: the benchmark, one mode per run, each writing its tables into BENCHMARKS.md.
 *
 *   (default)    the read endpoints under load, against baseline Workers (./load.ts)
 *   --runtime    the app's CPU per warm request inside workerd (./runtime.ts)
 *   --stages     with --runtime: that CPU split by stage, from V8's profiler (./stages.ts)
 *   --platform   what the local platform emulation costs per service (./platform.ts)
 *   --quick      with any mode: the short run, for a change to a hot path
 *
 * The data is built on first use and kept for later runs (./data.ts); servers are `wrangler dev`
 * on copies of it (./servers.ts). Linux only for --runtime and --platform (CPU from /proc).
 */
import { parseArgs } from "node:util";
import { load } from "./load";
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
  },
});
if (values.runtime && values.platform) throw new Error("--runtime or --platform, not both");
if (values.stages && !values.runtime) throw new Error("--stages goes with --runtime");

process.once("SIGINT", () => {
  say("\nbench: interrupted, stopping the servers");
  cleanUp().finally(() => process.exit(130));
});

const started = Date.now();
try {
  if (values.runtime) await runtime(values.quick, values.stages);
  else if (values.platform) await platform(values.quick);
  else await load(values.quick);
} finally {
  await cleanUp();
}
say(`bench: done in ${Math.round((Date.now() - started) / 1000)} s`);
