/**
 * `--runtime --stages`: where one warm request's CPU goes inside workerd, by stage. V8's sampling
 * CPU profiler runs through the runtime's inspector (wrangler dev's `--inspector-port`, the
 * Chrome DevTools Protocol over a WebSocket) while ./runtime.ts repeats a case in a loop. Each
 * sample's time goes to the original source file of the function it was in, found through the
 * source map of the bundle `wrangler dev` serves, and from the file to a stage (STAGES).
 *
 * A sample in a function with no source of its own (a native or builtin such as `Response`,
 * `JSON.stringify` or `setTimeout`, a bundler helper) goes to the nearest caller that has one:
 * the code that asked for that work. Samples with no script on the stack at all are the
 * runtime's own: `(garbage collector)`, and `(program)` (workerd and V8 outside any script).
 * Shares of the profile are then applied to the CPU per request read from /proc without the
 * profiler, so the stages add up to that figure (the work of the runtime's other threads is
 * spread in proportion).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

/**
 * The stages, in the order of the table (BENCHMARKS.md says what each holds): which source
 * paths, from the repository's root, each takes. The first that matches wins.
 */
export const STAGES: { name: string; test: (path: string) => boolean }[] = [
  { name: "Hono", test: (p) => p.startsWith("node_modules/hono/") },
  {
    name: "validation",
    test: (p) => /^node_modules\/(zod|@hono\/zod-openapi|@asteasolutions|drizzle-zod)\//.test(p),
  },
  {
    name: "drizzle",
    // drizzle-orm ships source maps whose sources are `../src/…` from its package root: a bundle
    // that follows them (a minified one) names them `node_modules/src/…`.
    test: (p) => p.startsWith("node_modules/drizzle-orm/") || p.startsWith("node_modules/src/"),
  },
  {
    name: "auth",
    test: (p) =>
      p.startsWith("src/accounts/") ||
      /^src\/surfaces\/[^/]+\/(bearer|jwt|password|api-key)\.ts$/.test(p),
  },
  { name: "events", test: (p) => p.startsWith("src/platform/events/") },
  { name: "handlers", test: (p) => p.startsWith("src/surfaces/") },
  { name: "platform", test: (p) => p.startsWith("src/") },
  { name: "libraries", test: (p) => p.startsWith("node_modules/") && !isHarness(p) },
  // Samples with no script on the stack: V8's collector, and workerd or V8 outside any script.
  { name: "GC", test: () => false },
  { name: "runtime", test: () => false },
];

/** The benchmark's own code: the loop, the stand-in D1, wrangler's dev wrapper. */
export const HARNESS = "harness";

const isHarness = (p: string) =>
  p.startsWith("scripts/bench/") ||
  p.startsWith("node_modules/wrangler/") ||
  p.startsWith("../") ||
  p.includes(":");

/** V8's sampling profile (the DevTools Protocol's `Profiler.Profile`), the parts used here. */
interface Profile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A client of the runtime's inspector: one WebSocket, commands answered by id. */
export class Inspector {
  private next = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (result: unknown) => void; reject: (error: Error) => void }
  >();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      // Events (console messages, say) have no id. workerd answers some
      // commands (Profiler.enable, .start) with the command itself, without a `result`.
      if (message.id === undefined) return;
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.error) waiter.reject(new Error(`inspector: ${message.error.message}`));
      else waiter.resolve(message.result);
    });
    socket.addEventListener("close", () => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error("inspector: closed"));
      this.waiting.clear();
    });
  }

  /**
   * `wrangler dev --inspector-port <port>`'s proxy to the runtime's inspector. It refuses a
   * connection without an `Origin` of its allowed hosts; Node's WebSocket (undici) takes headers.
   */
  static async connect(port: number, attempts = 5): Promise<Inspector> {
    const NodeWebSocket = WebSocket as unknown as new (
      url: string,
      init: { headers: Record<string, string> },
    ) => WebSocket;
    const socket = new NodeWebSocket(`ws://127.0.0.1:${port}/ws`, {
      headers: { origin: "http://127.0.0.1" },
    });
    const opened = await new Promise<boolean>((resolve) => {
      socket.addEventListener("open", () => resolve(true), { once: true });
      socket.addEventListener("error", () => resolve(false), { once: true });
    });
    if (opened) return new Inspector(socket);
    // The proxy refuses a client while it is (re)connecting to the runtime's own inspector.
    if (attempts <= 1) throw new Error(`inspector: no connection on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return Inspector.connect(port, attempts - 1);
  }

  send<T = unknown>(method: string, params: object = {}): Promise<T> {
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** V8's CPU profile of `work`, sampled every `intervalUs` microseconds. */
  async profile(intervalUs: number, work: () => Promise<void>): Promise<Profile> {
    await this.send("Profiler.enable");
    await this.send("Profiler.setSamplingInterval", { interval: intervalUs });
    await this.send("Profiler.start");
    const done = await work().then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    const { profile } = await this.send<{ profile: Profile }>("Profiler.stop");
    await this.send("Profiler.disable");
    if (done) throw done.error;
    return profile;
  }

  close(): void {
    this.socket.close();
  }
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Where a function of the bundle was written: a path from the repository's root, a 1-based line. */
export interface Origin {
  file: string;
  line: number;
}

/**
 * A source map (v3) reduced to what the stages need: for a generated line and column, the
 * original source and line. The `mappings` are decoded here (base64 VLQ, a few lines) rather
 * than with a library: the benchmark needs no more than this.
 *
 * A dependency may ship source maps of its own that name sources it does not ship (drizzle-orm's
 * point at `../src/*.ts` outside its package): such a path, missing on disk, is replaced by the
 * module esbuild wrote at that line of the bundle (its `// <path>` comment), which names the
 * package's file.
 */
export class SourceMap {
  /** Per generated line: generated column, source index (-1: none), original line; … */
  private readonly lines: number[][] = [];
  private readonly sources: string[];
  /** The bundle's module comments: the first generated line of each module, and its path. */
  private readonly modules: { line: number; file: string }[] = [];
  private readonly exists = new Map<string, boolean>();

  constructor(
    file: string,
    private readonly root: string,
  ) {
    const map = JSON.parse(readFileSync(file, "utf8")) as {
      sources: string[];
      sourceRoot?: string;
      mappings: string;
    };
    const dir = resolve(file, "..", map.sourceRoot ?? "");
    this.sources = map.sources.map((s) => (s.includes(":") ? s : relative(root, resolve(dir, s))));
    let line: number[] = [];
    let column = 0;
    let source = 0;
    let original = 0;
    let value = 0;
    let shift = 0;
    let fields: number[] = [];
    const endSegment = () => {
      if (fields.length === 0) return;
      column += fields[0] as number;
      if (fields.length > 2) {
        source += fields[1] as number;
        original += fields[2] as number;
        line.push(column, source, original);
      } else line.push(column, -1, 0);
      fields = [];
    };
    for (const c of map.mappings) {
      if (c === ";" || c === ",") {
        endSegment();
        if (c === ";") {
          this.lines.push(line);
          line = [];
          column = 0;
        }
        continue;
      }
      const digit = DIGIT.get(c);
      if (digit === undefined) throw new Error(`${file}: not a source map's mappings`);
      value += (digit & 31) << shift;
      if (digit & 32) {
        shift += 5;
        continue;
      }
      // The lowest bit is the sign.
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
    endSegment();
    this.lines.push(line);

    const bundle = file.replace(/\.map$/, "");
    try {
      readFileSync(bundle, "utf8")
        .split("\n")
        .forEach((text, at) => {
          const module = /^\/\/ (\S*node_modules\/\S+)$/.exec(text)?.[1];
          if (module) {
            this.modules.push({
              line: at,
              file: module.slice(module.lastIndexOf("node_modules/")),
            });
          }
        });
    } catch {
      // no bundle beside the map: dependencies' own maps are taken as they are
    }
  }

  /** The origin of a 0-based generated position, if the map has one. */
  originAt(line: number, column: number): Origin | undefined {
    const segments = this.lines[line];
    if (!segments || segments.length === 0) return undefined;
    let low = 0;
    let high = segments.length / 3 - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((segments[mid * 3] as number) <= column) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    const index = found < 0 ? -1 : (segments[found * 3 + 1] as number);
    const file = this.sources[index];
    if (index < 0 || file === undefined) return undefined;
    const origin = { file, line: (segments[found * 3 + 2] as number) + 1 };
    if (!file.startsWith("node_modules/") || this.onDisk(file)) return origin;
    const module = this.moduleAt(line);
    return module ? { file: module, line: 0 } : origin;
  }

  private onDisk(file: string): boolean {
    let found = this.exists.get(file);
    if (found === undefined) {
      found = existsSync(join(this.root, file));
      this.exists.set(file, found);
    }
    return found;
  }

  private moduleAt(line: number): string | undefined {
    let low = 0;
    let high = this.modules.length - 1;
    let found: string | undefined;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const module = this.modules[mid] as { line: number; file: string };
      if (module.line <= line) {
        found = module.file;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }
}

/**
 * The source map of the bundle a `wrangler dev` server with its config in `dir` serves:
 * `.wrangler/tmp/dev-*\/worker.js.map`, the newest if it bundled more than once.
 */
export function bundleSourceMap(dir: string): SourceMap | undefined {
  const tmp = join(dir, ".wrangler", "tmp");
  let newest: { file: string; at: number } | undefined;
  try {
    for (const name of readdirSync(tmp).filter((n) => n.startsWith("dev-"))) {
      const file = join(tmp, name, "worker.js.map");
      try {
        const at = statSync(file).mtimeMs;
        if (!newest || at > newest.at) newest = { file, at };
      } catch {
        // a bundle folder without a map
      }
    }
  } catch {
    return undefined;
  }
  return newest ? new SourceMap(newest.file, resolve(".")) : undefined;
}

/** The bundle's name in the profile's call frames (the module workerd was given). */
const BUNDLE = "worker.js";

export interface Attribution {
  /** Profile time (µs) per stage (STAGES' names and HARNESS). */
  byStage: Map<string, number>;
  /** Profile time (µs) per function, natives named with the file that called them. */
  byFunction: Map<string, number>;
  /** Whether stages came from source files (else from function names: no source map). */
  mapped: boolean;
}

/** A stage by function name, when there is no source map: the library's usual names. */
function stageByName(name: string): string | undefined {
  if (/^(compose|dispatch|match|#?newResponse|get var|json|text|header)$/.test(name)) return "Hono";
  if (/zod|parse|safeParse|_parse|check/i.test(name)) return "validation";
  if (/sql|Query|mapResultRow|buildSelect|mergeQueries|^is$/.test(name)) return "drizzle";
  return undefined;
}

/** Each sample's time to a stage (and to a function), as the header of this file says. */
export function attribute(profile: Profile, map: SourceMap | undefined): Attribution {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);

  const originOf = (id: number): Origin | undefined => {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.url !== BUNDLE) return undefined;
    if (!map) return { file: BUNDLE, line: frame.lineNumber + 1 };
    return map.originAt(frame.lineNumber, frame.columnNumber);
  };
  const where = (origin: Origin) =>
    origin.line > 0 ? `${origin.file}:${origin.line}` : origin.file;

  /** Per node: [stage, function label], or undefined for idle time. */
  const memo = new Map<number, [string, string] | undefined>();
  const classify = (id: number): [string, string] | undefined => {
    if (memo.has(id)) return memo.get(id);
    const frame = byId.get(id)?.callFrame;
    const name = frame?.functionName || "(anonymous)";
    let result: [string, string] | undefined;
    if (name === "(idle)") result = undefined;
    else if (name === "(garbage collector)") result = ["GC", name];
    else if (name === "(program)" || name === "(root)") result = ["runtime", name];
    else {
      // The nearest frame (this one or a caller) with a source of its own.
      let at: number | undefined = id;
      let origin = originOf(id);
      while (origin === undefined && at !== undefined) {
        at = parent.get(at);
        origin = at === undefined ? undefined : originOf(at);
      }
      if (origin === undefined || at === undefined) result = ["runtime", `${name} (native)`];
      else {
        const caller = byId.get(at)?.callFrame.functionName || "(anonymous)";
        let stage: string;
        if (!map) stage = stageByName(caller) ?? "other";
        else if (isHarness(origin.file)) stage = HARNESS;
        else stage = STAGES.find((s) => s.test(origin.file))?.name ?? "other";
        result = [
          stage,
          at === id
            ? `${name} ${where(origin)}`
            : `${name} (${frame?.url ? "bundle" : "native"}) ← ${caller} ${where(origin)}`,
        ];
      }
    }
    memo.set(id, result);
    return result;
  };

  const byStage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // A sample stands for the time until the next one.
    const us = timeDeltas[i + 1] ?? 0;
    const found = classify(samples[i] as number);
    if (!found || us <= 0) continue;
    byStage.set(found[0], (byStage.get(found[0]) ?? 0) + us);
    byFunction.set(found[1], (byFunction.get(found[1]) ?? 0) + us);
  }
  return { byStage, byFunction, mapped: map !== undefined };
}
