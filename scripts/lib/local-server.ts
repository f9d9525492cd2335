/**
 * A throwaway local API for scripts (load soak, browser test, README test): a fresh wrangler
 * state with the real migrations and the demo seed, served by `wrangler dev` on 127.0.0.1.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import { join, resolve } from "node:path";
import { d1Bindings } from "./d1-bindings";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function wrangler(args: string[]) {
  execFileSync("wrangler", args, {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, CI: "1" },
  });
}

/** Migrations and seed into `persist` (a new folder), with the given wrangler config. */
export async function prepareState(persist: string, config?: string): Promise<void> {
  const configArgs = config ? ["--config", config] : [];
  for (const binding of d1Bindings(config)) {
    wrangler([
      "d1",
      "migrations",
      "apply",
      binding,
      "--local",
      ...configArgs,
      "--persist-to",
      persist,
    ]);
  }
  // Loaded here, not above: the seed brings the whole data layer, which servers' users do not need.
  const { seedStatements } = await import("../seed/statements");
  const seed = join(persist, "seed.sql");
  writeFileSync(seed, (await seedStatements()).join("\n"));
  wrangler([
    "d1",
    "execute",
    "DB",
    "--local",
    ...configArgs,
    "--persist-to",
    persist,
    "--file",
    seed,
  ]);
}

export interface LocalServer {
  url: string;
  /** The `wrangler dev` process (its runtime processes are its children). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** A port nothing listens on now, for a server about to start. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * `wrangler dev` on `port` (a free one when absent), resolved once `/health` answers (any
 * status). `quiet` keeps wrangler's messages to itself and puts the last of them in the error
 * when the server does not come up.
 */
export async function startLocalServer(options: {
  persist?: string;
  port?: number;
  config?: string;
  vars?: Record<string, string>;
  quiet?: boolean;
  /** More `wrangler dev` options (`--inspector-port`, say). */
  args?: string[];
}): Promise<LocalServer> {
  const port = options.port ?? (await freePort());
  const args = ["dev", "--port", String(port), "--ip", "127.0.0.1", "--log-level", "error"];
  if (options.persist) args.push("--persist-to", options.persist);
  if (options.config) args.push("--config", options.config);
  for (const [name, value] of Object.entries(options.vars ?? {}))
    args.push("--var", `${name}:${value}`);
  args.push(...(options.args ?? []));
  const server: ChildProcess = spawn("wrangler", args, {
    stdio: ["ignore", "ignore", options.quiet ? "pipe" : "inherit"],
    detached: true,
  });
  let said = "";
  server.stderr?.on("data", (data: Buffer) => {
    said = `${said}${data.toString("utf8")}`.slice(-4000);
  });
  let exited = false;
  server.once("exit", () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (server.pid && !exited) process.kill(-server.pid, "SIGTERM");
    await sleep(500);
  };
  for (let i = 0; i < 600 && !exited; i++) {
    await sleep(100);
    // Any answer: the server is up (node:http, so a caller that needs no fetch loads none).
    const up = await new Promise<boolean>((resolve) =>
      httpGet(`${url}/health`, (response) => {
        response.resume();
        resolve(true);
      }).on("error", () => resolve(false)),
    );
    if (up) return { url, pid: server.pid, stop };
  }
  await stop();
  const detail = said.trim() ? `:\n${said.trim()}` : "";
  throw new Error(`wrangler dev did not start${detail}`);
}

/**
 * wrangler.toml written into `dir` with absolute paths and the rate limits out of the way: load
 * and benchmark runs measure the API, not the throttle (one token or key sends everything).
 */
export function unthrottledConfig(dir: string): string {
  const root = resolve(".");
  const toml = readFileSync("wrangler.toml", "utf8")
    .replace(/^main = ".*"$/m, `main = "${join(root, "src/index.ts")}"`)
    .replace(/^migrations_dir = ".*"$/gm, `migrations_dir = "${join(root, "migrations")}"`)
    .replace(/^directory = ".*"$/m, `directory = "${join(root, "public")}"`)
    .replace(/simple = \{ limit = \d+/g, "simple = { limit = 100000000");
  const file = join(dir, "wrangler.toml");
  writeFileSync(file, toml);
  return file;
}

/** An access token for a demo user, from the server's own login (a real session in its D1). */
export async function loginToken(
  url: string,
  email = "alice@example.com",
  password = "demo-password-123",
): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const body = (await response.json()) as { data?: { token?: string } };
  if (!response.ok || !body.data?.token) {
    throw new Error(`login as ${email} answered ${response.status}`);
  }
  return body.data.token;
}
