/**
 * The typed client: `hono/client` with the API's own type, so paths, parameters, bodies and
 * responses are checked by TypeScript. Run against the dev server with `npm run client:example`
 * (API_URL to point elsewhere); test/routes/typed-client.test.ts runs it against the app.
 */
import { hc } from "hono/client";
import type { AppType } from "../src/index";

const ACME = "65a0e0e0e0e0e0e0e0e0e0e0";
const SNAPSHOT = "67f1a0b0c0d0e0f0a0b0c0d0";
const CONVERSATION = "112ec528bf7946a12ab0fs21";

export async function runClientExample(baseUrl: string, fetchImpl: typeof fetch = fetch) {
  const client = hc<AppType>(baseUrl, { fetch: fetchImpl });

  const login = await client.api.auth.login.$post({
    json: { email: "alice@example.com", password: "demo-password-123" },
  });
  if (login.status !== 200) throw new Error(`login: ${login.status}`);
  const { data: session } = await login.json();

  const snapshotResponse = await client.api.training.snapshots[":id"].$get(
    { param: { id: SNAPSHOT } },
    { headers: { authorization: `Bearer ${session.token}` } },
  );
  if (snapshotResponse.status !== 200) throw new Error(`snapshot: ${snapshotResponse.status}`);
  const { data: snapshot } = await snapshotResponse.json();

  const conversationResponse = await client.v1.api.conversations[":conversationId"].$get(
    { param: { conversationId: CONVERSATION } },
    {
      headers: {
        "x-api-key": "dev_acme_0123456789abcdef0123456789abcdef",
        "x-workspace-id": ACME,
      },
    },
  );
  if (conversationResponse.status !== 200) {
    throw new Error(`conversation: ${conversationResponse.status}`);
  }
  const conversation = await conversationResponse.json();

  const statsResponse = await client.api.training.reviews.stats.$get(
    { query: { groupBy: "agent" } },
    { headers: { authorization: `Bearer ${session.token}` } },
  );
  if (statsResponse.status !== 200) throw new Error(`review stats: ${statsResponse.status}`);
  const { data: stats } = await statsResponse.json();

  return {
    user: `${session.user.firstName} ${session.user.lastName} (${session.user.role})`,
    snapshot: { id: snapshot._id, messages: snapshot.messageCount, tags: snapshot.tags },
    conversation: { id: conversation._id, customer: conversation.customer.name },
    reviews: { groupBy: stats.groupBy, total: stats.total.key },
  };
}

const cli = (
  globalThis as { process?: { argv: string[]; env: Record<string, string | undefined> } }
).process;
if (cli && (import.meta as { url?: string }).url === `file://${cli.argv[1]}`) {
  const result = await runClientExample(cli.env.API_URL ?? "http://localhost:8787");
  console.log(JSON.stringify(result, null, 2));
}
