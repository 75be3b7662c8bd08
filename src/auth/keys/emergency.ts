// Emergency rotation (a suspected leak): the SQL change, then the key-set version bump that
// makes every isolate reload its keys before it next signs (src/auth/keys/service.ts,
// observeKeySetVersion). Run by `npm run keys -- rotate`.
import { planEmergencyRotation } from './lifecycle.ts';
import { createKey, type KeyContext } from './service.ts';
import type { KeySetVersionCounter } from './store.ts';
import { AuthError } from '../../shared/errors.ts';
import { describeCause } from '../../shared/safe-cause.ts';

/**
 * For a suspected leak: a new key signs now; the current key is revoked and unpublished. This
 * changes SQL only; isolates learn of it from the key-set version (rotateInEmergency).
 */
export async function emergencyRotate(
  ctx: KeyContext,
  now: Date,
): Promise<{ kid: string; revoked: string | undefined }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const keys = await ctx.store.list(ctx.issuer);
    const plan = planEmergencyRotation(keys, now, ctx.policy);
    const created = await createKey(
      ctx,
      plan.key,
      plan.revokes ? { revoke: { kid: plan.revokes, at: now } } : {},
    );
    if (created) return { kid: created.kid, revoked: plan.revokes };
  }
  throw new AuthError(
    'server_error',
    'emergency rotation lost three races in a row; is another rotation running?',
  );
}

/** The SQL change is made, but isolates were not told: they notice within KEY_CACHE_TTL. */
export class KeySetVersionNotBumpedError extends AuthError {
  readonly rotation: { kid: string; revoked: string | undefined };

  constructor(rotation: { kid: string; revoked: string | undefined }, cause: unknown) {
    // The cause's facts only: a Redis client's message repeats the command.
    super(
      'key_set_version_not_bumped',
      `the key-set version could not be bumped: ${describeCause(cause)}`,
      { cause },
    );
    this.rotation = rotation;
  }
}

/**
 * `npm run keys -- rotate`: the emergency rotation in SQL, THEN the version bump that makes
 * every isolate reload before its next signature (the order observeKeySetVersion relies on).
 */
export async function rotateInEmergency(
  ctx: KeyContext,
  counter: KeySetVersionCounter,
  now: Date,
): Promise<{ kid: string; revoked: string | undefined; version: string }> {
  const rotation = await emergencyRotate(ctx, now);
  let version: string;
  try {
    version = await counter.bump();
  } catch (cause) {
    throw new KeySetVersionNotBumpedError(rotation, cause);
  }
  return { ...rotation, version };
}
