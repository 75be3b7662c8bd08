// `npm run keys -- list | rotate | bump-version | advance | rekey | new-kek`
// Works against the local stack (default) or a real database (DATABASE_URL, with ISSUER,
// KEY_ENCRYPTION_KEY, UPSTASH_REDIS_REST_URL/TOKEN and REDIS_KEY_PREFIX set as in the
// deployed Worker: `rotate` must reach the Worker's Redis).
import { randomBytes, randomUUID } from 'node:crypto';
import { createToolServices } from '../src/compose/tool-services.ts';
import { discoveryUrl, jwksUrl } from '../src/shared/well-known-urls.ts';
import { stateAt } from '../src/auth/keys/lifecycle.ts';
import { KeySetVersionNotBumpedError, rotateInEmergency } from '../src/auth/keys/emergency.ts';
import { advanceKeys, resealKeys } from '../src/auth/keys/rotation.ts';
import { auditRow } from '../src/audit/trail.ts';
import { openToolDb } from '../dev/db-client.ts';
import { purgeByUrl } from './edge-purge.ts';
import { toolConfig, toolRedis } from './tool-config.ts';

const USAGE = `usage: npm run keys -- <command>
  list      the issuer's signing keys and their lifecycle state
  rotate    EMERGENCY: a new key signs now; the current key is revoked and leaves the JWKS
  bump-version  make every isolate reload its key set before it next signs (rotate does it;
            run this if rotate could not reach Redis)
  advance   run the cron's lifecycle step now (schedule the successor when due)
  rekey     re-encrypt every private key under the first KEY_ENCRYPTION_KEY entry
  new-kek   print a fresh key-encryption key entry ("id:base64url")`;

const command = process.argv[2];
if (command === 'new-kek') {
  const id = `kek${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
  console.log(`${id}:${randomBytes(32).toString('base64url')}`);
  process.exit(0);
}
if (!['list', 'rotate', 'bump-version', 'advance', 'rekey'].includes(command ?? '')) {
  console.error(USAGE);
  process.exit(2);
}

const config = toolConfig();
const handle = openToolDb();
const services = createToolServices(config, { db: handle.db, redis: () => toolRedis(config) });
const ctx = services.keys;
/** The Worker's `keys:version` counter: isolates compare it before they sign. */
const versionCounter = services.keySetVersion;
const versionKey = services.keySetVersionKey;

function versionNotBumped(cause: unknown): void {
  console.error(
    [
      `ERROR: could not bump the key-set version (${versionKey} at ${config.redis.url}): ${String(cause)}`,
      `Isolates will only notice within KEY_CACHE_TTL (${config.keys.cacheTtl}s): until then, those that`,
      'cached the key set may still sign with the revoked key. Fix the Redis settings',
      '(UPSTASH_REDIS_REST_URL/TOKEN, REDIS_KEY_PREFIX as in the Worker) and run:',
      '  npm run keys -- bump-version',
    ].join('\n'),
  );
  process.exitCode = 1;
}

/** The audit row of a key change made here (the Worker's cron records its own). */
async function auditKeyChange(change: {
  step: string;
  created_kid?: string | undefined;
  revoked_kid?: string | undefined;
  states_updated?: number;
}): Promise<void> {
  const details = { source: 'cli' as const, issuer: config.issuer, ...change };
  const origin = { ip: null, userAgent: 'npm run keys', requestId: `cli-${randomUUID()}` };
  try {
    await services.auditEvents.append([
      auditRow({ type: 'key_rotated', details }, origin, new Date()),
    ]);
  } catch (error) {
    // The key change itself is done; say loudly that its audit row is missing.
    console.error(`warning: the key change was made but its audit row was not written: ${error}`);
    process.exitCode = 1;
  }
}

const iso = (date: Date | null) => (date ? date.toISOString().replace('.000Z', 'Z') : '-');

try {
  console.log(`issuer ${config.issuer} in ${handle.target}`);
  const now = new Date();
  if (command === 'rotate') {
    let rotation: { kid: string; revoked: string | undefined; version?: string };
    try {
      rotation = await rotateInEmergency(ctx, versionCounter, now);
    } catch (error) {
      if (!(error instanceof KeySetVersionNotBumpedError)) throw error;
      rotation = error.rotation;
      versionNotBumped(error.cause);
    }
    const { kid, revoked, version } = rotation;
    console.log(`new signing key ${kid}; revoked ${revoked ?? '(none)'}`);
    await auditKeyChange({ step: 'emergency', created_kid: kid, revoked_kid: revoked });
    if (version !== undefined) {
      console.log(
        `key-set version ${version}: every isolate reloads its keys before it next signs; every location's JWKS drops ${revoked ?? 'nothing'} within KEY_CACHE_TTL (${config.keys.cacheTtl}s)`,
      );
    }
    console.log(await purgeByUrl([jwksUrl(config.issuer), discoveryUrl(config.issuer)]));
  } else if (command === 'bump-version') {
    try {
      console.log(`key-set version ${await versionCounter.bump()}`);
    } catch (error) {
      versionNotBumped(error);
    }
  } else if (command === 'advance') {
    const result = await advanceKeys(ctx, now);
    console.log(JSON.stringify(result));
    if (result.changed) {
      await auditKeyChange({
        step: result.step,
        created_kid: result.createdKid,
        states_updated: result.statesUpdated,
      });
    }
  } else if (command === 'rekey') {
    const { resealed } = await resealKeys(ctx);
    console.log(`re-encrypted ${resealed.length} key(s) under KEK "${config.keys.keks[0].id}"`);
  }
  const rows = (await ctx.store.list(ctx.issuer)).map((key) => ({
    kid: key.kid,
    gen: key.generation,
    state: stateAt(key, now),
    bits: key.modulusBits,
    kek: key.kekId,
    publish_from: iso(key.publishFrom),
    sign_from: iso(key.signFrom),
    retire_at: iso(key.retireAt),
    expire_at: iso(key.expireAt),
    revoked_at: iso(key.revokedAt),
  }));
  console.table(rows);
} finally {
  await handle.close();
}
