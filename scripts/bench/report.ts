/**
 * What the benchmark shows: a status line that rewrites itself while a step runs (on a terminal
 * only), markdown tables, and each mode's results written into BENCHMARKS.md between its markers.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

const live = process.stderr.isTTY;

/** Shows `text` as the current step, in place of the previous one; "" clears it. */
export function status(text: string): void {
  if (live) process.stderr.write(`\r\x1b[K${text.slice(0, (process.stderr.columns ?? 100) - 1)}`);
}

/** A line of the log, below the status line. */
export function say(text: string): void {
  status("");
  console.log(text);
}

/** The median of the values (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** "0.84 (0.79–0.91)": the median of the ratios and their range. */
export function spread(ratios: number[]): string {
  if (ratios.length === 0) return "n/a";
  const range =
    ratios.length > 1 ? ` (${fixed(Math.min(...ratios))}–${fixed(Math.max(...ratios))})` : "";
  return `${fixed(median(ratios))}${range}`;
}

const fixed = (n: number) => n.toFixed(2);

/**
 * A ratio beside its target's verdict: two decimals, or three where two would round it onto the
 * other side of the target (0.797 is "0.797", not a missed "0.80").
 */
export function against(value: number, target: number, atLeast: boolean): string {
  const passes = (n: number) => (atLeast ? n >= target : n <= target);
  return passes(Number(fixed(value))) === passes(value) ? fixed(value) : value.toFixed(3);
}

/** "1 round", "3 rounds". */
export const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

export function table(head: string[], rows: (string | number)[][]): string {
  return [head, head.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/** The machine and runtime the figures come from, and when. */
export function machine(): string {
  const cpu = cpus();
  let workerd = "workerd unknown";
  try {
    workerd = execFileSync("workerd", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    // reported as unknown
  }
  const memory = Math.round(totalmem() / 2 ** 30);
  return `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC; ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${memory} GiB; Node ${process.version}; ${workerd}`;
}

/** Prints a mode's results and puts them in BENCHMARKS.md between `<!-- bench:<mode> -->` markers. */
export function writeResults(
  mode: "load" | "floors" | "runtime" | "stages" | "platform" | "ingest",
  text: string,
): void {
  say(`\n${text}`);
  const file = "BENCHMARKS.md";
  const start = `<!-- bench:${mode} -->`;
  const end = `<!-- /bench:${mode} -->`;
  const doc = readFileSync(file, "utf8");
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file}: no ${start} … ${end} block`);
  writeFileSync(file, `${doc.slice(0, from + start.length)}\n${text}\n${doc.slice(to)}`);
  say(`(written into ${file})`);
}
