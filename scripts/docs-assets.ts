/**
 * Copies the browser libraries of the pages this Worker serves from node_modules into public/,
 * served as Workers static assets, so neither page loads anything from another origin:
 * Swagger UI (swagger-ui-dist) for /docs into public/docs/vendor/, and uPlot (uplot) for the
 * /review dashboard's chart into public/review/vendor/.
 * Run by `npm run dev`, `npm run deploy` and `npm run test:browser`.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const packageDir = (name: string) =>
  dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

const copies = [
  {
    name: "Swagger UI",
    from: packageDir("swagger-ui-dist"),
    to: "public/docs/vendor",
    files: ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"],
  },
  {
    name: "uPlot",
    from: join(packageDir("uplot"), "dist"),
    to: "public/review/vendor",
    files: ["uPlot.iife.min.js", "uPlot.min.css"],
  },
];
for (const { name, from, to, files } of copies) {
  mkdirSync(to, { recursive: true });
  for (const file of files) copyFileSync(join(from, file), join(to, file));
  console.log(`docs: ${name} copied to ${to}`);
}
