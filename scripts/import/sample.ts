/**
 * `npm run import:sample -- [--format trillet|tether] [--conversations 10000] [--messages 20]
 * [--out <file>]`: a file of generated records, written as a stream, for trying and measuring
 * `npm run import`: Trillet conversations (JSON array, GET-by-id shape), or a Tether training
 * export document.
 */
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    conversations: { type: "string", default: "10000" },
    messages: { type: "string", default: "20" },
    out: { type: "string", default: "sample.json" },
    format: { type: "string", default: "trillet" },
  },
});
const count = Number(values.conversations);
const perConversation = Number(values.messages);
const out = createWriteStream(values.out);
const write = (text: string) =>
  new Promise<void>((resolve) =>
    out.write(text) ? resolve() : out.once("drain", () => resolve()),
  );

const start = Date.parse("2025-01-01T00:00:00.000Z");

/** A Tether export item: a curated conversation with its customer and metadata. */
const tetherItem = (i: number) => ({
  id: `tether-${i}`,
  customer: {
    name: `Export Customer ${i}`,
    phone: `+1666${String(1_000_000 + i).slice(-7)}`,
    email: `export-${i}@sample.example`,
  },
  conversation: Array.from({ length: perConversation }, (_, j) => ({
    role: j % 2 === 0 ? "user" : "assistant",
    content: j % 2 === 0 ? `Customer line ${j} of ${i}` : `Agent line ${j} of ${i}`,
    timestamp: new Date(start + i * 60_000 + j * 1000).toISOString(),
    senderType: j % 2 === 0 ? "human" : "AI",
  })),
  metadata: {
    quality: ["good", "neutral", "bad"][i % 3],
    tags: ["imported", `batch-${i % 4}`],
    messageCount: perConversation,
  },
});

if (values.format === "tether") {
  await write(
    `{"exportDate":"${new Date(start).toISOString()}","organizationId":"elsewhere","data":[\n`,
  );
  for (let i = 0; i < count; i++)
    await write(`${i > 0 ? ",\n" : ""}${JSON.stringify(tetherItem(i))}`);
  await write(`\n],"totalSnapshots":${count}}\n`);
  await new Promise((resolve) => out.end(resolve));
  console.log(
    `import:sample: a Tether export of ${count} snapshots × ${perConversation} messages → ${values.out}`,
  );
  process.exit(0);
}

await write("[\n");
for (let i = 0; i < count; i++) {
  const at = start + i * 60_000;
  const conversation = {
    _id: `sample-${i}`,
    userId: null,
    pathwayId: `pw-sample-${i % 7}`,
    agentId: `ag-sample-${i % 3}`,
    customer: {
      name: `Sample Customer ${i}`,
      email: `customer-${i % 5000}@sample.example`,
      phone: `+1555${String(1_000_000 + (i % 5000)).slice(-7)}`,
    },
    messages: Array.from({ length: perConversation }, (_, j) => ({
      _id: `sample-${i}-${j}`,
      direction: j % 2 === 0 ? "inbound" : "outbound",
      sent: true,
      message: j % 2 === 0 ? `Question ${j} about order ${i}` : `Answer ${j} for order ${i}`,
      status: j % 2 === 0 ? "received" : "delivered",
      createdAt: new Date(at + j * 1000).toISOString(),
      updatedAt: new Date(at + j * 1000).toISOString(),
    })),
    createdAt: new Date(at).toISOString(),
    updatedAt: new Date(at + perConversation * 1000).toISOString(),
  };
  await write(`${i > 0 ? ",\n" : ""}${JSON.stringify(conversation)}`);
}
await write("\n]\n");
await new Promise((resolve) => out.end(resolve));
console.log(`import:sample: ${count} conversations × ${perConversation} messages → ${values.out}`);
