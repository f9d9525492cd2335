/**
 * `npm run test:import`: the import CLI end to end against a fresh local database: both formats,
 * a JSON array and JSON lines, chunks smaller than the file, a record larger than a D1
 * statement, a rejected record (exit 1, its position and rule named), a re-run that changes
 * nothing, and an unknown workspace. Checks the rows in D1 after each step.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareState } from "./lib/local-server";

const ACME = "65a0e0e0e0e0e0e0e0e0e0e0";
const dir = mkdtempSync(join(tmpdir(), "import-test-"));
const persist = join(dir, "state");
const env = { ...process.env, LOCAL_D1_PERSIST_TO: persist };
let failed = false;

function check(what: string, ok: boolean, detail = "") {
  console.log(`import-test: ${ok ? "ok  " : "FAIL"} ${what}${ok || !detail ? "" : `: ${detail}`}`);
  if (!ok) failed = true;
}

function run(args: string[]) {
  const result = spawnSync("tsx", ["scripts/import.ts", ...args], { env, encoding: "utf8" });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

function count(sql: string): number {
  const output = execFileSync(
    "wrangler",
    ["d1", "execute", "DB", "--local", "--persist-to", persist, "--json", "--command", sql],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, CI: "1" } },
  );
  return (JSON.parse(output) as { results: { n: number }[] }[])[0]?.results[0]?.n ?? -1;
}

try {
  await prepareState(persist);
  const sample = (args: string[]) =>
    execFileSync("tsx", ["scripts/import/sample.ts", ...args], { stdio: "ignore" });

  // A JSON array of 120 conversations in chunks of ~100 rows: many files, one import.
  const array = join(dir, "trillet.json");
  sample(["--conversations", "120", "--messages", "3", "--out", array]);
  let result = run(["--format", "trillet", "--workspace", ACME, "--chunk-rows", "100", array]);
  check("trillet array: exit 0", result.status === 0, result.out);
  check("trillet array: 120 created", /created: 120 conversations/.test(result.out), result.out);
  check(
    "trillet array: rows in D1",
    count("select count(*) as n from messages where id like 'sample-%'") === 360,
  );
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
  const lines = join(dir, "trillet.jsonl");
  const big = Array.from({ length: 30 }, (_, i) => ({
    direction: "inbound",
    message: `${i}`.padEnd(10_000, "x"),
  }));
  writeFileSync(
    lines,
    [
      {
        _id: "lines-1",
        customer: { name: "Line One", phone: "+15550001001" },
        messages: [{ direction: "inbound", message: "hi" }],
      },
      { _id: "lines-2", customer: { phone: "555-0100" } },
      { _id: "lines-3", customer: { email: "big@example.org" }, messages: big },
    ]
      .map((r) => JSON.stringify(r))
      .join("\n"),
  );
  result = run(["--format", "trillet", "--workspace", ACME, lines]);
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
    "jsonl: a 300 KB record split into statements",
    count("select count(*) as n from messages where conversation_id = 'lines-3'") === 30,
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
  const notUtf8 = join(dir, "latin1.jsonl");
  writeFileSync(
    notUtf8,
    Buffer.concat([
      Buffer.from('{"_id":"latin-1","customer":{"name":"Ren'),
      Buffer.from([0xe9]),
      Buffer.from('"}}\n'),
    ]),
  );
  result = run(["--format", "trillet", "--workspace", ACME, notUtf8]);
  check(
    "a file that is not UTF-8: exit 2, nothing stored",
    result.status === 2 &&
      /not valid UTF-8/.test(result.out) &&
      count("select count(*) as n from conversations where id = 'latin-1'") === 0,
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
      "select count(*) as n from training_snapshot_messages where message_id in (select message_id from training_snapshot_messages) and snapshot_id in (select id from training_snapshots where customer_name like 'Export Customer %')",
    ) === 200,
  );
  check(
    "tether: contacts made from the customers",
    count("select count(*) as n from contacts where email like 'export-%@sample.example'") === 50,
  );
  result = run(["--format", "tether", "--workspace", ACME, tether]);
  check("tether re-run: nothing new", /created: 0 snapshots/.test(result.out), result.out);

  // The same ids into another organization: held by Acme, so not imported, and said so (before:
  // counted as "unchanged (already there)" with exit 0).
  result = run(["--format", "trillet", "--workspace", "66b0e0e0e0e0e0e0e0e0e0e0", array]);
  check(
    "ids of another organization: reported, exit 1",
    result.status === 1 &&
      /not imported, id held by another organization: 120/.test(result.out) &&
      /unchanged \(already there\): 0/.test(result.out),
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
