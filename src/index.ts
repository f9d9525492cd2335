import { createApp } from "./app";

const app = createApp();

/** The API's type, for `hono/client`: `hc<AppType>(baseUrl)` (see scripts/client-example.ts). */
export type AppType = typeof app;

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
