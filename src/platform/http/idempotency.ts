import { z } from "@hono/zod-openapi";
import { and, eq, inArray, lte, sql } from "drizzle-orm";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { jwtSecret } from "../config";
import { idempotencyKeys } from "../db/schema";
import { ApiError, validationError } from "../errors/api-error";
import { findDatabaseError } from "../errors/database-error";
import { answering } from "../errors/documented";
import { type ErrorRenderer, errorHandler } from "../errors/faults";
import { fromBase64Url, sha256Hex, toBase64Url, utf8 } from "../util/encoding";
import type { AppEnv } from "./app-env";

/*
 * `Idempotency-Key` on POST (Stripe's semantics): within 24 hours, the same key with the same
 * request answers what the first one answered, status and body, with `Idempotent-Replayed:
 * true`, and writes nothing; the same key with another request is 422. Keys belong to the caller
 * (a user of the Training API, an API key of the Conversations API), and are looked at only once
 * the route has accepted the caller's role.
 *
 * The key is claimed in the same D1 batch as the request's write (`c.var.db.commitWithFirstWrite`): if that batch
 * commits, so does the claim, and a concurrent twin's batch (same key) breaks the primary key and
 * writes nothing. The twin then waits for the first answer and replays it. The answer is stored
 * encrypted with a key derived from the Worker's secret and the idempotency key itself: a
 * database reader without both learns nothing of it (answers may hold an API key or a setup
 * token, shown once).
 */

export const IDEMPOTENCY_HEADER = "idempotency-key";
const KEY = /^[\x20-\x7e]{1,255}$/;

/** The header as POST routes document it (the middleware below checks it the same way). */
const IdempotencyHeaderSchema = z.object({
  [IDEMPOTENCY_HEADER]: z
    .string()
    .regex(KEY, "must be 1 to 255 printable ASCII characters")
    .optional()
    .openapi({
      description:
        "Makes the POST safe to retry: within 24 hours, the same key with the same request answers the first answer again (`Idempotent-Replayed: true`) and writes nothing; with another request, 422 `idempotency_key_reused`. Per caller (user or API key).",
      example: "3f0c8a52-order-1842",
    }),
});
const RETENTION_MS = 24 * 3600 * 1000;
const PRUNE_BATCH = 50;
/** How long a twin waits for the first request's answer, and how often it looks. */
const WAIT_MS = 10_000;
const POLL_MS = 50;
/** Response headers a replay repeats. */
const REPLAYED_HEADERS = ["content-type", "location", "etag", "link"];

interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function cipherKey(secret: string, organizationId: string, key: string) {
  const material = await crypto.subtle.importKey("raw", utf8(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: utf8(organizationId),
      info: utf8(`idempotency\0${key}`),
    },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

async function seal(answer: StoredAnswer, key: CryptoKey): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv },
    key,
    utf8(JSON.stringify(answer)),
  );
  return `${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

async function open(stored: string, key: CryptoKey): Promise<StoredAnswer> {
  const [iv = "", data = ""] = stored.split(".");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64Url(iv) },
    key,
    fromBase64Url(data),
  );
  return JSON.parse(new TextDecoder().decode(plain)) as StoredAnswer;
}

const reused = () =>
  new ApiError(
    "idempotency_key_reused",
    "This Idempotency-Key was used with another request in the last 24 hours; use a new key",
  );

/** The key's row, if it is still live. */
async function lookup(c: Context, organizationId: string, key: string, now: number) {
  const [row] = await c.var.db.batch([
    c.var.db
      .select()
      .from(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.organizationId, organizationId),
          eq(idempotencyKeys.key, key),
          sql`${idempotencyKeys.expiresAt} > ${now}`,
        ),
      ),
  ]);
  return row[0];
}

function replay(answer: StoredAnswer): Response {
  return new Response(answer.status === 204 ? null : answer.body, {
    status: answer.status,
    headers: { ...answer.headers, "Idempotent-Replayed": "true" },
  });
}

/**
 * Route middleware of a surface's POST routes, after its authentication (it needs the
 * organization). `render` answers its refusals in the surface's envelope: 400 for a malformed
 * key, 409 while a twin is still being answered, 422 for a key reused with another request.
 */
const idempotency = <E extends AppEnv>(render: ErrorRenderer) => {
  const refuse = errorHandler<E>(render);
  return createMiddleware<E>(async (c, next) => {
    const sent = c.req.header(IDEMPOTENCY_HEADER);
    if (sent === undefined) return next();
    if (!KEY.test(sent)) {
      throw validationError([
        {
          field: `header.${IDEMPOTENCY_HEADER}`,
          rule: "pattern",
          message: "must be 1 to 255 printable ASCII characters",
        },
      ]);
    }
    const organizationId = c.var.organizationId;
    if (!organizationId) return next();
    // Keys are the caller's own (a user, an API key): another caller of the organization with
    // the same key and request is a request of its own, never a replay of someone else's answer.
    const key = `${c.var.principal ?? ""}\n${sent}`;
    const now = Date.now();
    const requestHash = await sha256Hex(`${c.req.method} ${c.req.path}\n${await c.req.text()}`);
    const cipher = await cipherKey(jwtSecret(c.env), organizationId, key);

    // The answer of a twin: now if it is there, else after waiting for it.
    const answerOf = async (row: Awaited<ReturnType<typeof lookup>>) => {
      for (let waited = 0; ; waited += POLL_MS) {
        if (!row) return undefined;
        if (row.requestHash !== requestHash) throw reused();
        if (row.status !== null && row.response !== null)
          return replay(await open(row.response, cipher));
        if (waited >= WAIT_MS) {
          throw new ApiError(
            "idempotency_in_progress",
            "A request with this Idempotency-Key is still being answered; retry shortly",
            { headers: { "Retry-After": "1" } },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        row = await lookup(c, organizationId, key, Date.now());
      }
    };

    const earlier = await answerOf(await lookup(c, organizationId, key, now));
    if (earlier) return earlier;

    const { db } = c.var;
    const mine = and(
      eq(idempotencyKeys.organizationId, organizationId),
      eq(idempotencyKeys.key, key),
    );
    const claim = c.var.db.commitWithFirstWrite([
      // An expired row of the same key makes way; a live one makes the insert fail.
      db
        .delete(idempotencyKeys)
        .where(and(mine, lte(idempotencyKeys.expiresAt, now)))
        .toSQL(),
      db
        .insert(idempotencyKeys)
        .values({ organizationId, key, requestHash, createdAt: now, expiresAt: now + RETENTION_MS })
        .toSQL(),
    ]);
    await next();

    if (!claim.committed) {
      // A twin claimed the key first: its write stands, this one wrote nothing. Its answer.
      const message = findDatabaseError(c.error)?.message ?? "";
      if (!/UNIQUE constraint failed: idempotency_keys\./.test(message)) return;
      try {
        const twin = await answerOf(await lookup(c, organizationId, key, Date.now()));
        if (twin) c.res = twin;
      } catch (error) {
        c.res = await refuse(error as Error, c as never);
      }
      return;
    }
    const response = c.res;
    const body = response.status === 204 ? "" : await response.clone().text();
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    const sealed = await seal({ status: response.status, headers, body }, cipher);
    await db.batch([
      db.update(idempotencyKeys).set({ status: response.status, response: sealed }).where(mine),
      db
        .delete(idempotencyKeys)
        .where(
          inArray(
            sql`(${idempotencyKeys.organizationId}, ${idempotencyKeys.key})`,
            db
              .select({ o: idempotencyKeys.organizationId, k: idempotencyKeys.key })
              .from(idempotencyKeys)
              .where(lte(idempotencyKeys.expiresAt, now))
              .orderBy(idempotencyKeys.expiresAt)
              .limit(PRUNE_BATCH),
          ),
        ),
    ]);
  });
};

/**
 * What a surface's router gives its POST routes: the `Idempotency-Key` header, documented and
 * validated with the route's own, the middleware that honours it, and the statuses it answers.
 */
export const idempotentPosts = <E extends AppEnv>(render: ErrorRenderer) => ({
  headers: IdempotencyHeaderSchema,
  middleware: [
    answering(
      {
        statuses: [400, 409, 422],
        notes: {
          409: "A request with this `Idempotency-Key` is still being answered (`idempotency_in_progress`); retry after `Retry-After` seconds.",
        },
      },
      idempotency<E>(render),
    ),
  ],
});
