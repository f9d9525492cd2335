import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ACME, ACME_KEY, DEMO_PASSWORD, DOCS_CONVERSATION, SNAPSHOT } from "../helpers/seed";

/** Through the deployed entry point (src/index.ts), not the app factory: the Worker really serves it. */
describe("the Worker's fetch handler", () => {
  it("logs in, then serves both documented GETs", async () => {
    const worker = exports.default;
    const login = await worker.fetch("http://api.test/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "alice@example.com", password: DEMO_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { data } = (await login.json()) as { data: { token: string } };

    const snapshot = await worker.fetch(`http://api.test/api/training/snapshots/${SNAPSHOT}`, {
      headers: { authorization: `Bearer ${data.token}` },
    });
    expect(snapshot.status).toBe(200);
    expect(((await snapshot.json()) as { data: { _id: string } }).data._id).toBe(SNAPSHOT);

    const conversation = await worker.fetch(
      `http://api.test/v1/api/conversations/${DOCS_CONVERSATION}`,
      {
        headers: { "x-api-key": ACME_KEY, "x-workspace-id": ACME },
      },
    );
    expect(conversation.status).toBe(200);
    expect(((await conversation.json()) as { _id: string })._id).toBe(DOCS_CONVERSATION);
  });
});
