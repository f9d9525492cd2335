/**
 * `npm run lint:openapi`: builds the OpenAPI document from the route definitions (as
 * /openapi.json serves it) and
 * - validates it with @apidevtools/swagger-parser,
 * - checks that every endpoint of the contract (docs/endpoints.md) is documented with an operationId, and
 *   that the documented GETs carry an example,
 * - lints it with Spectral (ruleset: .spectral.yaml, `spectral:oas`) and Redocly (ruleset:
 *   redocly.yaml, `recommended`), on the document written to a temporary file.
 * Exits non-zero on any problem or any linter error; linter warnings are listed but pass.
 */
import * as fs from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import {
  getTotals,
  loadConfig as loadRedoclyConfig,
  type NormalizedProblem,
  lint as redoclyLint,
} from "@redocly/openapi-core";
import { Document, type ISpectralDiagnostic, Spectral } from "@stoplight/spectral-core";
// CommonJS without named exports that Node can detect: take the whole module.
import SpectralParsers from "@stoplight/spectral-parsers";
import { bundleAndLoadRuleset } from "@stoplight/spectral-ruleset-bundler/with-loader";
import { fetch as spectralFetch } from "@stoplight/spectral-runtime";
import { createApp } from "../src/app";
import { openApiConfig } from "../src/meta/openapi";

const ROOT = resolve(import.meta.dirname, "..");

/** Every endpoint the documentation promises (docs/endpoints.md): none may go missing. */
const CONTRACT: [string, string][] = [
  ["get", "/health"],
  ["post", "/api/auth/login"],
  ["post", "/api/auth/setup-password"],
  ["post", "/api/auth/refresh"],
  ["post", "/api/auth/logout"],
  ["post", "/api/auth/change-password"],
  ["get", "/api/training/snapshots"],
  ["post", "/api/training/snapshots"],
  ["get", "/api/training/export"],
  ["get", "/api/training/snapshots/{id}"],
  ["patch", "/api/training/snapshots/{id}"],
  ["delete", "/api/training/snapshots/{id}"],
  ["post", "/api/keys"],
  ["get", "/api/keys"],
  ["delete", "/api/keys/{id}"],
  ["get", "/api/users/me"],
  ["get", "/api/users"],
  ["post", "/api/users"],
  ["get", "/api/users/{id}"],
  ["patch", "/api/users/{id}"],
  ["delete", "/api/users/{id}"],
  ["get", "/api/contacts"],
  ["post", "/api/contacts"],
  ["get", "/api/contacts/{id}"],
  ["patch", "/api/contacts/{id}"],
  ["delete", "/api/contacts/{id}"],
  ["get", "/v1/api/conversations"],
  ["post", "/v1/api/conversations"],
  ["get", "/v1/api/conversations/flow/{flowId}"],
  ["get", "/v1/api/conversations/{conversationId}"],
  ["post", "/v1/api/conversations/{conversationId}/message/{messageId}/action"],
  ["post", "/v1/api/conversations/{conversationId}/messages"],
  ["post", "/api/webhooks"],
  ["get", "/api/webhooks"],
  ["get", "/api/webhooks/{id}"],
  ["patch", "/api/webhooks/{id}"],
  ["delete", "/api/webhooks/{id}"],
  ["post", "/api/webhooks/{id}/test"],
  ["post", "/api/webhooks/{id}/rotate-secret"],
  ["get", "/api/webhooks/{id}/deliveries"],
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
/** One linter finding, in a shape shared by both linters. */
type Finding = { severity: "error" | "warning"; rule: string; path: string; message: string };
type LintResult = { errors: number; warnings: number; findings: Finding[] };

/** Spectral with the ruleset of .spectral.yaml. Severities: 0 error, 1 warn, 2 info, 3 hint. */
async function spectral(file: string, text: string): Promise<LintResult> {
  const linter = new Spectral();
  linter.setRuleset(
    await bundleAndLoadRuleset(join(ROOT, ".spectral.yaml"), { fs, fetch: spectralFetch }),
  );
  const results: ISpectralDiagnostic[] = await linter.run(
    new Document(text, SpectralParsers.Json, file),
  );
  const findings = results
    .filter((r) => r.severity <= 1)
    .map<Finding>((r) => ({
      severity: r.severity === 0 ? "error" : "warning",
      rule: String(r.code),
      path: `#/${r.path.map((p) => String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`,
      message: r.message,
    }));
  return count(findings);
}

/** Redocly with the ruleset of redocly.yaml. */
async function redocly(file: string): Promise<LintResult> {
  const config = await loadRedoclyConfig({ configPath: join(ROOT, "redocly.yaml") });
  const problems: NormalizedProblem[] = await redoclyLint({ ref: file, config });
  const totals = getTotals(problems);
  const findings = problems
    .filter((p) => p.severity === "error" || p.severity === "warn")
    .map<Finding>((p) => ({
      severity: p.severity === "error" ? "error" : "warning",
      rule: p.ruleId,
      path: p.location[0]?.pointer ?? "#/",
      message: p.message,
    }));
  const result = count(findings);
  // getTotals is Redocly's own count: keep ours honest.
  if (totals.errors !== result.errors || totals.warnings !== result.warnings) {
    throw new Error(
      `redocly: counted ${JSON.stringify(result)}, getTotals ${JSON.stringify(totals)}`,
    );
  }
  return result;
}

function count(findings: Finding[]): LintResult {
  const errors = findings.filter((f) => f.severity === "error").length;
  return { errors, warnings: findings.length - errors, findings };
}

function report(name: string, result: LintResult) {
  console.log(`${name}: ${result.errors} errors, ${result.warnings} warnings`);
  for (const f of result.findings) {
    const line = `  ${f.severity} ${f.rule} ${f.path}: ${f.message}`;
    if (f.severity === "error") console.error(line);
    else console.log(line);
  }
}

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

// Both linters read the document from a file, as they would /openapi.json saved to disk.
const dir = await mkdtemp(join(tmpdir(), "openapi-lint-"));
try {
  const file = join(dir, "openapi.json");
  const text = `${JSON.stringify(document, null, 2)}\n`;
  await writeFile(file, text);
  for (const [name, result] of [
    ["spectral (spectral:oas)", await spectral(file, text)],
    ["redocly (recommended)", await redocly(file)],
  ] as const) {
    report(name, result);
    if (result.errors > 0) problems.push(`${name}: ${result.errors} errors`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(problems.map((p) => `openapi: ${p}`).join("\n"));
  process.exit(1);
}
console.log(
  `openapi: valid OpenAPI ${document.openapi}, ${operations.length} operations, every contract endpoint documented, no linter errors`,
);
