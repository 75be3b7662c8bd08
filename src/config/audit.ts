// Audit log settings: retention of `audit_events`, purged by the Cron Trigger in bounded batches.
import { z } from 'zod';
import { int } from './fields.ts';

export interface AuditBindings {
  AUDIT_RETENTION_DAYS?: string;
  AUDIT_PURGE_BATCH?: string;
}

export const auditFields = {
  AUDIT_RETENTION_DAYS: int(90, { min: 1, max: 3650 }),
  AUDIT_PURGE_BATCH: int(1000, { min: 10, max: 50_000 }),
};

type AuditEnv = z.output<z.ZodObject<typeof auditFields>>;

export interface AuditConfig {
  retentionDays: number;
  /** Rows deleted per statement; the cron repeats until done or its budget is spent. */
  purgeBatch: number;
}

export function toAuditConfig(env: AuditEnv): AuditConfig {
  return { retentionDays: env.AUDIT_RETENTION_DAYS, purgeBatch: env.AUDIT_PURGE_BATCH };
}
