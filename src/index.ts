// Worker entry: the app is built once per isolate, not per request.
import { createApp } from './http/app.ts';
import type { Bindings } from './config/index.ts';
import { runScheduled } from './scheduled.ts';

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller, env));
  },
} satisfies ExportedHandler<Bindings>;
