import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { d1TimeoutMs, logsRequest } from "../config";
import { OrganizationMoved } from "../db/fences";
import { openRequestDatabase } from "../db/request-database";
import { movedTo, rememberShard, type Shard, shardOf } from "../db/shards";
import { timedRoundTrips } from "../db/timing";
import { ApiError, validationError } from "../errors/api-error";
import { findDatabaseError } from "../errors/database-error";
import type { ErrorRenderer } from "../errors/faults";
import type { AppEnv } from "./app-env";
import { serverTimingHeader } from "./server-timing";

// A caller's own correlation id is kept when it is safe to echo back in a header and a log.
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export const BOOKMARK_HEADER = "x-d1-bookmark";
/** D1's bookmark, then `~<shard>` unless it is DB's (a bookmark belongs to one database). */
const BOOKMARK = /^([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32})(?:~([a-z0-9_]{1,32}))?$/i;

interface Bookmark {
  value: string;
  /** The binding of the database that issued it. */
  shard: string;
}

function parseBookmark(header: string | undefined): Bookmark | undefined | null {
  if (header === undefined) return undefined;
  const match = BOOKMARK.exec(header);
  if (!match?.[1]) return null;
  return { value: match[1], shard: match[2] ? `SHARD_${match[2].toUpperCase()}` : "DB" };
}

/** The header value of a bookmark of `shard`'s database. */
const bookmarkHeader = (value: string, shard: string) =>
  shard === "DB" ? value : `${value}~${shard.slice("SHARD_".length).toLowerCase()}`;

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Far above any header this API reads (a token is ≤ 2 KB); beyond it nothing is parsed. */
const MAX_HEADER_VALUE_BYTES = 8 * 1024;
const MAX_HEADERS_BYTES = 32 * 1024;

function oversizedHeader(headers: Headers): string | undefined {
  let total = 0;
  let oversized: string | undefined;
  headers.forEach((value, name) => {
    total += name.length + value.length;
    if (value.length > MAX_HEADER_VALUE_BYTES) oversized ??= name;
  });
  return oversized ?? (total > MAX_HEADERS_BYTES ? "(all headers)" : undefined);
}

/**
 * The D1 session of a request on a shard. Reads may be served by the nearest read replica
 * ("first-unconstrained"), or by one at least as new as the client's bookmark, so a client that
 * sends back the bookmark of its last write reads that write. Writes go to the primary. A
 * bookmark of another database (the organization has moved since) means nothing here: the read
 * goes to the primary, which has every write, the copied ones included.
 */
function openSession(shard: Shard, method: string, bookmark: Bookmark | undefined) {
  if (!READS.has(method)) return shard.d1.withSession("first-primary");
  if (!bookmark) return shard.d1.withSession("first-unconstrained");
  return shard.d1.withSession(bookmark.shard === shard.binding ? bookmark.value : "first-primary");
}

/**
 * Sets headers on the answer in place. Hono's `c.header()` after a handler has answered copies
 * the whole Response (status, every header so far, the body stream) on each call, and under
 * workerd every copy is a native Response with its own header table: the seven headers stamped
 * below cost seven copies of ~20 headers per request (visible in a `perf` profile of the runtime
 * as allocation and header-table work). An answer whose headers are immutable (a Response from
 * `fetch()`) is copied once.
 */
export function setOnAnswer(c: Context, headers: [string, string][]): void {
  try {
    for (const [name, value] of headers) c.res.headers.set(name, value);
  } catch {
    const copy = new Response(c.res.body, c.res);
    for (const [name, value] of headers) copy.headers.set(name, value);
    c.res = copy;
  }
}

/** Sends a request through the whole app again (the app's own `fetch`). */
export type Redispatch = (
  request: Request,
  env: Env,
  executionCtx: ExecutionContext | undefined,
) => Response | Promise<Response>;

/** Requests sent again after their organization moved: each is sent again at most once. */
const resent = new WeakSet<Request>();

/** The organization a request found moved, and where to, if it did. */
function movedOrganization(
  error: unknown,
  organizationId: string | undefined,
): OrganizationMoved | undefined {
  if (error instanceof OrganizationMoved) return error;
  if (organizationId && findDatabaseError(error)?.kind === "moved") {
    return new OrganizationMoved(organizationId, null);
  }
  return undefined;
}

/**
 * The request again, for the organization's new shard: the same method, URL, headers and body
 * (Hono keeps the body it read). Its bookmark, if any, is the old shard's: it is not used there.
 */
async function againElsewhere(c: Context): Promise<Request> {
  const headers = c.req.raw.headers;
  const body = READS.has(c.req.method) ? undefined : await c.req.arrayBuffer();
  const request = new Request(c.req.url, { method: c.req.method, headers, body });
  resent.add(request);
  return request;
}

function executionContextOf(c: Context): ExecutionContext | undefined {
  try {
    return c.executionCtx as ExecutionContext;
  } catch {
    return undefined; // a test's app.request() has none
  }
}

/**
 * First middleware of every request: assigns the request id, opens the request's D1 session
 * as the request's database (`c.var.db`, request-database.ts), and stamps `x-request-id`, `Server-Timing`, the
 * session's bookmark, `RateLimit-*` and a default `Cache-Control` on whatever response comes
 * back; then writes the request's log line. Oversized headers and malformed bookmarks are
 * refused before anything, rendered by `render` (the app picks the envelope).
 *
 * A request that reached a shard its organization has moved from (this isolate's cache of the
 * directory was older than the move) learns it inside its own round trip (platform/db/fences.ts):
 * it changed nothing there, and is sent once more through `redispatch`, to the new shard.
 */
export const requestContext = (render: ErrorRenderer, redispatch?: Redispatch) =>
  createMiddleware<AppEnv>(async (c, next) => {
    // Hono's TrieRouter runs a route's handlers twice when the path's last segment is a literal
    // `*` (honojs/hono#5370, open); the second run must not open a second request.
    if (c.get("requestId") !== undefined) return next();
    const started = performance.now();
    const callerId = c.req.header("x-request-id");
    const requestId = callerId && CALLER_REQUEST_ID.test(callerId) ? callerId : crypto.randomUUID();
    const d1RoundTrips: number[] = [];
    const stamp: [string, string][] = [];
    c.set("requestId", requestId);
    c.set("d1RoundTrips", d1RoundTrips);

    const bookmark = parseBookmark(c.req.header(BOOKMARK_HEADER));
    const tooLarge = oversizedHeader(c.req.raw.headers);
    if (tooLarge) {
      c.res = render(
        c,
        new ApiError("headers_too_large", `Request header ${tooLarge} is too large`),
      );
    } else if (bookmark === null) {
      c.res = render(
        c,
        validationError([
          {
            field: `header.${BOOKMARK_HEADER}`,
            rule: "pattern",
            message: "must be a bookmark returned by this API in x-d1-bookmark",
          },
        ]),
      );
    } else {
      const roundTrip = timedRoundTrips((ms) => d1RoundTrips.push(ms), d1TimeoutMs(c.env));
      // The request's database starts on DB (the directory, and the first shard); once
      // authentication knows the organization, it moves to that organization's shard, and its
      // writes meet the organization's fence there.
      let shard: Shard = { binding: "DB", d1: c.env.DB };
      let session = openSession(shard, c.req.method, bookmark);
      c.set("db", openRequestDatabase(session, roundTrip));
      let organization: string | undefined;
      c.set("useOrganization", async (organizationId: string) => {
        organization = organizationId;
        const found = await shardOf(c.env, organizationId, roundTrip);
        if (found.binding !== shard.binding) {
          shard = found;
          session = openSession(shard, c.req.method, bookmark);
        }
        c.set("db", openRequestDatabase(session, roundTrip, organizationId));
        return shard.binding;
      });
      const first = !resent.has(c.req.raw);
      await next();
      const moved = movedOrganization(c.error, organization);
      if (moved && redispatch && first) {
        const to = moved.movedTo ?? (await movedTo(shard.d1, moved.organizationId));
        if (to && to !== shard.binding) {
          rememberShard(moved.organizationId, to);
          await c.res.body?.cancel();
          c.res = await redispatch(await againElsewhere(c), c.env, executionContextOf(c));
          return;
        }
      }
      const latest = session.getBookmark();
      if (latest) stamp.push([BOOKMARK_HEADER, bookmarkHeader(latest, shard.binding)]);
    }

    const durationMs = performance.now() - started;
    stamp.push(["x-request-id", requestId]);
    stamp.push(["Server-Timing", serverTimingHeader(d1RoundTrips, durationMs)]);
    const rateLimit = c.get("rateLimit");
    if (rateLimit) {
      stamp.push(["RateLimit-Limit", String(rateLimit.limit)]);
      stamp.push(["RateLimit-Remaining", String(rateLimit.remaining)]);
      stamp.push(["RateLimit-Reset", String(rateLimit.resetSeconds)]);
    }
    // Nothing is for caches unless it says so: single-resource GETs relax this to revalidation,
    // /docs to a public max-age.
    if (!c.res.headers.has("Cache-Control")) stamp.push(["Cache-Control", "private, no-store"]);
    setOnAnswer(c, stamp);
    if (logsRequest(c.env, c.res.status, durationMs)) {
      // One line per request. Never headers, bodies, keys, tokens or passwords: only what is here.
      console.info(
        JSON.stringify({
          level: "info",
          requestId,
          method: c.req.method,
          route: routePath(c, -1),
          status: c.res.status,
          durationMs: Math.round(durationMs * 100) / 100,
          d1RoundTrips: d1RoundTrips.length,
          organizationId: c.get("organizationId") ?? null,
        }),
      );
    }
  });
