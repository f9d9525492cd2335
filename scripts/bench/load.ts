/**
 * The default mode: the read endpoints under load, each `wrangler dev` driven by autocannon.
 *
 * 1. Endpoints and scale: the API on a small and a large dataset side by side. In each round,
 *    every read endpoint is measured on one and then the other, and page 500 of each list on the
 *    large one right after its page 1. The endpoint table gives the median of the rounds; a scale
 *    target is the median of the rounds' p50 ratios (large ÷ small, page 500 ÷ page 1).
 * 2. Baselines, on the large dataset: (a) fixed JSON, the harness's ceiling; (b) the floor, the
 *    statement the API sends for the document and nothing else; (c) the floor with the platform
 *    services the API uses on every request. Each round measures (a), then each GET on the API,
 *    (b) and (c) back to back; a ratio is the median of the rounds' ratios.
 * 3. Writes and list pages against their own floors, the same way: (b) does the same write as one
 *    batch (an inbound message; a conversation with a new contact) or sends the list page's
 *    statement, (c) adds the platform services.
 *
 * Rounds are paired because on 2 shared cores runs minutes apart differ by up to ±40 %: a ratio
 * of two such runs inherits the drift, a ratio of back-to-back runs mostly does not. The two sides
 * of a ratio run back to back and take turns going first (`inTurn`), over an even number of
 * rounds, so neither gains from its place in the round.
 */
import { dataset, FIXED, rowsLabel } from "./data";
import { type Measurement, measure, type Write } from "./measure";
import { against, machine, median, say, spread, status, table, writeResults } from "./report";
import {
  type Api,
  type Auth,
  assertSameAnswer,
  assertSameListPage,
  BARE,
  LIST_PAGES,
  startApi,
  startFixedJson,
  startFloor,
  WITH_SERVICES,
} from "./servers";

/** Even: each side of a pair goes first in half of the rounds. */
const ROUNDS = 4;

/** A pair measured back to back, in the order of its round: as given in odd rounds, else swapped. */
const inTurn = <T>(round: number, first: T, second: T): [T, T] =>
  round % 2 === 1 ? [first, second] : [second, first];
const SETTINGS = {
  full: { small: 1_000, large: 100_000, seconds: 15 },
  quick: { small: 1_000, large: 12_000, seconds: 4 },
};
const SNAPSHOTS = "/api/training/snapshots?limit=20";
const CONVERSATIONS = "/v1/api/conversations?limit=20";
const ENDPOINTS: [name: string, path: string, auth: Auth][] = [
  ["GET snapshot, 10 messages", `/api/training/snapshots/${FIXED.snapshot10}`, "token"],
  ["GET snapshot, 1,000 messages", `/api/training/snapshots/${FIXED.snapshot1000}`, "token"],
  ["GET conversation, 10 messages", `/v1/api/conversations/${FIXED.conversation10}`, "key"],
  ["list snapshots, page 1", SNAPSHOTS, "token"],
  ["list conversations, page 1", CONVERSATIONS, "key"],
];
/** The GETs compared with the floors: the three documents. */
const DOCUMENTS = ENDPOINTS.slice(0, 3);

/** The writes compared with their floors: each request writes something new. */
export const WRITES: [name: string, path: string, auth: Auth, write: Write][] = [
  [
    "POST message (inbound)",
    `/v1/api/conversations/${FIXED.conversation10}/messages`,
    "key",
    {
      method: "POST",
      status: 201,
      body: (n) => JSON.stringify({ direction: "inbound", message: `Bench message ${n}` }),
    },
  ],
  [
    "POST conversation (new contact)",
    "/v1/api/conversations",
    "key",
    {
      method: "POST",
      status: 201,
      body: (n) =>
        JSON.stringify({
          customer: { name: `Bench Customer ${n}`, phone: `+1628${String(n).padStart(7, "0")}` },
          messages: [{ direction: "inbound", message: `Hello from customer ${n}` }],
        }),
    },
  ],
];

/** Section 3's rows: the writes, then a first page of 20 of each list. */
const FLOORED: [name: string, path: string, auth: Auth, write?: Write][] = [
  ...WRITES,
  ...LIST_PAGES.map(
    ({ name, path, auth }) =>
      [`${name}, page 1`, `${path}?limit=20`, auth] as [string, string, Auth],
  ),
];
/**
 * The lists measured at page 500 in section 3, right after their page 1. The others have no
 * page 500: an organization has at most MAX_WEBHOOKS webhook endpoints (one page), and its API
 * keys are listed whole.
 */
const DEEP_LISTS = LIST_PAGES.filter(({ name }) =>
  ["list snapshots", "list conversations", "list contacts", "list users", "list reviews"].includes(
    name,
  ),
);
/** The target: the API's req/s at least this share of the floor with services (c). */
const TARGET = 0.8;
/** The scale target: p50 at most this multiple of its reference. */
const SCALE = 1.2;

export type Section = "all" | "documents" | "floors";

export async function load(quick: boolean, only: Section = "all"): Promise<void> {
  const { small, large, seconds } = SETTINGS[quick ? "quick" : "full"];
  const [smallLabel, largeLabel] = [rowsLabel(small), rowsLabel(large)];
  const smallData = await dataset(small);
  const largeData = await dataset(large);
  const samples = new Map<string, Measurement[]>();
  let step = 0;
  const documents = only !== "floors";
  const floored = only !== "documents";
  const total =
    (documents ? ROUNDS * (ENDPOINTS.length * 2 + 2) + ROUNDS * (1 + DOCUMENTS.length * 3) : 0) +
    (floored ? ROUNDS * (FLOORED.length * 3 + DEEP_LISTS.length * 2) : 0);
  const run = async (
    key: string,
    url: string,
    headers: Record<string, string> = {},
    write?: Write,
  ) => {
    const m = await measure(`[${++step}/${total}] ${key}`, url, headers, seconds, write);
    samples.set(key, [...(samples.get(key) ?? []), m]);
    return m;
  };
  const of = (key: string) => samples.get(key) ?? [];

  const api = await startApi(largeData);
  const deep = documents
    ? ([
        ["list snapshots", "token", await pageOf(api, SNAPSHOTS, "token", cursorNext(SNAPSHOTS))],
        ["list conversations", "key", await pageOf(api, CONVERSATIONS, "key", linkNext)],
      ] as const)
    : [];
  if (documents) {
    say(`\n1. Endpoints on ${smallLabel} and ${largeLabel} rows per table, ${ROUNDS} rounds`);
    const apiSmall = await startApi(smallData);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, path, auth] of ENDPOINTS) {
        for (const [label, server] of inTurn(
          round,
          [smallLabel, apiSmall] as const,
          [largeLabel, api] as const,
        )) {
          await run(`${name} @ ${label}`, `${server.url}${path}`, await server.headers(auth));
        }
      }
      for (const [name, auth, page500] of deep) {
        await run(
          `${name}, page 500 @ ${largeLabel}`,
          `${api.url}${page500}`,
          await api.headers(auth),
        );
      }
    }
    await apiSmall.stop();
  }
  const bare = await startFloor(BARE, largeData);
  const services = await startFloor(WITH_SERVICES, largeData);
  if (documents) {
    say(`\n2. The API against baselines (a), (b) and (c) on ${largeLabel} rows, ${ROUNDS} rounds`);
    const fixed = await startFixedJson();
    for (const [, path, auth] of DOCUMENTS)
      await assertSameAnswer(path, api, auth, [bare, services]);
    for (let round = 1; round <= ROUNDS; round++) {
      await run("(a) fixed JSON", fixed.url);
      for (const [name, path, auth] of DOCUMENTS) {
        const apiSide = async () =>
          run(`${name}: API`, `${api.url}${path}`, await api.headers(auth));
        const floor = () => run(`${name}: (c)`, `${services.url}${path}`);
        for (const side of inTurn(round, apiSide, floor)) await side();
        await run(`${name}: (b)`, `${bare.url}${path}`);
      }
    }
  }
  if (floored) {
    say(`\n3. Writes and list pages against their floors on ${largeLabel} rows, ${ROUNDS} rounds`);
    for (const { path, auth } of LIST_PAGES) {
      await assertSameListPage(`${path}?limit=20`, api, auth, [bare, services]);
    }
    const page500 = new Map<string, string>();
    for (const { name, path, auth, envelope } of DEEP_LISTS) {
      const first = `${path}?limit=20`;
      page500.set(
        name,
        await pageOf(api, first, auth, envelope === "bare" ? linkNext : cursorNext(first)),
      );
    }
    // Depth first, before the writes below add rows unlike the generated ones (conversations
    // of one message) to the top of the lists.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const { name, path, auth } of DEEP_LISTS) {
        const headers = await api.headers(auth);
        for (const [key, url] of inTurn<[string, string]>(
          round,
          [`${name}, page 1 (depth)`, `${path}?limit=20`],
          [`${name}, page 500`, `${page500.get(name)}`],
        )) {
          await run(key, `${api.url}${url}`, headers);
        }
      }
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, path, auth, write] of FLOORED) {
        const apiSide = async () =>
          run(`${name}: API`, `${api.url}${path}`, await api.headers(auth), write);
        const floor = () => run(`${name}: (c)`, `${services.url}${path}`, {}, write);
        for (const side of inTurn(round, apiSide, floor)) await side();
        await run(`${name}: (b)`, `${bare.url}${path}`, {}, write);
      }
    }
  }
  status("");

  // Each key's samples are in round order, so index i of two keys is one round's pair.
  const ratios = (key: string, reference: string, figure: (m: Measurement) => number) =>
    of(key).map((m, i) => figure(m) / Math.max(figure(of(reference)[i] as Measurement), 1));
  const rps = (m: Measurement) => m.requestsPerSecond;
  const p50 = (m: Measurement) => m.p50Ms;
  const medians = (key: string) => {
    const ms = of(key);
    return [
      Math.round(median(ms.map(rps))),
      median(ms.map(p50)),
      median(ms.map((m) => m.p99Ms)),
      ms.reduce((n, m) => n + m.errors, 0),
    ];
  };

  const check = (ok: boolean, text: string) => `- ${ok ? "met" : "MISSED"}: ${text}`;
  const againstFloors = (names: string[]) =>
    names.map((name) => [
      name,
      ...[": API", ": (b)", ": (c)"].map((who) => medians(`${name}${who}`)[0] as number),
      spread(ratios(`${name}: API`, `${name}: (b)`, rps)),
      spread(ratios(`${name}: API`, `${name}: (c)`, rps)),
    ]);
  const floorTargets = (names: string[]) =>
    names.map((name) => {
      const r = median(ratios(`${name}: API`, `${name}: (c)`, rps));
      return check(r >= TARGET, `${name} ≥ ${TARGET} × (c) in req/s (${against(r, TARGET, true)})`);
    });
  const settings = `${ROUNDS} rounds of ${seconds} s per request, 8 connections; the two sides of a ratio back to back, each first in every other round; ${machine()}.`;
  const command = `\`npm run bench${quick ? " -- --quick" : ""}\``;

  if (documents) {
    const endpointRows = [
      ...ENDPOINTS.flatMap(([name]) => [
        [name, smallLabel, ...medians(`${name} @ ${smallLabel}`)],
        [name, largeLabel, ...medians(`${name} @ ${largeLabel}`)],
      ]),
      ...deep.map(([name]) => [
        `${name}, page 500`,
        largeLabel,
        ...medians(`${name}, page 500 @ ${largeLabel}`),
      ]),
    ];
    const [ceiling] = medians("(a) fixed JSON");
    const floorRows = againstFloors(DOCUMENTS.map(([name]) => name));
    const scale = [
      ...ENDPOINTS.map(([name]) => ({
        name: `${name}: p50 at ${largeLabel} ÷ at ${smallLabel}`,
        values: ratios(`${name} @ ${largeLabel}`, `${name} @ ${smallLabel}`, p50),
      })),
      ...deep.map(([name]) => ({
        name: `${name}: p50 of page 500 ÷ page 1, at ${largeLabel}`,
        values: ratios(`${name}, page 500 @ ${largeLabel}`, `${name}, page 1 @ ${largeLabel}`, p50),
      })),
    ];
    const targets = [
      ...floorTargets(DOCUMENTS.map(([name]) => name)),
      ...scale.map(({ name, values }) => {
        const r = median(values);
        return check(r <= SCALE, `${name} ≤ ${SCALE} (${against(r, SCALE, false)})`);
      }),
    ];

    writeResults(
      "load",
      [
        `${command}: ${settings}`,
        "",
        `Endpoints, median of the rounds (rows per table: the dataset's conversations and snapshots, 10 messages each):`,
        "",
        table(["request", "rows per table", "req/s", "p50 ms", "p99 ms", "errors"], endpointRows),
        "",
        `The GET documents against the floors, ${largeLabel} rows; req/s medians, ratios as median (range) of the rounds. (a) fixed JSON, the harness's ceiling: ${ceiling} req/s.`,
        "",
        table(
          ["request", "API req/s", "(b) req/s", "(c) req/s", "API ÷ (b)", "API ÷ (c)"],
          floorRows,
        ),
        "",
        "Scale, p50 ratios as median (range) of the rounds:",
        "",
        table(
          ["ratio", "value"],
          scale.map(({ name, values }) => [name, spread(values)]),
        ),
        "",
        "Targets:",
        "",
        ...targets,
      ].join("\n"),
    );
  }
  if (floored) {
    const names = FLOORED.map(([name]) => name);
    const depth = DEEP_LISTS.map(({ name }) => ({
      name: `${name}: p50 of page 500 ÷ page 1, at ${largeLabel}`,
      page1: medians(`${name}, page 1 (depth)`),
      page500: medians(`${name}, page 500`),
      values: ratios(`${name}, page 500`, `${name}, page 1 (depth)`, p50),
    }));
    writeResults(
      "floors",
      [
        `${command}: ${settings}`,
        "",
        `Writes and list pages against their floors, ${largeLabel} rows; req/s medians, ratios as median (range) of the rounds. (b) does the same write as one batch, or sends the list page's statement; (c) adds the platform services.`,
        "",
        table(
          ["request", "API req/s", "(b) req/s", "(c) req/s", "API ÷ (b)", "API ÷ (c)"],
          againstFloors(names),
        ),
        "",
        "",
        `List pages at depth, the API on ${largeLabel} rows, measured before the writes of the table above: page 1 and page 500 back to back in each round, each first in every other round; p50 in ms as medians, their ratio as median (range) of the rounds.`,
        "",
        table(
          ["list", "page 1 p50", "page 500 p50", "page 500 ÷ page 1"],
          depth.map(({ name, page1, page500, values }) => [
            name.split(":")[0] as string,
            page1[1] as number,
            page500[1] as number,
            spread(values),
          ]),
        ),
        "",
        "Targets:",
        "",
        ...floorTargets(names),
        ...depth.map(({ name, values }) => {
          const r = median(values);
          return check(r <= SCALE, `${name} ≤ ${SCALE} (${against(r, SCALE, false)})`);
        }),
      ].join("\n"),
    );
  }
}

type Next = (response: Response, body: unknown) => string | null;

/** The next page of a list in the Training envelope (`pagination.nextCursor`). */
const cursorNext =
  (first: string): Next =>
  (_, body) => {
    const cursor = (body as { pagination: { nextCursor: string | null } }).pagination.nextCursor;
    return cursor ? `${first}&cursor=${cursor}` : null;
  };

const linkNext: Next = (response) =>
  /<https?:\/\/[^/]+([^>]+)>/.exec(response.headers.get("link") ?? "")?.[1] ?? null;

/** Follows a list's cursors from its first page to page 500; that page's path. */
async function pageOf(api: Api, first: string, auth: Auth, next: Next): Promise<string> {
  const headers = await api.headers(auth);
  let path: string | null = first;
  for (let page = 1; page < 500; page++) {
    status(`finding page 500 of ${first}: page ${page} …`);
    const response: Response = await fetch(`${api.url}${path}`, { headers });
    path = next(response, await response.json());
    if (!path) throw new Error(`${first}: no page ${page + 1}`);
  }
  return path;
}
