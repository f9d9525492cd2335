/**
 * `npm run bench`: the benchmark, one mode per run, each writing its tables into BENCHMARKS.md.
 *
 *   (default)    the read endpoints under load, against baseline Workers (./load.ts)
 *   --runtime    the app's CPU per warm request inside workerd (./runtime.ts)
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
    platform: { type: "boolean", default: false },
  },
});
if (values.runtime && values.platform) throw new Error("--runtime or --platform, not both");

process.once("SIGINT", () => {
  say("\nbench: interrupted, stopping the servers");
  cleanUp().finally(() => process.exit(130));
});

const started = Date.now();
const mode = values.runtime ? runtime : values.platform ? platform : load;
try {
  await mode(values.quick);
} finally {
  await cleanUp();
}
say(`bench: done in ${Math.round((Date.now() - started) / 1000)} s`);
