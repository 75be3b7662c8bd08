// Signing keys for one issuer: what signs now and what is published (the rotation steps that
// change the stored set are rotation.ts and emergency.ts). Each isolate keeps a snapshot of the key set in memory (imported CryptoKeys included), so
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
import { isPublished, type NewKeyTimes, planRotation, signingKeyAt } from './lifecycle.ts';
import type { SigningKeyRecord, SigningKeyStore } from './store.ts';
import { InvariantError } from '../../shared/errors.ts';

export interface KeyContext {
  issuer: string;
  policy: KeyPolicy;
  store: SigningKeyStore;
  /**
   * Tells the isolate the key-set version a store reply carried (see observeKeySetVersion).
   * Callers that sign call it after their store reply and before signing. True when the
   * isolate's key set predates that version: a token verified against it must be verified
   * again (the next use reloads the set).
   */
  observeKeySetVersion(version: KeySetVersion): boolean;
  /**
   * Keeps background work alive (ctx.waitUntil). With it, a snapshot past half its
   * KEY_CACHE_TTL still serves while a reload runs in the background, so no request waits for
   * the periodic SQL read; without it (a CLI), the snapshot reloads when it expires.
   */
  defer?: ((work: Promise<unknown>) => void) | undefined;
}

/**
 * The key-set version counter (`keys:version` in Redis): bumped after every change that must
 * stop a key signing at once (emergency rotation). null: the counter does not exist (yet).
 */
export type KeySetVersion = string | null;

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

interface Slot {
  snapshot: Promise<Snapshot>;
  /** The version this isolate had last observed when the load began; undefined: none yet. */
  version: KeySetVersion | undefined;
}

// Per isolate. Keyed by issuer; in-flight loads are shared by concurrent requests.
const slots = new Map<string, Slot>();
/** The latest key-set version this isolate saw in a store reply, per issuer. */
const observed = new Map<string, KeySetVersion>();
/** Issuers whose snapshot is being refreshed in the background. */
const refreshing = new Set<string>();
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

/** Generates and stores a key; undefined when another isolate's insert won its generation. */
export async function createKey(
  ctx: KeyContext,
  times: NewKeyTimes,
  change: {
    supersede?: { kid: string; retireAt: Date; expireAt: Date };
    revoke?: { kid: string; at: Date };
  },
): Promise<SigningKeyRecord | undefined> {
  const [kek] = ctx.policy.keks;
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

/**
 * Records the key-set version a store reply carried (the session scripts' replies, or a GET
 * beside the client lookup for client credentials). When it differs from the version the
 * cached snapshot was loaded under, the next use of the key set reloads it from SQL first.
 *
 * Why that is enough: the keys CLI commits its SQL change and only then INCRs the counter.
 * A reply carrying the new value was produced after the INCR, so after the commit; the reload
 * starts after the reply arrived, so its SQL read sees the change, and the signature that
 * follows uses the new key. The slot is tagged with the version observed when its load
 * *began*, so a load that was already in flight when the new version arrived (it may have
 * read SQL before the commit) is itself stale and replaced.
 *
 * An isolate that loaded its key set before it had observed any version (a JWKS request or
 * a token verification came first) cannot know whether that load predates a rotation: its
 * first observation therefore counts as a change (slot tagged undefined != any observed
 * value). That costs one SQL read once per isolate, never on a warm path afterwards.
 *
 * Equality, not order: a counter lost with Redis data restarts at 1 and must still count as
 * a change. A reply that overtook another (older value observed after a newer one) only costs
 * one extra reload.
 */
export function observeKeySetVersion(issuer: string, version: KeySetVersion): boolean {
  observed.set(issuer, version);
  const slot = slots.get(issuer);
  return slot === undefined || slot.version !== version;
}

function behindObservedVersion(issuer: string, slot: Slot): boolean {
  return observed.has(issuer) && observed.get(issuer) !== slot.version;
}

const fresh = (snap: Snapshot, now: Date) =>
  now.getTime() < snap.validUntil && now.getTime() >= snap.loadedAt;

/** A load that starts now, tagged with the version observed as it begins. */
const loading = (ctx: KeyContext, now: Date): Slot => ({
  snapshot: load(ctx, now),
  version: observed.get(ctx.issuer),
});

function startLoad(ctx: KeyContext, now: Date): Slot {
  const slot = loading(ctx, now);
  slots.set(ctx.issuer, slot);
  slot.snapshot.catch(() => {
    if (slots.get(ctx.issuer) === slot) slots.delete(ctx.issuer);
  });
  return slot;
}

/**
 * The isolate's snapshot. A fresh one is used as it is; one past half its KEY_CACHE_TTL is
 * also reloaded in the background (see refreshAhead); an expired one, one behind an observed
 * key-set version (emergency rotation) or a forced reload waits for SQL.
 */
async function snapshot(ctx: KeyContext, now: Date, force = false): Promise<Snapshot> {
  const slot = slots.get(ctx.issuer);
  if (slot && !force && !behindObservedVersion(ctx.issuer, slot)) {
    const snap = await slot.snapshot;
    if (fresh(snap, now)) {
      refreshAhead(ctx, slot, snap, now);
      return snap;
    }
  }
  return startLoad(ctx, now).snapshot;
}

/**
 * Stale-while-revalidate for the key set: past half its TTL, one request per isolate starts a
 * reload that replaces the snapshot when it lands, while every request keeps using the old one
 * (still within KEY_CACHE_TTL, so no key is trusted longer than before). Steady traffic never
 * waits for the periodic read. A key transition inside the TTL (validUntil) and an emergency
 * rotation still reload first: those must not be served from the old set.
 */
function refreshAhead(ctx: KeyContext, slot: Slot, snap: Snapshot, now: Date): void {
  const { defer, issuer } = ctx;
  const halfLife = snap.loadedAt + (ctx.policy.cacheTtl * 1000) / 2;
  if (!defer || now.getTime() < halfLife || refreshing.has(issuer)) return;
  refreshing.add(issuer);
  const reloaded = loading(ctx, now);
  defer(
    reloaded.snapshot
      .then(() => {
        // Only replace what we meant to refresh; a newer load may have started meanwhile.
        if (slots.get(issuer) === slot) slots.set(issuer, reloaded);
      })
      .catch(() => {}) // the first request past the TTL reloads (and fails) in the open
      .finally(() => refreshing.delete(issuer)),
  );
}

/** Drops this isolate's snapshot (after a rotation step here). */
export function forgetKeys(issuer: string): void {
  slots.delete(issuer);
}

export async function currentSigner(ctx: KeyContext, now: Date): Promise<Signer> {
  const snap = await snapshot(ctx, now);
  const key = signingKeyAt(snap.keys, now);
  if (!key) throw new InvariantError(`no signing key for ${ctx.issuer} after bootstrap`);
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

export interface PublishedKeySet {
  keys: PublicJwk[];
  /** Names exactly the published keys (their kids, in order): equal fingerprints, equal JWKS. */
  fingerprint: string;
}

/**
 * The JWKS content, from a snapshot never older than KEY_CACHE_TTL (nor than the last
 * observed key-set version), refreshed ahead like every use of the set (see snapshot). A
 * location's cached JWKS is compared against this fingerprint.
 */
export async function publishedKeySet(ctx: KeyContext, now: Date): Promise<PublishedKeySet> {
  const snap = await snapshot(ctx, now);
  const keys = snap.keys.filter((key) => isPublished(key, now));
  return { keys: keys.map((key) => key.publicJwk), fingerprint: keys.map((k) => k.kid).join(' ') };
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
