import type { z } from "@hono/zod-openapi";
import { HealthSchema } from "../../src/meta/health/health.routes";
import { ERROR_STATUS, type ErrorCode } from "../../src/platform/errors/api-error";
import { ConversationsErrorSchema } from "../../src/surfaces/conversations-api/envelope";
import { TrainingErrorSchema } from "../../src/surfaces/training-api/envelope";
import { documentProblems } from "./conformance";

/*
 * The OpenAPI document, held to every answer the tests see. Each response `request()` gets
 * (helpers/app.ts) is checked against the operation of the route that answered it: its status
 * must be documented there, an error's body must parse with the documented schema and carry a
 * code of that status, and any other JSON body must be exactly a document of the route's
 * response schema: parsed, no key it does not list, every key in its order (conformance.ts). Problems are collected here and fail the test that caused them
 * (test/setup/contract.ts): any test that provokes an undocumented answer fails, whatever it
 * asserts itself.
 */

interface DocumentedResponse {
  content?: Record<string, { schema?: { $ref?: string } }>;
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { operationId?: string; responses: Record<string, DocumentedResponse> }>
  >;
}

interface RouteEntry {
  method: string;
  path: string;
}

/** What the route definitions say each operation answers: a zod schema per status and type. */
export interface RouteDefinition {
  type: string;
  route?: {
    method: string;
    path: string;
    responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  };
}

/** The documented bodies this check can validate, by component name. */
const SCHEMAS: Record<string, z.ZodType> = {
  TrainingError: TrainingErrorSchema,
  ConversationsError: ConversationsErrorSchema,
  Health: HealthSchema,
};

/**
 * What the app answers a request that no route takes: an unknown path (404), a wrong method
 * (405), an empty path parameter or a malformed bookmark (400), a body or headers over the
 * limits (413, 431).
 */
const UNROUTED = new Set([400, 404, 405, 413, 431]);

/** Routes served on purpose without being operations of the document. */
const NOT_OPERATIONS = new Set(["GET /openapi.json", "GET /docs", "GET /review"]);

const problems: string[] = [];

/** The problems found since the last call, and forgets them. */
export const takeContractProblems = (): string[] => problems.splice(0);

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function compile(route: RouteEntry) {
  const segments = route.path.split("/");
  const param = (segment: string) => /^:(\w+)/.exec(segment)?.[1];
  const source = segments.map((s) => (param(s) ? "[^/]+" : escapeRegExp(s))).join("/");
  return {
    method: route.method,
    path: route.path,
    pattern: new RegExp(`^${source}$`),
    documentPath: segments.map((s) => (param(s) ? `{${param(s)}}` : s)).join("/"),
  };
}

/** The path the router matches: as `app.request` builds the URL, percent-decoded like Hono does. */
function routedPath(input: string): string {
  const url = /^https?:\/\//.test(input) ? input : `http://localhost/${input.replace(/^\/+/, "")}`;
  const { pathname } = new URL(url);
  try {
    return decodeURI(pathname);
  } catch {
    return pathname;
  }
}

const codeOf = (body: unknown): unknown => {
  const value = body as { code?: unknown; error?: { code?: unknown } } | null;
  return value?.code ?? value?.error?.code;
};

/** The body as JSON, or undefined after saying why it is not. */
async function jsonBody(where: string, response: Response): Promise<{ body: unknown } | undefined> {
  if (!response.headers.get("content-type")?.startsWith("application/json")) {
    problems.push(`${where}: not JSON (${response.headers.get("content-type")})`);
    return undefined;
  }
  try {
    return { body: await response.clone().json() };
  } catch {
    problems.push(`${where}: the body does not parse as JSON`);
    return undefined;
  }
}

async function checkErrorBody(where: string, schemaRef: string | undefined, response: Response) {
  const name = schemaRef?.split("/").pop() ?? "";
  const schema = SCHEMAS[name];
  if (!schema) {
    problems.push(`${where}: documented without a known JSON error schema (${schemaRef})`);
    return;
  }
  const json = await jsonBody(where, response);
  if (!json) return;
  const { body } = json;
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    problems.push(`${where}: the body is not a ${name} (${issues.join("; ")})`);
    return;
  }
  const code = codeOf(body);
  if (code !== undefined && ERROR_STATUS[code as ErrorCode] !== response.status) {
    problems.push(`${where}: code ${String(code)} is a ${ERROR_STATUS[code as ErrorCode]}`);
  }
}

/**
 * The check of one answer: `routes` are the app's own (`app.routes`, in registration order, so
 * the first that matches is the one Hono ran), `document` its OpenAPI document.
 */
export function contractCheck(
  document: OpenApiDocument,
  routes: readonly RouteEntry[],
  definitions: readonly RouteDefinition[],
) {
  const bodySchemas = new Map(
    definitions.flatMap((d) =>
      d.type === "route" && d.route ? [[`${d.route.method} ${d.route.path}`, d.route]] : [],
    ),
  );
  const compiled = routes
    .filter((route) => route.method !== "ALL" && !route.path.includes("*"))
    .map(compile);

  return async (method: string, input: string, response: Response): Promise<void> => {
    const path = routedPath(input);
    const routedMethod = method === "HEAD" ? "GET" : method;
    const { status } = response;
    const where = `${method} ${path} → ${status}`;
    const hasBody = method !== "HEAD" && status !== 204 && status !== 304;
    const route = compiled.find((r) => r.method === routedMethod && r.pattern.test(path));

    if (!route) {
      if (method === "OPTIONS" && status === 204) return; // a CORS preflight
      if (!UNROUTED.has(status)) {
        problems.push(`${where}: no route takes this request, yet it is not a 400/404/405/413/431`);
      } else if (hasBody) {
        const envelope = path.startsWith("/v1/api/") ? "ConversationsError" : "TrainingError";
        await checkErrorBody(where, `#/components/schemas/${envelope}`, response);
      }
      return;
    }
    const operation = document.paths[route.documentPath]?.[routedMethod.toLowerCase()];
    if (!operation) {
      if (!NOT_OPERATIONS.has(`${routedMethod} ${route.path}`)) {
        problems.push(`${where}: the route ${routedMethod} ${route.path} is not in the document`);
      }
      return;
    }
    const documented = operation.responses[String(status)];
    if (!documented) {
      const listed = Object.keys(operation.responses).join(", ");
      problems.push(`${where}: ${operation.operationId} does not document ${status} (${listed})`);
      return;
    }
    if (status >= 400 && hasBody) {
      await checkErrorBody(where, documented.content?.["application/json"]?.schema?.$ref, response);
    } else if (hasBody && response.headers.get("content-type")?.startsWith("application/json")) {
      const schema = bodySchemas.get(`${routedMethod.toLowerCase()} ${route.documentPath}`)
        ?.responses?.[String(status)]?.content?.["application/json"]?.schema;
      if (!schema) {
        problems.push(`${where}: ${operation.operationId} documents no JSON schema for ${status}`);
        return;
      }
      const json = await jsonBody(where, response);
      if (!json) return;
      for (const problem of documentProblems(schema as z.ZodType, json.body)) {
        problems.push(`${where}: ${problem}`);
      }
    }
  };
}
