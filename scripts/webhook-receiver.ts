/**
 * `npm run webhook:receiver -- --secret whsec_… [--port 8790] [--exit-after N] [--timeout S]`:
 * a local webhook receiver, to watch deliveries while developing. It verifies each delivery as a
 * receiver in production should (Standard Webhooks, with the `standardwebhooks` library: the
 * signature over `webhook-id.webhook-timestamp.body`, and a timestamp within 5 minutes), prints
 * one line per delivery, and answers 204 (verified) or 400 (refused, which the API retries).
 *
 * With --exit-after N it exits 0 after N verified deliveries, or 1 if --timeout passes first.
 * Loopback URLs are accepted as webhook endpoints only where WEBHOOK_ALLOW_LOOPBACK=true (the
 * local .dev.vars); a deployed API refuses them.
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Webhook } from "standardwebhooks";

const { values } = parseArgs({
  options: {
    secret: { type: "string" },
    port: { type: "string", default: "8790" },
    "exit-after": { type: "string" },
    timeout: { type: "string", default: "0" },
  },
});
const secret = values.secret ?? process.env.WEBHOOK_SECRET;
if (!secret?.startsWith("whsec_")) {
  console.error("webhook:receiver: --secret whsec_… (or WEBHOOK_SECRET) is required");
  process.exit(2);
}
const webhook = new Webhook(secret);
const exitAfter = values["exit-after"] ? Number(values["exit-after"]) : undefined;
let verified = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
    );
    try {
      const payload = webhook.verify(body, headers) as { type: string; data: unknown };
      verified++;
      console.log(
        `verified ${payload.type} ${headers["webhook-id"]} ${JSON.stringify(payload.data).slice(0, 120)}`,
      );
      res.writeHead(204).end();
      if (exitAfter !== undefined && verified >= exitAfter) {
        server.close();
        process.exit(0);
      }
    } catch (error) {
      console.log(
        `refused ${headers["webhook-id"] ?? "(no webhook-id)"}: ${(error as Error).message}`,
      );
      res.writeHead(400, { "content-type": "text/plain" }).end("signature refused\n");
    }
  });
});
server.listen(Number(values.port), "127.0.0.1", () =>
  console.error(`webhook:receiver: listening on http://127.0.0.1:${values.port}/`),
);
const timeout = Number(values.timeout);
if (timeout > 0) {
  setTimeout(() => {
    console.error(
      `webhook:receiver: ${verified} verified deliveries after ${timeout} s; giving up`,
    );
    process.exit(1);
  }, timeout * 1000).unref();
}
