// The Cron Trigger: advances the signing-key lifecycle, purges expired audit events,
// expired one-time tokens and the revocations of tokens that can no longer verify.
// Runs hourly; rotation timing comes from KEY_ROTATION_PERIOD, not from the cron expression,
// so a missed run is simply caught up by the next one.
import { runAuditRetention } from './audit/purge.ts';
import { purgeExpiredOneTimeTokens } from './store/one-time-tokens.ts';
import { purgeExpiredRevocations } from './store/revoked-tokens.ts';
import { AuditTrail } from './audit/trail.ts';
import { discoveryUrl, jwksUrl, keyContext } from './compose/key-context.ts';
import { advanceKeys } from './auth/keys/service.ts';
import { type Bindings, type Config, loadConfig } from './config/index.ts';
import { purgeEdgeCache } from './http/edge-cache.ts';
import { describeCause } from './shared/safe-cause.ts';
import { drizzleAuditStore } from './store/audit-events.ts';
import { createStores, type Stores } from './store/index.ts';
import { RequestTrace } from './shared/trace.ts';

export async function runScheduled(controller: ScheduledController, env: Bindings): Promise<void> {
  const config = loadConfig(env);
  const now = new Date(controller.scheduledTime);
  const trace = new RequestTrace(`cron-${now.toISOString()}`);
  const stores = createStores(config, trace);
  // Independent steps: one failing must neither skip nor hide the other; each is logged.
  const steps = {
    'key lifecycle step': () => advanceSigningKeys(controller, config, stores, trace, now),
    'audit retention purge': () =>
      runAuditRetention(drizzleAuditStore(stores.db), config.audit, now),
    'one-time token purge': () => purgeExpiredOneTimeTokens(stores.db, now),
    // A revoked token past exp + CLOCK_SKEW no longer verifies: its row has done its job.
    'revoked token purge': () =>
      purgeExpiredRevocations(stores.db, new Date(now.getTime() - config.clockSkew * 1000)),
  };
  const outcomes = await Promise.allSettled(Object.values(steps).map((step) => step()));
  const names = Object.keys(steps);
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') return;
    console.error(
      JSON.stringify({
        level: 'error',
        msg: `${names[i]} failed`,
        cron: controller.cron,
        cause: describeCause(outcome.reason),
      }),
    );
  });
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

async function advanceSigningKeys(
  controller: ScheduledController,
  config: Config,
  stores: Stores,
  trace: RequestTrace,
  now: Date,
): Promise<void> {
  const result = await advanceKeys(keyContext(config, stores.db), now);
  if (result.changed) {
    // Replaces this location's copies at once; other locations within KEY_CACHE_TTL (their
    // isolates' key sets no longer match the copies),
    // which the publish lead time already accounts for.
    await purgeEdgeCache([jwksUrl(config.issuer), discoveryUrl(config.issuer)]);
    const trail = new AuditTrail({ ip: null, userAgent: null, requestId: trace.requestId });
    trail.record({
      type: 'key_rotated',
      details: {
        source: 'cron',
        issuer: config.issuer,
        step: result.step,
        created_kid: result.createdKid,
        states_updated: result.statesUpdated,
      },
    });
    await trail.flush(drizzleAuditStore(stores.db));
  }
  console.log(
    JSON.stringify({ level: 'info', msg: 'key lifecycle step', cron: controller.cron, ...result }),
  );
}
