/**
 * Copies Swagger UI's browser files from the swagger-ui-dist package into public/docs/vendor/,
 * served as Workers static assets: the /docs page loads nothing from any other origin.
 * Run by `npm run dev`, `npm run deploy` and `npm run test:browser`.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const source = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const target = "public/docs/vendor";
mkdirSync(target, { recursive: true });
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"]) {
  copyFileSync(join(source, file), join(target, file));
}
console.log(`docs: Swagger UI copied to ${target}`);
