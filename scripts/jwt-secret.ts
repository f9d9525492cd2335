/**
 * `npm run secret:jwt [-- --env <name>]`: stores 32 random bytes as the deployed Worker's
 * JWT_SECRET (`wrangler secret put`, the value piped in, never printed or typed). Rotating it
 * signs everyone out: tokens signed with the old secret stop verifying.
 */
import { execFileSync } from "node:child_process";
import { randomJwtSecret } from "../src/platform/secrets";

execFileSync("wrangler", ["secret", "put", "JWT_SECRET", ...process.argv.slice(2)], {
  input: `${randomJwtSecret()}\n`,
  stdio: ["pipe", "inherit", "inherit"],
});
console.log(
  "secret:jwt: a new random JWT_SECRET is stored; tokens signed before it no longer verify",
);
