// Baselines (b) and (c), the floors under the API's endpoints. Nothing of the API runs around
// them: no router, no authentication, no validation.
//
// - GET documents: the statement the API sends for a document, rendered from the app's own code
//   when the benchmark starts and handed over in the DOCUMENTS var (../servers.ts), run on D1 as
//   it is and answered in the API's envelope.
// - List pages: the statement the API sends for the first page of each list (LISTS, rendered the
//   same way), its rows' documents joined into the API's envelope.
// - Writes: the same write as one batch, written here by hand: an inbound message (insert it,
//   move its conversation's updatedAt), a conversation with a new contact (insert the contact,
//   the conversation and its messages), answered with the written message or conversation.
//
// LIMIT=1 makes one Rate Limiting call per request and SESSION=1 runs the statements in a D1
// session, as the API does on every request; both on, with the static assets in front that
// wrangler.floor-services.toml adds, is baseline (c).
//
// Two more vars price, for `--platform`, what the API's writes send beyond (c)'s: HEADERS (the
// response headers of one of the API's answers, added to every answer) and API_BATCHES (the
// API's own batches for an inbound message and for a new conversation, rendered from its
// repository code by ../servers.ts, run instead of the statements here; its `slots` stand for
// each request's values, in a parameter or inside one that is JSON text).

/** Stands for the requested id among a statement's parameters. */
const ID = "{id}";
const MESSAGES = /^\/v1\/api\/conversations\/([^/]+)\/messages$/;
let documents;
let lists;
let extraHeaders;
let apiBatches;

const json = (text, status = 200) => {
  const response = new Response(text, { status, headers: { "content-type": "application/json" } });
  for (const [name, value] of extraHeaders) response.headers.set(name, value);
  return response;
};

const hex = () => {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
};

function messageRow(organization, conversation, m, now) {
  return {
    _id: hex(),
    conversationId: conversation,
    direction: m.direction,
    senderType: m.senderType ?? (m.direction === "inbound" ? "human" : "AI"),
    sent: true,
    message: m.message,
    status: m.direction === "inbound" ? "received" : "sent",
    createdAt: new Date(now).toISOString(),
    updatedAt: new Date(now).toISOString(),
    organization,
    now,
  };
}

const insertMessage = (db, row) =>
  db
    .prepare(
      "insert into messages (id, organization_id, conversation_id, direction, sender_type, sent, message, status, created_at, updated_at) values (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
    )
    .bind(
      row._id,
      row.organization,
      row.conversationId,
      row.direction,
      row.senderType,
      row.message,
      row.status,
      row.now,
      row.now,
    );

const answerOf = ({ organization, now, ...message }) => message;

/**
 * One of the API's batches, each slot given this request's value (inside JSON text too, where the
 * API binds rows as JSON), answered with the document it returns, as the API answers it.
 */
async function apiWrite(db, batch, now, values) {
  const SLOTS = apiBatches.slots;
  const slots = Object.entries(values);
  const fill = (param) => {
    if (param === SLOTS.now) return now;
    if (typeof param !== "string") return param;
    if (param in values) return values[param];
    let text = param.replaceAll(String(SLOTS.now), String(now));
    for (const [slot, value] of slots)
      text = text.replaceAll(slot, JSON.stringify(value).slice(1, -1));
    return text;
  };
  const results = await db.batch(
    batch.map(({ sql, params }) => db.prepare(sql).bind(...params.map(fill))),
  );
  const doc = results.flatMap((r) => r.results).find((r) => typeof r.doc === "string")?.doc;
  if (!doc) return new Response("not found", { status: 404 });
  return json(doc, 201);
}

async function write(request, db, organization, path) {
  const body = await request.json();
  const now = Date.now();
  const appended = MESSAGES.exec(path);
  const SLOTS = apiBatches.slots;
  if (appended && apiBatches.append) {
    return apiWrite(db, apiBatches.append, now, {
      [SLOTS.id]: hex(),
      [SLOTS.message]: body.message,
      [SLOTS.event]: `evt_${hex()}`,
    });
  }
  if (path === "/v1/api/conversations" && apiBatches.create) {
    return apiWrite(db, apiBatches.create, now, {
      [SLOTS.id]: hex(),
      [SLOTS.contact]: hex(),
      [SLOTS.conversation]: hex(),
      [SLOTS.name]: body.customer.name,
      [SLOTS.phone]: body.customer.phone,
      [SLOTS.message]: body.messages[0].message,
      [SLOTS.event]: `evt_${hex()}`,
    });
  }
  if (appended) {
    const row = messageRow(organization, appended[1], body, now);
    await db.batch([
      insertMessage(db, row),
      db
        .prepare("update conversations set updated_at = ? where organization_id = ? and id = ?")
        .bind(now, organization, row.conversationId),
    ]);
    return json(JSON.stringify(answerOf(row)), 201);
  }
  if (path === "/v1/api/conversations") {
    const contact = hex();
    const conversation = hex();
    const rows = body.messages.map((m) => messageRow(organization, conversation, m, now));
    await db.batch([
      db
        .prepare(
          "insert into contacts (id, organization_id, first_name, phone_number, channel_type, created_at, updated_at) values (?, ?, ?, ?, 'sms', ?, ?)",
        )
        .bind(contact, organization, body.customer.name, body.customer.phone, now, now),
      db
        .prepare(
          "insert into conversations (id, organization_id, contact_id, created_at, updated_at) values (?, ?, ?, ?, ?)",
        )
        .bind(conversation, organization, contact, now, now),
      ...rows.map((row) => insertMessage(db, row)),
    ]);
    return json(
      JSON.stringify({
        _id: conversation,
        customer: { _id: contact, ...body.customer },
        messages: rows.map(answerOf),
        createdAt: new Date(now).toISOString(),
        updatedAt: new Date(now).toISOString(),
      }),
      201,
    );
  }
  return new Response("not found", { status: 404 });
}

export default {
  async fetch(request, env) {
    documents ??= JSON.parse(env.DOCUMENTS);
    lists ??= JSON.parse(env.LISTS ?? "[]");
    extraHeaders ??= JSON.parse(env.HEADERS ?? "[]");
    apiBatches ??= JSON.parse(env.API_BATCHES ?? "{}");
    const path = new URL(request.url).pathname;
    if (env.LIMIT === "1") {
      const { success } = await env.API_RATE_LIMITER.limit({ key: "bench" });
      if (!success) return new Response("rate limited", { status: 429 });
    }
    const reads = request.method === "GET";
    const session = reads ? "first-unconstrained" : "first-primary";
    const db = env.SESSION === "1" ? env.DB.withSession(session) : env.DB;
    if (!reads) return write(request, db, env.ORGANIZATION, path);

    const list = lists.find((l) => l.path === path);
    if (list) {
      const { results } = await db
        .prepare(list.sql)
        .bind(...list.params)
        .all();
      const items = results.slice(0, list.limit);
      const docs = items.map((row) => row.doc).join(",");
      if (list.envelope === "bare") return json(`[${docs}]`);
      const last = items.at(-1);
      const more = results.length > list.limit && last;
      const pagination = {
        nextCursor: more ? btoa(JSON.stringify([last.createdAt, last.id])) : null,
        hasMore: Boolean(more),
        limit: list.limit,
      };
      return json(`{"success":true,"data":[${docs}],"pagination":${JSON.stringify(pagination)}}`);
    }

    const document = documents.find((d) => path.startsWith(d.path));
    if (!document) return new Response("not found", { status: 404 });
    const id = path.slice(document.path.length);
    const params = document.params.map((p) => (p === ID ? id : p));
    const row = await db
      .prepare(document.sql)
      .bind(...params)
      .first();
    if (!row) return new Response("not found", { status: 404 });
    return json(`${document.before}${row.doc}${document.after}`);
  },
};
