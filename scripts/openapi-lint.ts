/**
 * `npm run lint:openapi`: builds the OpenAPI document from the route definitions (as
 * /openapi.json serves it) and validates it with @apidevtools/swagger-parser, then checks that
 * every endpoint of the contract (API.md §4) is documented with an operationId, and that the
 * documented GETs carry an example. Exits non-zero on any problem.
 */
import SwaggerParser from "@apidevtools/swagger-parser";
import { createApp } from "../src/app";
import { openApiConfig } from "../src/lib/openapi";

const CONTRACT: [string, string][] = [
  ["get", "/health"],
  ["post", "/api/auth/login"],
  ["get", "/api/training/snapshots"],
  ["post", "/api/training/snapshots"],
  ["get", "/api/training/snapshots/{id}"],
  ["patch", "/api/training/snapshots/{id}"],
  ["delete", "/api/training/snapshots/{id}"],
  ["get", "/api/training/export"],
  ["post", "/api/keys"],
  ["get", "/api/keys"],
  ["delete", "/api/keys/{id}"],
  ["get", "/v1/api/conversations"],
  ["get", "/v1/api/conversations/flow/{flowId}"],
  ["get", "/v1/api/conversations/{conversationId}"],
  ["post", "/v1/api/conversations/{conversationId}/message/{messageId}/action"],
];
const WITH_EXAMPLES: [string, string][] = [
  ["get", "/api/training/snapshots/{id}"],
  ["get", "/v1/api/conversations/{conversationId}"],
  ["get", "/v1/api/conversations"],
];

type Operation = {
  operationId?: string;
  responses?: Record<string, { content?: Record<string, { example?: unknown }> }>;
};

const document = createApp().getOpenAPI31Document(openApiConfig("http://localhost:8787"));
const problems: string[] = [];
try {
  // validate() dereferences in place: give it a copy.
  await SwaggerParser.validate(structuredClone(document) as never);
} catch (error) {
  problems.push(`invalid OpenAPI document: ${error instanceof Error ? error.message : error}`);
}
const paths = document.paths as Record<string, Record<string, Operation>>;
for (const [method, path] of CONTRACT) {
  const operation = paths[path]?.[method];
  if (!operation) problems.push(`missing: ${method.toUpperCase()} ${path}`);
  else if (!operation.operationId) problems.push(`no operationId: ${method.toUpperCase()} ${path}`);
}
for (const [method, path] of WITH_EXAMPLES) {
  if (
    paths[path]?.[method]?.responses?.["200"]?.content?.["application/json"]?.example === undefined
  ) {
    problems.push(`no example: ${method.toUpperCase()} ${path}`);
  }
}
const operations = Object.values(paths).flatMap((methods) => Object.values(methods));
if (problems.length > 0) {
  console.error(problems.map((p) => `openapi: ${p}`).join("\n"));
  process.exit(1);
}
console.log(
  `openapi: valid OpenAPI ${document.openapi}, ${operations.length} operations, every contract endpoint documented`,
);
