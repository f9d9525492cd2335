/**
 * CPU time a local server spends per request, read from /proc (Linux): the user Worker's
 * `workerd` process under `wrangler dev`, all its threads (the Worker, D1 and every binding's
 * emulation run there), or every process of the server (wrangler and the workerd that proxies
 * its port as well); never the load generator's. Far steadier than requests per second on a
 * small machine, where the load generator competes for the same cores.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticks: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`; 100 on Linux almost everywhere). */
function clockTick(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

function stat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces.
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/**
 * The `workerd` process under a `wrangler dev` server (wrangler's launcher starts the CLI as a
 * child, which starts workerd) that runs the Worker, not the one that proxies the listening port
 * (`--socket-addr=entry=127.0.0.1:<port>`).
 */
export function runtimeProcess(server: { pid: number | undefined; url: string }): number {
  const port = new URL(server.url).port;
  for (const pid of serverProcesses(server)) {
    let command: string;
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (command.includes("workerd") && !command.includes(`entry=127.0.0.1:${port}`)) return pid;
  }
  throw new Error(`no workerd process under ${server.url} (the CPU counts need Linux's /proc)`);
}

/**
 * Every process of a `wrangler dev` server: wrangler itself (Node), the runtime and the workerd
 * that proxies its port. What serving a request costs the machine, but the load generator.
 */
export function serverProcesses(server: { pid: number | undefined }): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    const fields = stat(Number(name));
    if (fields) parentOf.set(Number(name), Number(fields[1])); // fields[1]: the parent's pid
  }
  const descends = (pid: number): boolean => {
    for (let at: number | undefined = pid; at !== undefined && at > 1; at = parentOf.get(at)) {
      if (at === server.pid) return true;
    }
    return false;
  };
  return [...parentOf.keys()].filter(descends);
}

/** User + system CPU of `pid` so far, in milliseconds; of all of them for a list. */
export function cpuMs(pid: number | number[]): number {
  if (Array.isArray(pid)) return pid.reduce((total, one) => total + cpuMs(one), 0);
  const fields = stat(pid);
  if (!fields) throw new Error(`process ${pid} is gone`);
  // utime and stime: fields 14 and 15 of /proc/<pid>/stat, 12 and 13 after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTick();
}
