import type { z } from "@hono/zod-openapi";

/*
 * A document held to its zod schema as a contract: it must parse, and beyond what parsing
 * checks, carry no key the schema does not list and its keys in the order the schema lists
 * them, at every depth. (zod strips unknown keys and ignores order; clients that compare bytes,
 * hash bodies or read the vendor's examples do not.)
 */

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

function shapeProblems(schema: z.ZodType, value: unknown, path: string): string[] {
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "readonly":
      return value === null || value === undefined
        ? []
        : shapeProblems(def.innerType as z.ZodType, value, path);
    case "pipe":
      return shapeProblems(def.in as z.ZodType, value, path);
    case "array":
      return Array.isArray(value)
        ? value.flatMap((item, i) => shapeProblems(def.element as z.ZodType, item, `${path}[${i}]`))
        : [];
    case "union": {
      const option = def.options?.find((o) => o.safeParse(value).success);
      return option ? shapeProblems(option, value, path) : [];
    }
    case "object": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
      const shape = def.shape as Record<string, z.ZodType>;
      const documented = Object.keys(shape);
      const keys = Object.keys(value);
      const problems = keys
        .filter((key) => !documented.includes(key))
        .map((key) => `${path}.${key}: not in the schema`);
      const known = keys.filter((key) => documented.includes(key));
      const order = documented.filter((key) => known.includes(key));
      if (known.join() !== order.join()) {
        problems.push(
          `${path}: keys ${known.join(", ")}; the schema orders them ${order.join(", ")}`,
        );
      }
      for (const key of known) {
        const child = (value as Record<string, unknown>)[key];
        problems.push(...shapeProblems(shape[key] as z.ZodType, child, `${path}.${key}`));
      }
      return problems;
    }
    default:
      return [];
  }
}

/** Everything in which `value` is not exactly a document of `schema` (none: it is). */
export function documentProblems(schema: z.ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  const invalid = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `$.${issue.path.join(".")}: ${issue.message}`);
  return [...invalid, ...shapeProblems(schema, value, "$")];
}
