import { createApp } from "./app";

const app = createApp();

export type AppType = typeof app;

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
