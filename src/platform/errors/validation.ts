import type { z } from "@hono/zod-openapi";
import { type FieldIssue, validationError } from "./api-error";
import { REQUIRED_MESSAGE } from "./zod-messages";

const TARGET_PREFIX: Record<string, string> = {
  param: "path",
  query: "query",
  header: "header",
  json: "body",
  form: "body",
  cookie: "cookie",
};

type Issue = z.core.$ZodIssue;

function ruleOf(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      // zod reports a missing value as a type error; zod-messages names it.
      return issue.message === REQUIRED_MESSAGE ? "required" : "type";
    case "invalid_format":
      return issue.format === "regex" ? "pattern" : issue.format;
    case "too_big":
      return issue.origin === "number" || issue.origin === "int" ? "max" : "max_length";
    case "too_small":
      return issue.origin === "number" || issue.origin === "int" ? "min" : "min_length";
    case "unrecognized_keys":
      return "unknown_field";
    case "invalid_value":
      return issue.message === REQUIRED_MESSAGE ? "required" : "enum";
    case "custom":
      return typeof issue.params?.rule === "string" ? issue.params.rule : "invalid";
    default:
      return issue.code;
  }
}

const fieldName = (target: string, path: PropertyKey[]) =>
  path.reduce<string>(
    (name, key) => (typeof key === "number" ? `${name}[${key}]` : `${name}.${String(key)}`),
    TARGET_PREFIX[target] ?? target,
  );

/** Turns zod's issues into the contract's field/rule list, one entry per offending field. */
export function issuesFromZod(target: string, error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        field: fieldName(target, [...issue.path, key]),
        rule: "unknown_field",
        message: "is not a known field",
      }));
    }
    return [{ field: fieldName(target, issue.path), rule: ruleOf(issue), message: issue.message }];
  });
}

export const zodValidationError = (target: string, error: z.ZodError) =>
  validationError(issuesFromZod(target, error));

const LONE_SURROGATE: Omit<FieldIssue, "field"> = {
  rule: "pattern",
  message: "must not contain a lone surrogate (a \\uD800–\\uDFFF escape without its pair)",
};

/**
 * Every string of a parsed JSON value (and every key) that is not well-formed Unicode. JSON can
 * escape half of a surrogate pair on its own (`"\ud800"`); such a string cannot be stored as
 * UTF-8, and the database would keep U+FFFD in its place. One check for every body, whatever
 * its schema.
 */
export function malformedTextIssues(target: string, value: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const visit = (node: unknown, path: PropertyKey[]) => {
    if (typeof node === "string") {
      if (!node.isWellFormed()) issues.push({ field: fieldName(target, path), ...LONE_SURROGATE });
    } else if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, [...path, i]);
    } else if (node !== null && typeof node === "object") {
      for (const [key, item] of Object.entries(node)) {
        if (!key.isWellFormed()) {
          issues.push({
            field: fieldName(target, [...path, key.toWellFormed()]),
            ...LONE_SURROGATE,
          });
        }
        visit(item, [...path, key]);
      }
    }
  };
  visit(value, []);
  return issues;
}
