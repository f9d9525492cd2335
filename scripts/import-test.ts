/**
 * `npm run test:import`: the import CLI end to end against a fresh local database, as an operator
 * runs it: both formats, a JSON array and JSON lines, a byte order mark, batches smaller than the
 * file, a record larger than a D1 statement, refused records (exit 1, position and rule named),
 * re-runs that change nothing (also after the data was edited), ids repeated in one file or held
 * by another organization, a NUL character, a file that does not exist, an unknown workspace, and
 * the memory a file of huge fields costs. Checks the rows in D1 after each step.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareState } from "./lib/local-server";

const ACME = "65a0e0e0e0e0e0e0e0e0e0e0";
const GLOBEX = "66b0e0e0e0e0e0e0e0e0e0e0";
const dir = mkdtempSync(join(tmpdir(), "import-test-"));
const persist = join(dir, "state");
const env = { ...process.env, LOCAL_D1_PERSIST_TO: persist };
let failed = false;

function check(what: string, ok: boolean, detail = "") {
  console.log(`import-test: ${ok ? "ok  " : "FAIL"} ${what}${ok || !detail ? "" : `: ${detail}`}`);
  if (!ok) failed = true;
}

function run(args: string[]) {
  // Through the npm script, as an operator runs it (its Node flags bound the heap).
  const result = spawnSync("npm", ["run", "-s", "import", "--", ...args], {
    env,
    encoding: "utf8",
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

function d1(sql: string): Record<string, unknown>[] {
  const output = execFileSync(
    "wrangler",
    ["d1", "execute", "DB", "--local", "--persist-to", persist, "--json", "--command", sql],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, CI: "1" } },
  );
  return (JSON.parse(output) as { results: Record<string, unknown>[] }[]).at(-1)?.results ?? [];
}

const count = (sql: string) => Number(d1(sql)[0]?.n ?? -1);
const lines = (...records: unknown[]) => records.map((r) => JSON.stringify(r)).join("\n");
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

try {
  await prepareState(persist);
  const sample = (args: string[]) =>
    execFileSync("tsx", ["scripts/import/sample.ts", ...args], { stdio: "ignore" });

  // A JSON array of 120 conversations in batches of ~100 rows: many batches, one import.
  const array = join(dir, "trillet.json");
  sample(["--conversations", "120", "--messages", "3", "--out", array]);
  let result = run(["--format", "trillet", "--workspace", ACME, "--batch-records", "40", array]);
  check("trillet array: exit 0", result.status === 0, result.out);
  check("trillet array: 120 created", /created: 120 conversations/.test(result.out), result.out);
  check(
    "trillet array: rows in D1",
    count("select count(*) as n from messages where id like 'sample-%'") === 360,
  );
  check("trillet array: peak memory reported", /peak memory \d+ MB/.test(result.out), result.out);
  result = run(["--format", "trillet", "--workspace", ACME, array]);
  check(
    "trillet re-run: nothing new",
    /created: 0 conversations; unchanged \(already there\): 120/.test(result.out),
    result.out,
  );
  check(
    "trillet re-run: no duplicate rows",
    count("select count(*) as n from messages where id like 'sample-%'") === 360,
  );

  // JSON lines: a valid record, a refused one, and one larger than a D1 statement (100 KB).
  const big = Array.from({ length: 30 }, (_, i) => ({
    direction: "inbound",
    message: `${i}`.padEnd(10_000, "x"),
  }));
  const jsonl = file(
    "trillet.jsonl",
    lines(
      {
        _id: "lines-1",
        customer: { name: "Line One", phone: "+15550001001" },
        messages: [{ direction: "inbound", message: "hi" }],
      },
      { _id: "lines-2", customer: { phone: "555-0100" } },
      { _id: "lines-3", customer: { email: "big@example.org" }, messages: big },
    ),
  );
  result = run(["--format", "trillet", "--workspace", ACME, jsonl]);
  check("jsonl with a refused record: exit 1", result.status === 1, result.out);
  check(
    "jsonl: the refused record named by position and rule",
    /rejected #2: record\.customer\.phone must be an E\.164 phone number .*\[pattern\]/.test(
      result.out,
    ),
    result.out,
  );
  check(
    "jsonl: the others imported",
    /records: 3 \(2 accepted, 1 rejected\)/.test(result.out),
    result.out,
  );
  check(
    "jsonl: a 300 KB record written whole",
    count("select count(*) as n from messages where conversation_id = 'lines-3'") === 30,
  );

  // An existing conversation is left exactly as it is: a re-import whose record now has one more
  // message adds nothing to it.
  const grown = file(
    "grown.jsonl",
    lines({
      _id: "lines-1",
      customer: { name: "Line One", phone: "+15550001001" },
      messages: [
        { direction: "inbound", message: "hi" },
        { _id: "lines-1-late", direction: "inbound", message: "a message added later" },
      ],
    }),
  );
  result = run(["--format", "trillet", "--workspace", ACME, grown]);
  check(
    "re-import of a grown conversation: unchanged, exit 0",
    result.status === 0 && /unchanged \(already there\): 1/.test(result.out),
    result.out,
  );
  check(
    "re-import of a grown conversation: no message appended",
    count("select count(*) as n from messages where conversation_id = 'lines-1'") === 1,
  );

  // Two records with one id: the second is refused and named, not merged into the first.
  const twice = file(
    "twice.jsonl",
    lines(
      {
        _id: "twice-1",
        customer: { phone: "+15550002001" },
        messages: [{ _id: "twice-a", direction: "inbound", message: "first copy" }],
      },
      {
        _id: "twice-1",
        customer: { phone: "+15550002001" },
        messages: [{ _id: "twice-b", direction: "inbound", message: "second copy" }],
      },
    ),
  );
  result = run(["--format", "trillet", "--workspace", ACME, twice]);
  check(
    "an id twice in one file: the second rejected and named, exit 1",
    result.status === 1 && /rejected #2: .*twice-1.* earlier in the file \(#1\)/.test(result.out),
    result.out,
  );
  check(
    "an id twice in one file: only the first's messages",
    count("select count(*) as n from messages where conversation_id = 'twice-1'") === 1 &&
      count("select count(*) as n from messages where id = 'twice-b'") === 0,
  );
  // The same across batches (one record per batch).
  result = run(["--format", "trillet", "--workspace", ACME, "--batch-records", "1", twice]);
  check(
    "an id twice across batches: rejected as a repeat, not counted unchanged",
    result.status === 1 &&
      /rejected #2: .*twice-1.* earlier in the file \(#1\)/.test(result.out) &&
      /unchanged \(already there\): 1/.test(result.out),
    result.out,
  );

  // A message id another organization holds: the record is reported by name, not dropped
  // silently.
  const acmeMessage = file(
    "acme-message.jsonl",
    lines({
      _id: "acme-conv-77",
      customer: { phone: "+15550003002" },
      messages: [{ _id: "held-by-acme", direction: "inbound", message: "Acme's" }],
    }),
  );
  run(["--format", "trillet", "--workspace", ACME, acmeMessage]);
  const globexMessage = file(
    "globex-message.jsonl",
    lines({
      _id: "globex-conv-77",
      customer: { phone: "+15550003003" },
      messages: [{ _id: "held-by-acme", direction: "inbound", message: "Globex's" }],
    }),
  );
  result = run(["--format", "trillet", "--workspace", GLOBEX, globexMessage]);
  check(
    "a message id held by another organization: named, exit 1",
    result.status === 1 &&
      /not imported, id held by another organization: 1/.test(result.out) &&
      /#1 message held-by-acme/.test(result.out),
    result.out,
  );
  check(
    "a message id held by another organization: nothing of the record written",
    count("select count(*) as n from conversations where id = 'globex-conv-77'") === 0,
  );

  // A NUL character refuses its record alone.
  const nul = file(
    "nul.jsonl",
    lines(
      {
        _id: "nul-1",
        customer: { phone: "+15550004001" },
        messages: [{ direction: "inbound", message: "fine" }],
      },
      {
        _id: "nul-2",
        customer: { name: "Bad \u0000 Byte", phone: "+15550004002" },
        messages: [{ direction: "inbound", message: "fine too" }],
      },
      {
        _id: "nul-3",
        customer: { phone: "+15550004003" },
        messages: [{ direction: "inbound", message: "also fine" }],
      },
    ),
  );
  result = run(["--format", "trillet", "--workspace", ACME, nul]);
  check(
    "a NUL character: that record rejected, exit 1",
    result.status === 1 &&
      /rejected #2: record\.customer\.name must not contain control characters/.test(result.out),
    result.out,
  );
  check(
    "a NUL character: the others imported",
    count("select count(*) as n from conversations where id in ('nul-1', 'nul-3')") === 2,
  );

  // A user id that is not a user of the workspace: refused as the API refuses it.
  const stranger = file(
    "stranger.jsonl",
    lines({
      _id: "stranger-1",
      userId: "0123456789abcdef01234567",
      customer: { phone: "+15550005001" },
    }),
  );
  result = run(["--format", "trillet", "--workspace", ACME, stranger]);
  check(
    "an unknown userId: rejected with the API's rule",
    result.status === 1 && /rejected #1: record\.userId .*\[unknown_user\]/.test(result.out),
    result.out,
  );

  // A byte order mark is accepted, in JSON lines and in an array.
  result = run([
    "--format",
    "trillet",
    "--workspace",
    ACME,
    file(
      "bom.jsonl",
      `\ufeff${lines({ _id: "bom-1", customer: { phone: "+15550006001" } }, { _id: "bom-2", customer: { phone: "+15550006002" } })}`,
    ),
  ]);
  check(
    "a BOM before JSON lines: imported",
    result.status === 0 && /created: 2 conversations/.test(result.out),
    result.out,
  );
  result = run([
    "--format",
    "trillet",
    "--workspace",
    ACME,
    file("bom.json", `\ufeff[${JSON.stringify({ _id: "bom-3", customer: {} })}]`),
  ]);
  check(
    "a BOM before a JSON array: imported",
    result.status === 0 && /created: 1 conversations/.test(result.out),
    result.out,
  );

  // Text the API refuses is refused here too: a lone surrogate escaped in a record, a customer
  // name too long for a contact, and a file that is not UTF-8.
  const odd = join(dir, "odd.jsonl");
  writeFileSync(
    odd,
    [
      '{"_id":"odd-1","customer":{"name":"Ada \\ud800"}}',
      `{"_id":"odd-2","customer":{"name":"${"F".repeat(101)} Last"}}`,
      '{"_id":"odd-3","customer":{"name":"Ada Lovelace"}}',
    ].join("\n"),
  );
  result = run(["--format", "trillet", "--workspace", ACME, odd]);
  check(
    "lone surrogate: rejected, named",
    result.status === 1 &&
      /rejected #1: record\.customer\.name must not contain a lone surrogate .*\[pattern\]/.test(
        result.out,
      ),
    result.out,
  );
  check(
    "customer name too long for a contact: rejected, named",
    /rejected #2: record\.customer\.name must have at most 100 characters before its first space.*\[max_length\]/.test(
      result.out,
    ),
    result.out,
  );
  check(
    "odd records: the valid one imported",
    /records: 3 \(1 accepted, 2 rejected\)/.test(result.out),
    result.out,
  );
  // A record that is not UTF-8 (a Latin-1 é) is refused alone, not stored with U+FFFD.
  const notUtf8 = join(dir, "latin1.jsonl");
  writeFileSync(
    notUtf8,
    Buffer.concat([
      Buffer.from('{"_id":"latin-1","customer":{"name":"Ren'),
      Buffer.from([0xe9]),
      Buffer.from('"}}\n{"_id":"latin-2","customer":{"name":"Ren\u00e9"}}\n'),
    ]),
  );
  result = run(["--format", "trillet", "--workspace", ACME, notUtf8]);
  check(
    "a record that is not UTF-8: rejected alone, exit 1",
    result.status === 1 &&
      /rejected #1: record is not valid UTF-8/.test(result.out) &&
      count("select count(*) as n from conversations where id = 'latin-1'") === 0 &&
      count("select count(*) as n from conversations where id = 'latin-2'") === 1,
    result.out,
  );

  // A Tether export: contacts (matched by phone, then email) and snapshots with their messages.
  const tether = join(dir, "tether.json");
  sample(["--format", "tether", "--conversations", "50", "--messages", "4", "--out", tether]);
  result = run(["--format", "tether", "--workspace", ACME, tether]);
  check(
    "tether: 50 snapshots created",
    result.status === 0 && /created: 50 snapshots/.test(result.out),
    result.out,
  );
  check(
    "tether: message copies",
    count(
      "select count(*) as n from training_snapshot_messages where snapshot_id in (select id from training_snapshots where customer_name like 'Export Customer %')",
    ) === 200,
  );
  check(
    "tether: contacts made from the customers",
    count("select count(*) as n from contacts where email like 'export-%@sample.example'") === 50,
  );

  // Edited after the import, then imported again: the edit stays, no old tag or copy comes back.
  const [edited] = d1(
    "select id from training_snapshots where customer_name = 'Export Customer 0'",
  ) as { id: string }[];
  const id = edited?.id ?? "";
  d1(
    `update training_snapshots set tags = '["edited"]' where id = '${id}'; delete from training_snapshot_tags where snapshot_id = '${id}'; insert into training_snapshot_tags (snapshot_id, tag, organization_id, is_archived, created_at) select id, 'edited', organization_id, is_archived, created_at from training_snapshots where id = '${id}'; delete from training_snapshot_messages where snapshot_id = '${id}' and position > 0`,
  );
  result = run(["--format", "tether", "--workspace", ACME, tether]);
  check(
    "tether re-run: nothing new",
    result.status === 0 && /created: 0 snapshots; unchanged \(already there\): 50/.test(result.out),
    result.out,
  );
  check(
    "tether re-run after an edit: the tag index keeps the edit",
    count(`select count(*) as n from training_snapshot_tags where snapshot_id = '${id}'`) === 1,
  );
  check(
    "tether re-run after an edit: no message copies put back",
    count(`select count(*) as n from training_snapshot_messages where snapshot_id = '${id}'`) === 1,
  );

  // A snapshot id another organization holds: a new id derived from the workspace and the
  // original, reported; running it again changes nothing.
  const held = d1(`select id from training_snapshots where organization_id = '${ACME}' limit 1`)[0]
    ?.id as string;
  const foreignExport = file(
    "foreign-export.json",
    JSON.stringify({
      exportDate: "2025-01-01T00:00:00.000Z",
      data: [
        {
          id: held,
          customer: { name: "Moved Over", email: "moved@example.org" },
          conversation: [
            {
              role: "user",
              content: "Hello",
              timestamp: "2025-01-01T00:00:00.000Z",
              senderType: "human",
            },
          ],
          metadata: { tags: ["copied"] },
        },
      ],
    }),
  );
  result = run(["--format", "tether", "--workspace", GLOBEX, foreignExport]);
  const mapped = new RegExp(`#1 snapshot ${held} → ([0-9a-f]{24})`).exec(result.out)?.[1];
  check(
    "a snapshot id held by another organization: a new id, reported",
    result.status === 0 && /created: 1 snapshots/.test(result.out) && mapped !== undefined,
    result.out,
  );
  check(
    "a snapshot id held by another organization: stored under the new id",
    count(
      `select count(*) as n from training_snapshots where id = '${mapped}' and organization_id = '${GLOBEX}'`,
    ) === 1,
  );
  result = run(["--format", "tether", "--workspace", GLOBEX, foreignExport]);
  check(
    "a snapshot id held by another organization: the re-run is unchanged",
    result.status === 0 && /created: 0 snapshots; unchanged \(already there\): 1/.test(result.out),
    result.out,
  );

  // Memory: three records of 10 MB each stay one record at a time in memory.
  const huge = join(dir, "huge.json");
  writeFileSync(
    huge,
    `[${[1, 2, 3]
      .map((i) =>
        JSON.stringify({
          _id: `huge-${i}`,
          customer: { phone: `+1555000700${i}` },
          messages: [{ direction: "inbound", message: "y".repeat(10_000_000) }],
        }),
      )
      .join(",")}]`,
  );
  result = run(["--format", "trillet", "--workspace", ACME, huge]);
  const peak = Number(/peak memory (\d+) MB/.exec(result.out)?.[1] ?? Number.NaN);
  check(
    `a 30 MB array of three 10 MB fields: each refused, peak memory ${peak} MB < 150 MB`,
    result.status === 1 && /records: 3 \(0 accepted, 3 rejected\)/.test(result.out) && peak < 150,
    result.out,
  );

  // A record larger than any valid one is refused without being held in memory.
  result = run([
    "--format",
    "trillet",
    "--workspace",
    ACME,
    file(
      "oversized.jsonl",
      lines(
        {
          _id: "oversized-1",
          customer: {},
          messages: [{ direction: "inbound", message: "z".repeat(17 * 2 ** 20) }],
        },
        { _id: "oversized-2", customer: {} },
      ),
    ),
  ]);
  check(
    "a record over 16 MiB: refused by size, the next one imported",
    result.status === 1 &&
      /rejected #1: record is 17\.0 MiB, more than the 16 MiB a record may be/.test(result.out) &&
      /created: 1 conversations/.test(result.out),
    result.out,
  );

  result = run(["--format", "trillet", "--workspace", ACME, join(dir, "no-such-file.json")]);
  check(
    "a missing file: exit 2, one line",
    result.status === 2 &&
      result.out.trim().split("\n").length === 1 &&
      /no-such-file/.test(result.out),
    result.out,
  );

  result = run(["--format", "trillet", "--workspace", "0123456789abcdef01234567", array]);
  check(
    "unknown workspace: exit 2",
    result.status === 2 && /no organization/.test(result.out),
    result.out,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (failed) {
  console.error("import-test: FAILED");
  process.exitCode = 1;
} else console.log("import-test: OK");
