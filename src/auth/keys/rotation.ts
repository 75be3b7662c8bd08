// The rotation steps that change the stored key set: the cron's (and `npm run keys -- advance`'s)
// step along the lifecycle, and the KEK rotation. Each drops this isolate's snapshot after its
// change (src/auth/keys/service.ts); other isolates see it within KEY_CACHE_TTL, or at once after
// an emergency rotation's version bump (emergency.ts).
import { openPrivateKey, sealPrivateKey } from './key-material.ts';
import { planRotation, type RotationStep, staleStates } from './lifecycle.ts';
import { createKey, forgetKeys, type KeyContext } from './service.ts';
import type { SigningKeyRecord } from './store.ts';

export interface AdvanceResult {
  step: RotationStep['kind'];
  createdKid: string | undefined;
  statesUpdated: number;
  /** Whether the published set may have changed (caches of the JWKS must be replaced). */
  changed: boolean;
}

/** The cron's step: schedule the successor when due, bootstrap if nothing signs, tidy states. */
export async function advanceKeys(ctx: KeyContext, now: Date): Promise<AdvanceResult> {
  let keys = await ctx.store.list(ctx.issuer);
  const step = planRotation(keys, now, ctx.policy);
  let created: SigningKeyRecord | undefined;
  if (step.kind === 'immediate') created = await createKey(ctx, step.key, {});
  if (step.kind === 'schedule') {
    const { supersedes, retireAt, expireAt } = step;
    created = await createKey(ctx, step.key, {
      supersede: { kid: supersedes, retireAt, expireAt },
    });
  }
  if (created) keys = await ctx.store.list(ctx.issuer);
  const stale = staleStates(keys, now);
  await ctx.store.setStates(stale);
  const changed = created !== undefined || stale.length > 0;
  if (changed) forgetKeys(ctx.issuer);
  return { step: step.kind, createdKid: created?.kid, statesUpdated: stale.length, changed };
}

/**
 * KEK rotation: re-encrypts every stored private key under the first configured KEK. Run it
 * with the new KEK first and the old one still listed; afterwards the old one can be dropped.
 */
export async function resealKeys(ctx: KeyContext): Promise<{ resealed: string[] }> {
  const [primary] = ctx.policy.keks;
  const resealed: string[] = [];
  for (const key of await ctx.store.list(ctx.issuer)) {
    if (key.kekId === primary.id) continue;
    const pkcs8 = await openPrivateKey(key.privateKeyEnc, key.kid, key.kekId, ctx.policy.keks);
    await ctx.store.reseal(key.kid, await sealPrivateKey(pkcs8, key.kid, primary), primary.id);
    resealed.push(key.kid);
  }
  forgetKeys(ctx.issuer);
  return { resealed };
}
