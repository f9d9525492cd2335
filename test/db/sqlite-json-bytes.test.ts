import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { request } from "../helpers/app";
import { apiKeyHeaders, bearer, tokenFor } from "../helpers/auth";
import { insertContact, insertConversation, insertSnapshot } from "../helpers/factories";

/*
 * The GETs answer JSON that SQLite builds (json_object), not JSON.stringify. Clients compare
 * values, but ETags hash bytes: the documents must be written exactly as JavaScript writes them
 * (escapes, unicode, numbers), or every cached ETag would change with the way it is built.
 */

const HOSTILE = [
  'quote " backslash \\ slash /',
  "line\nfeed\ttab\rreturn",
  "control \u0001\u0007\u001f and delete \u007f",
  "unicode é ñ 漢字 and emoji 😀👍🏽",
  "separators \u2028 \u2029",
  "<script>alert(1)</script> & ' `",
  "   padded   ",
];

const canonical = (text: string) => JSON.stringify(JSON.parse(text));

describe("documents built in SQLite are JavaScript's JSON, byte for byte", () => {
  it.each(HOSTILE)("a snapshot with %j", async (text) => {
    const contact = await insertContact({ firstName: text, lastName: text });
    const { snapshot } = await insertSnapshot({
      contactId: contact.id,
      fields: { customerName: text, notes: text, category: text, tags: [text, "x"] },
    });
    await env.DB.prepare("update training_snapshot_messages set content = ? where snapshot_id = ?")
      .bind(text, snapshot.id)
      .run();
    const response = await request(
      `/api/training/snapshots/${snapshot.id}`,
      bearer(await tokenFor()),
    );
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body).toBe(canonical(body));
    const data = JSON.parse(body).data;
    expect(data.notes).toBe(text);
    expect(data.contactId.firstName).toBe(text);
    expect(data.messages[0].content).toBe(text);
    expect(data.tags).toEqual([text, "x"]);
  });

  it.each(HOSTILE)("a conversation with %j", async (text) => {
    const contact = await insertContact({ firstName: text, lastName: "" });
    const { conversation } = await insertConversation({ contactId: contact.id });
    await env.DB.prepare("update messages set message = ? where conversation_id = ?")
      .bind(text, conversation.id)
      .run();
    const response = await request(`/v1/api/conversations/${conversation.id}`, apiKeyHeaders());
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body).toBe(canonical(body));
    const doc = JSON.parse(body);
    expect(doc.customer.name).toBe(text.trim() ? text : (contact.email ?? null));
    expect(doc.messages.map((m: { message: string }) => m.message)).toEqual([text, text]);
  });
});
