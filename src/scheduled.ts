// The Cron Trigger: advances the signing-key lifecycle (and later other housekeeping).
// Runs hourly; rotation timing comes from KEY_ROTATION_PERIOD, not from the cron expression,
// so a missed run is simply caught up by the next one.
import { discoveryUrl, jwksUrl, keyContext } from './auth/keys/context.ts';
import { advanceKeys } from './auth/keys/service.ts';
import { type Bindings, loadConfig } from './config/index.ts';
import { purgeEdgeCache } from './http/edge-cache.ts';
import { createStores } from './store/index.ts';
import { RequestTrace } from './store/trace.ts';

export async function runScheduled(controller: ScheduledController, env: Bindings): Promise<void> {
  const config = loadConfig(env);
  const now = new Date(controller.scheduledTime);
  const trace = new RequestTrace(`cron-${now.toISOString()}`);
  const stores = createStores(config, trace);
  const result = await advanceKeys(keyContext(config, stores.db), now);
  if (result.changed) {
    // Replaces this location's copies at once; other locations refresh within JWKS_EDGE_TTL,
    // which the publish lead time already accounts for.
    await purgeEdgeCache([jwksUrl(config.issuer), discoveryUrl(config.issuer)]);
  }
  console.log(
    JSON.stringify({ level: 'info', msg: 'key lifecycle step', cron: controller.cron, ...result }),
  );
}
