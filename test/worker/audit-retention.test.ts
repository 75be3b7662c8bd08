// The Cron Trigger's side of the audit log: key_rotated rows, the retention purge in bounded
// batches, and the table refusing UPDATE (append-only).
import { and, eq, inArray, sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { purgeAuditEvents } from '../../src/audit/purge.ts';
import { auditEvents } from '../../src/store/schema.ts';
import { auditRowsWhere } from './audit-fixtures.ts';
import { testDb } from './db-fixtures.ts';
import { runCron, uniqueIssuer } from './helpers.ts';

const DAY = 86_400_000;
const probeType = () => `admin_probe_${crypto.randomUUID().slice(0, 8)}`;

/** `count` rows of `type`, `ageDays` old. */
async function insertAged(type: string, count: number, ageDays: number) {
  const at = new Date(Date.now() - ageDays * DAY);
  const rows = Array.from({ length: count }, (_, i) => ({ type, at, details: { n: i } }));
  const inserted = await testDb()
    .insert(auditEvents)
    .values(rows)
    .returning({ id: auditEvents.id });
  return inserted.map((row) => row.id);
}

describe('key_rotated', () => {
  it('is written by the cron when a lifecycle step changed something', async () => {
    const issuer = uniqueIssuer('audit');
    // A fresh issuer has no key: the cron creates the first one.
    await runCron({ ISSUER: issuer }, new Date());
    const rows = await auditRowsWhere(
      and(eq(auditEvents.type, 'key_rotated'), sql`${auditEvents.details}->>'issuer' = ${issuer}`),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      userId: null,
      ip: null,
      details: { source: 'cron', issuer, step: 'immediate', created_kid: expect.any(String) },
    });
    expect(rows[0]!.requestId).toMatch(/^cron-/);

    // Nothing due: no change, no row.
    await runCron({ ISSUER: issuer }, new Date());
    const again = await testDb()
      .select()
      .from(auditEvents)
      .where(sql`${auditEvents.details}->>'issuer' = ${issuer}`);
    expect(again).toHaveLength(1);
  });
});

describe('retention', () => {
  it('the cron deletes events older than AUDIT_RETENTION_DAYS in batches and keeps the rest', async () => {
    const type = probeType();
    const old = await insertAged(type, 25, 45);
    const recent = await insertAged(type, 5, 20);
    const log = vi.spyOn(console, 'log');
    try {
      await runCron(
        { ISSUER: uniqueIssuer('purge'), AUDIT_RETENTION_DAYS: '30', AUDIT_PURGE_BATCH: '10' },
        new Date(),
      );
      const line = log.mock.calls
        .map(([text]) => String(text))
        .find((text) => text.includes('audit retention purge'));
      const result = JSON.parse(line ?? '{}');
      // 25 old rows in batches of 10: at least 10 + 10 + 5 (more if older rows lingered).
      expect(result.deleted).toBeGreaterThanOrEqual(25);
      expect(result.batches).toBeGreaterThanOrEqual(3);
      expect(result.more).toBe(false);
    } finally {
      log.mockRestore();
    }
    const left = await testDb()
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(inArray(auditEvents.id, [...old, ...recent]));
    expect(left.map((row) => row.id).sort((a, b) => a - b)).toEqual(recent);
  });

  it('stops after its batch budget; the next run continues', async () => {
    const calls: number[] = [];
    const store = {
      purgeBatch: async (_cutoff: Date, limit: number) => {
        calls.push(limit);
        return limit; // always a full batch: there is always more
      },
    };
    const policy = { retentionDays: 90, purgeBatch: 100 };
    const result = await purgeAuditEvents(store, policy, new Date(), 3);
    expect(calls).toEqual([100, 100, 100]);
    expect(result).toMatchObject({ deleted: 300, batches: 3, more: true });
  });

  it('passes the cutoff of now minus the retention', async () => {
    let seen: Date | undefined;
    const store = {
      purgeBatch: async (cutoff: Date) => {
        seen = cutoff;
        return 0;
      },
    };
    const now = new Date('2030-01-31T00:00:00Z');
    await purgeAuditEvents(store, { retentionDays: 30, purgeBatch: 10 }, now);
    expect(seen).toEqual(new Date('2030-01-01T00:00:00Z'));
  });
});

describe('append-only', () => {
  it('refuses UPDATE; DELETE (the purge) still works', async () => {
    const [id] = await insertAged(probeType(), 1, 0);
    await expect(
      testDb().update(auditEvents).set({ type: 'tampered' }).where(eq(auditEvents.id, id!)),
    ).rejects.toThrow();
    const [row] = await testDb().select().from(auditEvents).where(eq(auditEvents.id, id!));
    expect(row?.type).toMatch(/^admin_probe_/);
    await testDb().delete(auditEvents).where(eq(auditEvents.id, id!));
    expect(await testDb().select().from(auditEvents).where(eq(auditEvents.id, id!))).toEqual([]);
  });
});
