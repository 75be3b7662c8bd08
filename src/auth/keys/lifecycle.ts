// The signing-key lifecycle as pure functions of the stored timestamps and a clock:
//
//   next ──(sign_from)──▶ current ──(retire_at = successor's sign_from)──▶ retired ──(expire_at)──▶ expired
//     published from publish_from, at least KEY_PUBLISH_LEAD before it signs;
//     retired keys stay published until every token they signed has expired.
//   revoked: removed from the JWKS and from signing at once (emergency rotation).
//
// Reading the timestamps (not the `state` column) means a late or missed cron run can never
// make a key sign early, stop early, or vanish while its tokens are still valid.
import type { KeyPolicy } from '../../config/index.ts';

/** The `state` column of signing_keys (src/store/schema.ts), kept in step by the cron. */
export const signingKeyStates = ['next', 'current', 'retired', 'expired', 'revoked'] as const;
export type SigningKeyState = (typeof signingKeyStates)[number];

export interface KeyTimeline {
  kid: string;
  generation: number;
  state: SigningKeyState;
  publishFrom: Date;
  signFrom: Date;
  retireAt: Date | null;
  expireAt: Date | null;
  revokedAt: Date | null;
}

const SECOND = 1000;
const at = (date: Date, seconds: number) => new Date(date.getTime() + seconds * SECOND);

export function stateAt(key: KeyTimeline, now: Date): SigningKeyState {
  if (key.revokedAt) return 'revoked';
  if (key.expireAt && key.expireAt <= now) return 'expired';
  if (key.retireAt && key.retireAt <= now) return 'retired';
  if (key.signFrom <= now) return 'current';
  return 'next';
}

export function isPublished(key: KeyTimeline, now: Date): boolean {
  const state = stateAt(key, now);
  return state !== 'revoked' && state !== 'expired' && key.publishFrom <= now;
}

/** The key that signs at `now`: the newest one whose signing window contains `now`. */
export function signingKeyAt<K extends KeyTimeline>(keys: readonly K[], now: Date): K | undefined {
  let best: K | undefined;
  for (const key of keys) {
    if (stateAt(key, now) !== 'current') continue;
    if (!best || key.signFrom > best.signFrom) best = key;
  }
  return best;
}

/** The scheduled successor, if one is already published and waiting to sign. */
export function nextKeyAt<K extends KeyTimeline>(keys: readonly K[], now: Date): K | undefined {
  return keys
    .filter((key) => stateAt(key, now) === 'next')
    .sort((a, b) => a.signFrom.getTime() - b.signFrom.getTime())[0];
}

/** When the next successor must start signing, and so when it must be published. */
export function rotationDueAt(
  current: KeyTimeline,
  policy: Pick<KeyPolicy, 'rotationPeriod'>,
): Date {
  return at(current.signFrom, policy.rotationPeriod);
}

export interface NewKeyTimes {
  generation: number;
  publishFrom: Date;
  signFrom: Date;
  /** Set when the new key will itself be superseded by an already scheduled successor. */
  retireAt: Date | null;
  expireAt: Date | null;
}

/** How a key that stops signing at `retireAt` leaves the JWKS: once its last token expired. */
export const retirement = (retireAt: Date, policy: Pick<KeyPolicy, 'tokenLifetime'>) => ({
  retireAt,
  expireAt: at(retireAt, policy.tokenLifetime),
});

export type RotationStep =
  /** Nothing signs now (empty database, or the signing key was revoked): a key must sign at once. */
  | { kind: 'immediate'; key: NewKeyTimes }
  /** Publish the successor now; it signs after the publish lead; the current key then retires. */
  | { kind: 'schedule'; key: NewKeyTimes; supersedes: string; retireAt: Date; expireAt: Date }
  | { kind: 'none' };

const maxGeneration = (keys: readonly KeyTimeline[]) =>
  keys.reduce((max, key) => Math.max(max, key.generation), 0);

export function planRotation(
  keys: readonly KeyTimeline[],
  now: Date,
  policy: Pick<KeyPolicy, 'rotationPeriod' | 'publishLead' | 'tokenLifetime'>,
): RotationStep {
  const generation = maxGeneration(keys) + 1;
  const current = signingKeyAt(keys, now);
  const next = nextKeyAt(keys, now);
  if (!current) {
    // A waiting successor keeps its schedule; the stop-gap key retires when it takes over.
    const until = next ? retirement(next.signFrom, policy) : { retireAt: null, expireAt: null };
    return { kind: 'immediate', key: { generation, publishFrom: now, signFrom: now, ...until } };
  }
  if (next) return { kind: 'none' };
  const due = rotationDueAt(current, policy);
  if (now < at(due, -policy.publishLead)) return { kind: 'none' };
  // Publish now; sign no earlier than a full lead from now, even when the cron ran late.
  const signFrom = new Date(Math.max(due.getTime(), at(now, policy.publishLead).getTime()));
  return {
    kind: 'schedule',
    key: { generation, publishFrom: now, signFrom, retireAt: null, expireAt: null },
    supersedes: current.kid,
    ...retirement(signFrom, policy),
  };
}

/** Emergency rotation: a new key signs now, the current one is revoked (gone from the JWKS). */
export function planEmergencyRotation(
  keys: readonly KeyTimeline[],
  now: Date,
  policy: Pick<KeyPolicy, 'tokenLifetime'>,
): { key: NewKeyTimes; revokes: string | undefined } {
  const next = nextKeyAt(keys, now);
  const until = next ? retirement(next.signFrom, policy) : { retireAt: null, expireAt: null };
  return {
    key: { generation: maxGeneration(keys) + 1, publishFrom: now, signFrom: now, ...until },
    revokes: signingKeyAt(keys, now)?.kid,
  };
}

/** Rows whose stored `state` no longer matches their timestamps (for the cron to tidy). */
export function staleStates(
  keys: readonly KeyTimeline[],
  now: Date,
): { kid: string; state: SigningKeyState }[] {
  return keys
    .map((key) => ({ kid: key.kid, state: stateAt(key, now), stored: key.state }))
    .filter((k) => k.state !== k.stored)
    .map(({ kid, state }) => ({ kid, state }));
}
