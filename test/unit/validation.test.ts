import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { issuesFromZod } from "../../src/platform/errors/validation";
import "../../src/platform/errors/zod-messages";

const schema = z.strictObject({
  name: z.string().max(5),
  count: z.number().int().min(1),
  kind: z.enum(["a", "b"]),
  tags: z.array(z.string().regex(/^[a-z]+$/)).max(2),
});

function issues(input: unknown) {
  const result = schema.safeParse(input);
  if (result.success) throw new Error("expected a failure");
  return issuesFromZod("json", result.error);
}

describe("issuesFromZod", () => {
  it("names each field with its source and the rule it broke", () => {
    expect(issues({ name: "too long", count: 0, kind: "c", tags: ["ok", "NO"], extra: 1 })).toEqual(
      [
        { field: "body.name", rule: "max_length", message: "must have at most 5 characters" },
        { field: "body.count", rule: "min", message: "must be at least 1" },
        { field: "body.kind", rule: "enum", message: 'must be one of "a", "b"' },
        { field: "body.tags[1]", rule: "pattern", message: expect.any(String) },
        { field: "body.extra", rule: "unknown_field", message: "is not a known field" },
      ],
    );
  });

  it("tells a missing field from a wrongly typed one", () => {
    expect(issues({ name: 1, kind: "a", tags: [] })).toEqual([
      { field: "body.name", rule: "type", message: "must be of type string" },
      { field: "body.count", rule: "required", message: "is required" },
    ]);
  });

  it("maps path and header targets to their prefixes", () => {
    const result = z.object({ id: z.string().regex(/^x$/, "must be x") }).safeParse({ id: "y" });
    if (result.success) throw new Error("expected a failure");
    expect(issuesFromZod("param", result.error)[0]?.field).toBe("path.id");
    expect(issuesFromZod("header", result.error)[0]?.field).toBe("header.id");
  });
});
