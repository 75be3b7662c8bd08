// The Cron Trigger: advances the signing-key lifecycle, purges expired audit events,
// expired one-time tokens and the revocations of tokens that can no longer verify.
// Runs hourly; rotation timing comes from KEY_ROTATION_PERIOD, not from the cron expression,
// so a missed run is simply caught up by the next one.
import { runAuditRetention } from './audit/purge.ts';
import { advanceKeys } from './auth/keys/rotation.ts';
import { discoveryUrl, jwksUrl } from './shared/well-known-urls.ts';
import { createServices, type Services } from './compose/services.ts';
import { type Bindings, loadConfig } from './config/index.ts';
import { purgeEdgeCache } from './http/edge-cache.ts';
import { describeCause } from './shared/safe-cause.ts';

export async function runScheduled(controller: ScheduledController, env: Bindings): Promise<void> {
  const config = loadConfig(env);
  const now = new Date(controller.scheduledTime);
  // The run is itself kept alive by waitUntil (src/index.ts): its own background work (the
  // audit write) is awaited before it ends.
  const background: Promise<unknown>[] = [];
  const services = createServices({
    config,
    requestId: `cron-${now.toISOString()}`,
    client: { ip: '', userAgent: '' },
    keepAlive: (work) => background.push(work),
  });
  // Independent steps: one failing must neither skip nor hide the other; each is logged.
  const steps = {
    'key lifecycle step': () => advanceSigningKeys(controller, services, now),
    'audit retention purge': () => runAuditRetention(services.auditEvents, config.audit, now),
    'one-time token purge': () => services.housekeeping.purgeOneTimeTokens(now),
    // A revoked token past exp + CLOCK_SKEW no longer verifies: its row has done its job.
    'revoked token purge': () =>
      services.housekeeping.purgeRevocations(new Date(now.getTime() - config.clockSkew * 1000)),
  };
  const outcomes = await services.run(() =>
    Promise.allSettled(Object.values(steps).map((step) => step())),
  );
  services.flushAudit();
  await Promise.allSettled(background);
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
  services: Services,
  now: Date,
): Promise<void> {
  const { config } = services;
  const result = await advanceKeys(services.keys, now);
  if (result.changed) {
    // Replaces this location's copies at once; other locations within KEY_CACHE_TTL (their
    // isolates' key sets no longer match the copies),
    // which the publish lead time already accounts for.
    await purgeEdgeCache([jwksUrl(config.issuer), discoveryUrl(config.issuer)]);
    services.audit.record({
      type: 'key_rotated',
      details: {
        source: 'cron',
        issuer: config.issuer,
        step: result.step,
        created_kid: result.createdKid,
        states_updated: result.statesUpdated,
      },
    });
  }
  console.log(
    JSON.stringify({ level: 'info', msg: 'key lifecycle step', cron: controller.cron, ...result }),
  );
}
