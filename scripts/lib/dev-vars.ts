/**
 * .dev.vars for `npm run dev`: created from .dev.vars.example when missing, and its JWT_SECRET
 * replaced by 32 random bytes whenever it is missing, published or weak (the rule the Worker
 * enforces), so a clone never serves with a secret that anyone can read in the repository.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { jwtSecretProblem, randomJwtSecret } from "../../src/platform/secrets";

const LINE = /^JWT_SECRET[ \t]*=[ \t]*"?([^"\n]*)"?[ \t]*$/m;

export function ensureDevVars(path = ".dev.vars", example = ".dev.vars.example"): void {
  const created = !existsSync(path);
  const text = created ? readFileSync(example, "utf8") : readFileSync(path, "utf8");
  const current = LINE.exec(text)?.[1];
  const problem = jwtSecretProblem(current);
  if (!problem && !created) return;
  let next = text;
  if (problem) {
    const line = `JWT_SECRET="${randomJwtSecret()}"`;
    next = LINE.test(text) ? text.replace(LINE, line) : `${text.trimEnd()}\n${line}\n`;
  }
  writeFileSync(path, next, { mode: 0o600 });
  console.log(
    created
      ? `dev: created ${path} from ${example} with a random JWT_SECRET`
      : `dev: ${problem}; wrote a random one into ${path}`,
  );
}
