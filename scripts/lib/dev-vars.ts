/**
 * .dev.vars for `npm run dev`: created from .dev.vars.example when missing, and its JWT_SECRET
 * replaced by 32 random bytes whenever it is missing, published or weak (the rule the Worker
 * enforces), so a clone never serves with a secret that anyone can read in the repository.
 * Settings the example has and .dev.vars lacks are appended with the example's values.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { jwtSecretProblem, randomJwtSecret } from "../../src/platform/secrets";

const LINE = /^JWT_SECRET[ \t]*=[ \t]*"?([^"\n]*)"?[ \t]*$/m;

/** `NAME=value` lines of the example that `text` does not set at all. */
export function missingSettings(text: string, example: string): string[] {
  const names = (t: string) =>
    new Set([...t.matchAll(/^([A-Z][A-Z0-9_]*)[ \t]*=/gm)].map((m) => m[1] as string));
  const have = names(text);
  return example.split("\n").filter((line) => {
    const name = /^([A-Z][A-Z0-9_]*)[ \t]*=/.exec(line)?.[1];
    return name !== undefined && name !== "JWT_SECRET" && !have.has(name);
  });
}

export function ensureDevVars(path = ".dev.vars", example = ".dev.vars.example"): void {
  const created = !existsSync(path);
  const exampleText = readFileSync(example, "utf8");
  const text = created ? exampleText : readFileSync(path, "utf8");
  const current = LINE.exec(text)?.[1];
  const problem = jwtSecretProblem(current);
  // Settings the example gained since this .dev.vars was made (WEBHOOK_ALLOW_LOOPBACK, say).
  const missing = created ? [] : missingSettings(text, exampleText);
  if (!problem && !created && missing.length === 0) return;
  let next = text;
  if (problem) {
    const line = `JWT_SECRET="${randomJwtSecret()}"`;
    next = LINE.test(text) ? text.replace(LINE, line) : `${text.trimEnd()}\n${line}\n`;
  }
  if (missing.length > 0) next = `${next.trimEnd()}\n${missing.join("\n")}\n`;
  writeFileSync(path, next, { mode: 0o600 });
  if (missing.length > 0) {
    console.log(
      `dev: added to ${path} from ${example}: ${missing.map((l) => l.split("=")[0]).join(", ")}`,
    );
  }
  if (created || problem) {
    console.log(
      created
        ? `dev: created ${path} from ${example} with a random JWT_SECRET`
        : `dev: ${problem}; wrote a random one into ${path}`,
    );
  }
}
