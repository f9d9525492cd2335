import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runClientExample } from "../../scripts/client-example";
import { app } from "../helpers/app";

describe("the typed client example (hono/client with AppType)", () => {
  it("logs in, fetches a snapshot, a conversation and the review stats", async () => {
    const result = await runClientExample("http://api.test", (input, init) =>
      Promise.resolve(app.request(input instanceof Request ? input : String(input), init, env)),
    );
    expect(result).toEqual({
      user: "Alice Rivera (manager)",
      snapshot: { id: "67f1a0b0c0d0e0f0a0b0c0d0", messages: 4, tags: ["sales", "pricing"] },
      conversation: { id: "112ec528bf7946a12ab0fs21", customer: "Test Customer Name" },
      reviews: { groupBy: "agent", total: "total" },
    });
  });
});
