// Signing keys for one issuer: what signs now, what is published, and the rotation steps.
// Each isolate keeps a snapshot of the key set in memory (imported CryptoKeys included), so
// signing never imports a key per request and a warm isolate reads no SQL for keys.
import type { KeyPolicy } from '../../config/index.ts';
import {
  generateSigningKey,
  importPrivateKey,
  importPublicKey,
  openPrivateKey,
  type PublicJwk,
  sealPrivateKey,
} from './key-material.ts';
import {
  isPublished,
  type NewKeyTimes,
  planEmergencyRotation,
  planRotation,
  type RotationStep,
  signingKeyAt,
  staleStates,
} from './lifecycle.ts';
import type { SigningKeyRecord, SigningKeyStore } from './store.ts';

export interface KeyContext {
  issuer: string;
  policy: KeyPolicy;
  store: SigningKeyStore;
  /**
   * The signing key-set version (Redis `keys:version`, null when unset) as the session store
   * read it in the same round trip as a session create or rotation; called before signing.
   */
  observeKeySetVersion(version: string | null): void;
}

export interface Signer {
  kid: string;
  key: CryptoKey;
}

interface Snapshot {
  keys: SigningKeyRecord[];
  loadedAt: number;
  /** Reload at the next key transition or after KEY_CACHE_TTL, whichever comes first. */
  validUntil: number;
}

// Per isolate. Keyed by issuer; in-flight loads are shared by concurrent requests.
const snapshots = new Map<string, Promise<Snapshot>>();
const privateKeys = new Map<string, Promise<CryptoKey>>();
const publicKeys = new Map<string, Promise<CryptoKey>>();
/** Unknown kids trigger at most one reload per this interval (they may be an emergency key). */
const UNKNOWN_KID_RELOAD_MS = 5_000;

function validUntil(keys: SigningKeyRecord[], now: Date, policy: KeyPolicy): number {
  let until = now.getTime() + policy.cacheTtl * 1000;
  for (const key of keys) {
    for (const moment of [key.publishFrom, key.signFrom, key.retireAt, key.expireAt]) {
      if (moment && moment.getTime() > now.getTime()) until = Math.min(until, moment.getTime());
    }
  }
  return until;
}

async function createKey(
  ctx: KeyContext,
  times: NewKeyTimes,
  change: {
    supersede?: { kid: string; retireAt: Date; expireAt: Date };
    revoke?: { kid: string; at: Date };
  },
): Promise<SigningKeyRecord | undefined> {
  const kek = ctx.policy.keks[0];
  if (!kek) throw new Error('KeyPolicy has no key-encryption key');
  const generated = await generateSigningKey(ctx.policy.modulusBits);
  const record: SigningKeyRecord = {
    kid: generated.kid,
    issuer: ctx.issuer,
    modulusBits: ctx.policy.modulusBits,
    publicJwk: generated.publicJwk,
    privateKeyEnc: await sealPrivateKey(generated.pkcs8, generated.kid, kek),
    kekId: kek.id,
    state: times.signFrom <= times.publishFrom ? 'current' : 'next',
    revokedAt: null,
    ...times,
  };
  return (await ctx.store.create({ record, ...change })) ? record : undefined;
}

async function load(ctx: KeyContext, now: Date): Promise<Snapshot> {
  let keys = await ctx.store.list(ctx.issuer);
  if (!signingKeyAt(keys, now)) {
    // Empty database (or the signing key was revoked): one isolate's insert wins the
    // generation; losers discard their key and read the winner's.
    const step = planRotation(keys, now, ctx.policy);
    if (step.kind === 'immediate') await createKey(ctx, step.key, {});
    keys = await ctx.store.list(ctx.issuer);
  }
  return { keys, loadedAt: now.getTime(), validUntil: validUntil(keys, now, ctx.policy) };
}

async function snapshot(ctx: KeyContext, now: Date, force = false): Promise<Snapshot> {
  const cached = snapshots.get(ctx.issuer);
  if (cached && !force) {
    const snap = await cached;
    if (now.getTime() < snap.validUntil && now.getTime() >= snap.loadedAt) return snap;
  }
  const loading = load(ctx, now);
  snapshots.set(ctx.issuer, loading);
  loading.catch(() => snapshots.delete(ctx.issuer));
  return loading;
}

/** Drops this isolate's snapshot (after a rotation step here). */
export function forgetKeys(issuer: string): void {
  snapshots.delete(issuer);
}

export async function currentSigner(ctx: KeyContext, now: Date): Promise<Signer> {
  const snap = await snapshot(ctx, now);
  const key = signingKeyAt(snap.keys, now);
  if (!key) throw new Error(`no signing key for ${ctx.issuer} after bootstrap`);
  let imported = privateKeys.get(key.kid);
  if (!imported) {
    imported = openPrivateKey(key.privateKeyEnc, key.kid, key.kekId, ctx.policy.keks).then(
      importPrivateKey,
    );
    privateKeys.set(key.kid, imported);
    imported.catch(() => privateKeys.delete(key.kid));
  }
  return { kid: key.kid, key: await imported };
}

export async function publishedKeys(ctx: KeyContext, now: Date): Promise<PublicJwk[]> {
  const snap = await snapshot(ctx, now);
  return snap.keys.filter((key) => isPublished(key, now)).map((key) => key.publicJwk);
}

/** The public key for a kid that is published at `now`, or undefined. */
export async function verificationKey(
  ctx: KeyContext,
  kid: string,
  now: Date,
): Promise<CryptoKey | undefined> {
  let snap = await snapshot(ctx, now);
  let key = snap.keys.find((k) => k.kid === kid);
  if (!key && now.getTime() - snap.loadedAt > UNKNOWN_KID_RELOAD_MS) {
    snap = await snapshot(ctx, now, true);
    key = snap.keys.find((k) => k.kid === kid);
  }
  if (!key || !isPublished(key, now)) return undefined;
  let imported = publicKeys.get(kid);
  if (!imported) {
    imported = importPublicKey(key.publicJwk);
    publicKeys.set(kid, imported);
  }
  return imported;
}

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

/** For a suspected leak: a new key signs now; the current key is revoked and unpublished. */
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
    if (created) {
      forgetKeys(ctx.issuer);
      return { kid: created.kid, revoked: plan.revokes };
    }
  }
  throw new Error('emergency rotation lost three races in a row; is another rotation running?');
}

/**
 * KEK rotation: re-encrypts every stored private key under the first configured KEK. Run it
 * with the new KEK first and the old one still listed; afterwards the old one can be dropped.
 */
export async function resealKeys(ctx: KeyContext): Promise<{ resealed: string[] }> {
  const [primary] = ctx.policy.keks;
  if (!primary) throw new Error('KeyPolicy has no key-encryption key');
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
