import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  MAX_ATTEMPTS,
  payloadOf,
  queueRetryDelay,
  RETRY_DELAYS,
} from "../../src/platform/events/delivery";
import { json, request } from "../helpers/app";
import { apiKeyHeaders, bearer, newUserToken, tokenFor } from "../helpers/auth";
import { ACME, DOCS_CONVERSATION, GLOBEX, GLOBEX_KEY } from "../helpers/seed";
import {
  adminToken,
  consume,
  createEndpoint,
  deliveriesOf,
  eventsOf,
  receiver,
  recordingQueue,
  verify,
} from "../helpers/webhooks";

type Body = Record<string, any>;

afterEach(async () => {
  await env.DB.batch([
    env.DB.prepare("delete from webhook_endpoints"),
    env.DB.prepare("delete from webhook_events"),
  ]);
});

async function post(path: string, body: unknown, init: RequestInit = apiKeyHeaders()) {
  const response = await request(path, json(body, init));
  return { response, body: (await response.json()) as Body };
}

/** The one element of a list (fails the test otherwise). */
function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

const fanOut = (eventId: string, organizationId = ACME) => ({ organizationId, eventId });

describe("events are written with the change that causes them", () => {
  it("conversation.message.created: the message as GET shows it, signed, verified by standardwebhooks", async () => {
    const { id, secret } = await createEndpoint({ events: ["conversation.message.created"] });
    const added = await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction: "inbound",
      message: "Is my order shipped?",
    });
    expect(added.response.status).toBe(201);
    const [event] = await eventsOf("conversation.message.created");
    expect(event?.queued_at).toEqual(expect.any(Number));
    const data = JSON.parse(event?.data);
    expect(data).toEqual({ conversationId: DOCS_CONVERSATION, message: added.body });

    const { received, send } = receiver([200]);
    const { queue, sent } = recordingQueue();
    const result = await consume([fanOut(event?.id)], { send, queue });
    expect(result.explicitAcks).toHaveLength(1);
    expect(received).toHaveLength(1);
    const delivery = only(received);
    expect(delivery.url).toBe("https://hooks.example.com/edge");
    expect(delivery.headers["content-type"]).toBe("application/json");
    expect(delivery.headers["webhook-id"]).toBe(event?.id);
    // The reference implementation accepts it (and would throw on a bad signature or time).
    const payload = verify(secret, delivery);
    expect(payload).toEqual({
      type: "conversation.message.created",
      timestamp: new Date(event?.created_at).toISOString(),
      data: { conversationId: DOCS_CONVERSATION, message: added.body },
    });
    expect(() => verify(`whsec_${btoa("x".repeat(32))}`, delivery)).toThrow();
    expect(sent).toEqual([]);
    expect(await deliveriesOf(id)).toEqual([
      expect.objectContaining({
        attempt: 1,
        status: "succeeded",
        response_status: 200,
        next_attempt_at: null,
        event_id: event?.id,
      }),
    ]);
  });

  it("conversation.created carries the conversation exactly as its 201 (and GET) shows it", async () => {
    await createEndpoint({ events: ["conversation.created"] });
    const created = await post("/v1/api/conversations", {
      customer: { name: "Webhook Person", phone: "+13035550999" },
      pathwayId: "pw-hooks",
      messages: [
        { direction: "inbound", message: "Hello" },
        { direction: "outbound", message: "Hi! How can I help?" },
      ],
    });
    expect(created.response.status).toBe(201);
    const [event] = await eventsOf("conversation.created");
    expect(JSON.parse(event?.data)).toEqual(created.body);
  });

  it("message actions announce approved, edited and rejected with the message as it now is, and what the review adds", async () => {
    await createEndpoint({
      events: [
        "conversation.message.approved",
        "conversation.message.edited",
        "conversation.message.rejected",
      ],
    });
    const conversation = `/v1/api/conversations/${DOCS_CONVERSATION}`;
    for (const [action, type, extra] of [
      ["Edit", "conversation.message.edited", { editedMessage: "Edited draft" }],
      ["Approve", "conversation.message.approved", {}],
      ["Reject", "conversation.message.rejected", {}],
    ] as const) {
      const draft = await post(`${conversation}/messages`, {
        direction: "outbound",
        message: "AI draft",
      });
      const acted = await post(`${conversation}/message/${draft.body._id}/action`, {
        metadata: { action, ...extra },
      });
      expect(acted.response.status).toBe(200);
      const shown = (await (await request(conversation, apiKeyHeaders())).json()) as Body;
      const message = shown.messages.find((m: Body) => m._id === draft.body._id);
      const [event] = await eventsOf(type);
      // What the review adds: the text before an edit, the time a verdict took.
      const review =
        action === "Edit" ? { previousMessage: "AI draft" } : { reviewSeconds: expect.any(Number) };
      expect(JSON.parse(event?.data)).toEqual({
        conversationId: DOCS_CONVERSATION,
        message,
        ...review,
      });
    }
    // A refused action (already approved: 409) announces nothing more.
    const before = (await eventsOf("conversation.message.approved")).length;
    const draft = await post(`${conversation}/messages`, { direction: "outbound", message: "x" });
    const path = `${conversation}/message/${draft.body._id}/action`;
    await post(path, { metadata: { action: "Approve" } });
    expect((await post(path, { metadata: { action: "Approve" } })).response.status).toBe(409);
    expect(await eventsOf("conversation.message.approved")).toHaveLength(before + 1);
  });

  it("training.snapshot.created, .updated and .deleted carry the snapshot as GET shows it", async () => {
    await createEndpoint({
      events: [
        "training.snapshot.created",
        "training.snapshot.updated",
        "training.snapshot.deleted",
      ],
    });
    const token = await tokenFor();
    const captured = await post(
      "/api/training/snapshots",
      { contactId: "65c2d0e0f0a0b0c0d0e0f0a0", conversationId: "67d0a0b0c0d0e0f0a0b0c0d0" },
      bearer(token),
    );
    expect(captured.response.status).toBe(201);
    const id = captured.body.data._id;
    const get = async () =>
      ((await (await request(`/api/training/snapshots/${id}`, bearer(token))).json()) as Body).data;
    expect(JSON.parse((await eventsOf("training.snapshot.created"))[0]?.data)).toEqual(await get());

    const patched = await request(
      `/api/training/snapshots/${id}`,
      json(
        { tags: ["hooks", "vip"], quality: "good", notes: 'Webhook ✓ "quoted"' },
        { method: "PATCH", ...bearer(token) },
      ),
    );
    expect(patched.status).toBe(200);
    expect(JSON.parse((await eventsOf("training.snapshot.updated"))[0]?.data)).toEqual(await get());

    const deleted = await request(`/api/training/snapshots/${id}`, {
      method: "DELETE",
      ...bearer(token),
    });
    expect(deleted.status).toBe(204);
    expect(JSON.parse((await eventsOf("training.snapshot.deleted"))[0]?.data)).toEqual({ _id: id });
    // Deleting again (404) and patching a missing snapshot announce nothing.
    await request(`/api/training/snapshots/${id}`, { method: "DELETE", ...bearer(token) });
    await request(
      `/api/training/snapshots/${id}`,
      json({ notes: "x" }, { method: "PATCH", ...bearer(token) }),
    );
    expect(await eventsOf("training.snapshot.deleted")).toHaveLength(1);
    expect(await eventsOf("training.snapshot.updated")).toHaveLength(1);
  });

  it("no listener, no event: disabled endpoints, other types, other organizations", async () => {
    await createEndpoint({ events: ["conversation.message.created"], enabled: false });
    await createEndpoint({ events: ["conversation.created"] });
    await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction: "inbound",
      message: "x",
    });
    expect(await eventsOf("conversation.message.created")).toEqual([]);
    // Globex listens; Acme's message is not Globex's event.
    const { token: globexAdmin } = await newUserToken("admin", GLOBEX);
    await createEndpoint({ events: ["conversation.message.created"] }, globexAdmin);
    await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction: "inbound",
      message: "y",
    });
    expect(await eventsOf("conversation.message.created", ACME)).toEqual([]);
    const globex = await post(
      "/v1/api/conversations/66d0a0b0c0d0e0f0a0b0c0d0/messages",
      { direction: "inbound", message: "z" },
      apiKeyHeaders(GLOBEX_KEY, GLOBEX),
    );
    expect(globex.response.status).toBe(201);
    expect(await eventsOf("conversation.message.created", GLOBEX)).toHaveLength(1);
  });

  it("atomic: a write that fails writes no event, and an event that cannot be written undoes the write", async () => {
    await createEndpoint({ events: ["conversation.created"] });
    // A taken conversation id: 409, no event.
    const taken = await post("/v1/api/conversations", { _id: DOCS_CONVERSATION, customer: {} });
    expect(taken.response.status).toBe(409);
    expect(await eventsOf("conversation.created")).toEqual([]);

    // An event that cannot be stored (a trigger refuses it) fails the whole batch: no conversation.
    await env.DB.prepare(
      "create trigger refuse_events before insert on webhook_events begin select raise(abort, 'refused'); end",
    ).run();
    try {
      const refused = await post("/v1/api/conversations", {
        _id: "atomic-outbox-1",
        customer: { name: "Atomic" },
      });
      expect(refused.response.status).not.toBe(201); // refused by the trigger (a constraint)
    } finally {
      await env.DB.prepare("drop trigger refuse_events").run();
    }
    const row = await env.DB.prepare(
      "select id from conversations where id = 'atomic-outbox-1'",
    ).first();
    expect(row).toBeNull();
  });
});

describe("delivery", () => {
  it("a failure schedules the next attempt of that endpoint alone, same webhook-id, growing delays, then gives up", async () => {
    const failing = await createEndpoint({
      events: ["conversation.message.created"],
      url: "https://fail.example.com/x",
    });
    const working = await createEndpoint({
      events: ["conversation.message.created"],
      url: "https://ok.example.com/x",
    });
    await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction: "inbound",
      message: "retry me",
    });
    const [event] = await eventsOf("conversation.message.created");
    const ids: string[] = [];
    const send = async (req: Request) => {
      ids.push(req.headers.get("webhook-id") ?? "");
      return new Response(null, { status: req.url.startsWith("https://ok.") ? 204 : 503 });
    };
    const { queue, sent } = recordingQueue();
    await consume([fanOut(event?.id)], { send, queue });
    expect(sent).toEqual([
      {
        body: { organizationId: ACME, eventId: event?.id, endpointId: failing.id, attempt: 2 },
        delaySeconds: RETRY_DELAYS[0],
      },
    ]);
    expect((await deliveriesOf(working.id)).map((d) => d.status)).toEqual(["succeeded"]);
    const [first] = await deliveriesOf(failing.id);
    expect(first).toMatchObject({ status: "failed", response_status: 503 });
    expect(first?.next_attempt_at).toBeGreaterThanOrEqual(
      first?.created_at + (RETRY_DELAYS[0] ?? 0) * 1000,
    );

    // Each scheduled attempt, run in turn: the working endpoint is not called again.
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      const next = only(sent.slice(-1));
      expect(next.body).toMatchObject({ attempt });
      expect(next.delaySeconds).toBe(RETRY_DELAYS[attempt - 2]);
      await consume([next.body], { send, queue });
    }
    expect(sent).toHaveLength(MAX_ATTEMPTS - 1); // nothing after the last
    expect(new Set(ids)).toEqual(new Set([event?.id]));
    expect(ids).toHaveLength(1 + MAX_ATTEMPTS);
    const attempts = await deliveriesOf(failing.id);
    expect(attempts.map((d) => d.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(attempts.at(-1)).toMatchObject({ status: "failed", next_attempt_at: null });
    expect(await deliveriesOf(working.id)).toHaveLength(1);
  });

  it("a network error or a timeout is a failure without a status; a redirect is not followed", async () => {
    const { id } = await createEndpoint({ events: ["conversation.message.created"] });
    await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction: "inbound",
      message: "n",
    });
    const [event] = await eventsOf("conversation.message.created");
    const { queue, sent } = recordingQueue();
    await consume([fanOut(event?.id)], { send: receiver(["error"]).send, queue });
    expect((await deliveriesOf(id))[0]).toMatchObject({ status: "failed", response_status: null });
    let redirect: string | undefined;
    await consume([only(sent.slice(0, 1)).body], {
      send: async (req) => {
        redirect = req.redirect;
        return new Response(null, {
          status: 302,
          headers: { location: "http://169.254.169.254/" },
        });
      },
      queue,
    });
    expect(redirect).toBe("manual");
    expect((await deliveriesOf(id))[1]).toMatchObject({ status: "failed", response_status: 302 });
  });

  it("a redelivered queue message does not send a finished attempt again", async () => {
    const { id } = await createEndpoint({ events: ["conversation.message.created"] });
    await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction: "inbound",
      message: "once",
    });
    const [event] = await eventsOf("conversation.message.created");
    const { received, send } = receiver([200]);
    const { queue } = recordingQueue();
    await consume([fanOut(event?.id)], { send, queue });
    await consume([fanOut(event?.id)], { send, queue });
    expect(received).toHaveLength(1);
    expect(await deliveriesOf(id)).toHaveLength(1);
  });

  it("a paused or deleted endpoint gets nothing more, scheduled attempts included", async () => {
    const { id } = await createEndpoint({ events: ["conversation.message.created"] });
    await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction: "inbound",
      message: "p",
    });
    const [event] = await eventsOf("conversation.message.created");
    const { queue, sent } = recordingQueue();
    await consume([fanOut(event?.id)], { send: receiver([500]).send, queue });
    const token = await adminToken();
    await request(
      `/api/webhooks/${id}`,
      json({ enabled: false }, { method: "PATCH", headers: { authorization: `Bearer ${token}` } }),
    );
    expect((await deliveriesOf(id))[0]?.next_attempt_at).toEqual(expect.any(Number));
    const { received, send } = receiver([200]);
    const result = await consume([only(sent.slice(0, 1)).body], { send, queue });
    expect(received).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);
    // The dropped retry shows: the last attempt announces no next one (before: a stale time).
    expect(await deliveriesOf(id)).toEqual([
      expect.objectContaining({ attempt: 1, status: "failed", next_attempt_at: null }),
    ]);
  });

  it("signs with both secrets during a rotation's grace period, each verifiable", async () => {
    const { id, secret } = await createEndpoint({ events: ["conversation.message.created"] });
    const token = await adminToken();
    const rotated = (await (
      await request(`/api/webhooks/${id}/rotate-secret`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as Body;
    await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction: "inbound",
      message: "r",
    });
    const [event] = await eventsOf("conversation.message.created");
    const { received, send } = receiver([200]);
    await consume([fanOut(event?.id)], { send, queue: recordingQueue().queue });
    const delivery = only(received);
    expect(delivery.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(verify(rotated.data.secret, delivery)).toMatchObject({
      type: "conversation.message.created",
    });
    expect(verify(secret, delivery)).toMatchObject({ type: "conversation.message.created" });
    // Once the grace period is over, only the new secret signs.
    await env.DB.prepare("update webhook_endpoints set previous_secret_expires_at = 1 where id = ?")
      .bind(id)
      .run();
    const again = receiver([200]);
    await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction: "inbound",
      message: "r2",
    });
    const [later] = await eventsOf("conversation.message.created");
    await consume([fanOut(later?.id)], { send: again.send, queue: recordingQueue().queue });
    expect(() => verify(secret, only(again.received))).toThrow();
    expect(verify(rotated.data.secret, only(again.received))).toBeTruthy();
  });

  it("a URL that became refused is not called (checked again at send time)", async () => {
    const { id } = await createEndpoint({ events: ["conversation.message.created"] });
    await env.DB.prepare("update webhook_endpoints set url = 'https://10.0.0.5/x' where id = ?")
      .bind(id)
      .run();
    await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction: "inbound",
      message: "s",
    });
    const [event] = await eventsOf("conversation.message.created");
    const { received, send } = receiver([200]);
    const { queue, sent } = recordingQueue();
    await consume([fanOut(event?.id)], { send, queue });
    expect(received).toEqual([]);
    expect(sent).toEqual([]);
    expect((await deliveriesOf(id))[0]).toMatchObject({ status: "failed", next_attempt_at: null });
  });

  it("a message that fails (the database) is retried by the queue; the others of the batch are acked", async () => {
    await createEndpoint({ events: ["conversation.message.created"] });
    await post(`/v1/api/conversations/${DOCS_CONVERSATION}/messages`, {
      direction: "inbound",
      message: "b",
    });
    const [event] = await eventsOf("conversation.message.created");
    const { send } = receiver([200]);
    const { queue } = recordingQueue();
    // An unknown event (pruned) is acked; one whose recording fails is retried.
    await env.DB.prepare(
      "create trigger refuse_deliveries before insert on webhook_deliveries begin select raise(abort, 'down'); end",
    ).run();
    const logged: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => logged.push(String(line)));
    try {
      const result = await consume([fanOut(event?.id), fanOut("evt_000000000000000000000000")], {
        send,
        queue,
      });
      // Retried by the queue (after 30 s, doubling on each failure: see queueRetryDelay).
      expect(result.retryMessages).toHaveLength(1);
      expect(result.explicitAcks).toHaveLength(1);
      expect(JSON.parse(logged[0] ?? "{}")).toMatchObject({ eventId: event?.id, level: "error" });
    } finally {
      vi.restoreAllMocks();
      await env.DB.prepare("drop trigger refuse_deliveries").run();
    }
  });

  it("the payload is the event's stored data, byte for byte", () => {
    expect(
      payloadOf({ type: "training.snapshot.deleted", createdAt: 0, data: '{"_id":"x"}' }),
    ).toBe(
      '{"type":"training.snapshot.deleted","timestamp":"1970-01-01T00:00:00.000Z","data":{"_id":"x"}}',
    );
  });
});

it("queue retries of a failing message back off: 30 s doubling, at most an hour", () => {
  expect([1, 2, 3, 4, 7, 8, 20].map(queueRetryDelay)).toEqual([30, 60, 120, 240, 1920, 3600, 3600]);
});
