// Retention: the Cron Trigger deletes audit events older than AUDIT_RETENTION_DAYS in bounded
// batches, so no single statement holds locks (or a Neon HTTP request) for long. A backlog
// larger than one run's budget is simply continued by the next run.
import type { AuditConfig } from '../config/audit.ts';
import type { AuditEventStore } from './store.ts';

/** Statements per run; with the default batch of 1000 that is 20,000 rows an hour. */
export const MAX_PURGE_BATCHES = 20;

export interface PurgeResult {
  deleted: number;
  batches: number;
  /** The budget ran out with rows possibly left; the next run continues. */
  more: boolean;
  cutoff: string;
}

export async function purgeAuditEvents(
  store: Pick<AuditEventStore, 'purgeBatch'>,
  policy: AuditConfig,
  now: Date,
  maxBatches = MAX_PURGE_BATCHES,
): Promise<PurgeResult> {
  const cutoff = new Date(now.getTime() - policy.retentionDays * 86_400_000);
  let deleted = 0;
  let batches = 0;
  while (batches < maxBatches) {
    const count = await store.purgeBatch(cutoff, policy.purgeBatch);
    batches += 1;
    deleted += count;
    // A short batch means nothing older than the cutoff is left.
    if (count < policy.purgeBatch) {
      return { deleted, batches, more: false, cutoff: cutoff.toISOString() };
    }
  }
  return { deleted, batches, more: true, cutoff: cutoff.toISOString() };
}

/** The cron's retention step: purge, then one log line with what was done. */
export async function runAuditRetention(
  store: Pick<AuditEventStore, 'purgeBatch'>,
  policy: AuditConfig,
  now: Date,
): Promise<PurgeResult> {
  const result = await purgeAuditEvents(store, policy, now);
  console.log(JSON.stringify({ level: 'info', msg: 'audit retention purge', ...result }));
  return result;
}
