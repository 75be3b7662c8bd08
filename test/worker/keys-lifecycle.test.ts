// The lifecycle as pure functions of timestamps and a clock (src/auth/keys/lifecycle.ts).
import { describe, expect, it } from 'vitest';
import {
  isPublished,
  type KeyTimeline,
  planEmergencyRotation,
  planRotation,
  signingKeyAt,
  stateAt,
} from '../../src/auth/keys/lifecycle.ts';

const DAY = 86_400;
const policy = { rotationPeriod: 30 * DAY, publishLead: DAY, tokenLifetime: 930 };
const t0 = new Date('2026-01-01T00:00:00Z');
const after = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

const key = (
  kid: string,
  generation: number,
  overrides: Partial<KeyTimeline> = {},
): KeyTimeline => ({
  kid,
  generation,
  state: 'current',
  publishFrom: t0,
  signFrom: t0,
  retireAt: null,
  expireAt: null,
  revokedAt: null,
  ...overrides,
});

describe('planRotation', () => {
  it('bootstraps a key that signs at once on an empty set', () => {
    expect(planRotation([], t0, policy)).toEqual({
      kind: 'immediate',
      key: { generation: 1, publishFrom: t0, signFrom: t0, retireAt: null, expireAt: null },
    });
  });

  it('does nothing before the successor must be published', () => {
    expect(planRotation([key('a', 1)], after(29 * DAY - 1), policy).kind).toBe('none');
  });

  it('publishes the successor a full lead before it signs, and retires the current key then', () => {
    const now = after(29 * DAY);
    const step = planRotation([key('a', 1)], now, policy);
    expect(step).toEqual({
      kind: 'schedule',
      key: {
        generation: 2,
        publishFrom: now,
        signFrom: after(30 * DAY),
        retireAt: null,
        expireAt: null,
      },
      supersedes: 'a',
      retireAt: after(30 * DAY),
      expireAt: after(30 * DAY + 930),
    });
  });

  it('a late cron still gives the successor the whole lead time', () => {
    const now = after(40 * DAY);
    const step = planRotation([key('a', 1)], now, policy);
    if (step.kind !== 'schedule') throw new Error(step.kind);
    expect(step.key.publishFrom).toEqual(now);
    expect(step.key.signFrom).toEqual(after(41 * DAY));
  });

  it('does nothing while a successor is already scheduled', () => {
    const keys = [
      key('a', 1),
      key('b', 2, { publishFrom: after(29 * DAY), signFrom: after(30 * DAY) }),
    ];
    expect(planRotation(keys, after(29 * DAY + 5), policy).kind).toBe('none');
  });
});

describe('reading the timeline', () => {
  const a = key('a', 1, { retireAt: after(30 * DAY), expireAt: after(30 * DAY + 930) });
  const b = key('b', 2, { state: 'next', publishFrom: after(29 * DAY), signFrom: after(30 * DAY) });

  it('moves next -> current -> retired -> expired on the timestamps alone', () => {
    expect([stateAt(b, after(29 * DAY)), stateAt(b, after(30 * DAY))]).toEqual(['next', 'current']);
    expect(stateAt(a, after(30 * DAY))).toBe('retired');
    expect(stateAt(a, after(30 * DAY + 930))).toBe('expired');
  });

  it('the newest current key signs; the retired one stays published until its tokens expired', () => {
    expect(signingKeyAt([a, b], after(30 * DAY - 1))?.kid).toBe('a');
    expect(signingKeyAt([a, b], after(30 * DAY))?.kid).toBe('b');
    expect(isPublished(a, after(30 * DAY + 929))).toBe(true);
    expect(isPublished(a, after(30 * DAY + 930))).toBe(false);
  });

  it('a next key is published before it signs, never before publishFrom', () => {
    expect(isPublished(b, after(29 * DAY - 1))).toBe(false);
    expect(isPublished(b, after(29 * DAY))).toBe(true);
    expect(signingKeyAt([b], after(29 * DAY))).toBeUndefined();
  });

  it('a revoked key neither signs nor is published', () => {
    const revoked = key('a', 1, { revokedAt: t0 });
    expect(isPublished(revoked, t0)).toBe(false);
    expect(signingKeyAt([revoked], t0)).toBeUndefined();
  });
});

describe('planEmergencyRotation', () => {
  it('revokes the signing key and signs with a new key at once', () => {
    expect(planEmergencyRotation([key('a', 1)], after(DAY), policy)).toEqual({
      key: {
        generation: 2,
        publishFrom: after(DAY),
        signFrom: after(DAY),
        retireAt: null,
        expireAt: null,
      },
      revokes: 'a',
    });
  });

  it('keeps a scheduled successor on its schedule; the stop-gap key retires when it takes over', () => {
    const next = key('b', 2, { publishFrom: after(29 * DAY), signFrom: after(30 * DAY) });
    const plan = planEmergencyRotation([key('a', 1), next], after(29 * DAY + 10), policy);
    expect(plan.key.retireAt).toEqual(after(30 * DAY));
    expect(plan.key.expireAt).toEqual(after(30 * DAY + 930));
    expect(plan.key.generation).toBe(3);
  });
});
