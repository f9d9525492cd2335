import { defineConfig } from "vitest/config";

// Pure functions only, so plain Node (V8, like workerd) is enough: no Workers pool needed.
export default defineConfig({
  test: { include: [], benchmark: { include: ["bench/**/*.bench.ts"] } },
});
