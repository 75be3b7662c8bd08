// `npm run keys -- list | rotate | advance | rekey | new-kek`
// Works against the local stack (default) or a real database (DATABASE_URL, with ISSUER and
// KEY_ENCRYPTION_KEY set as in the deployed Worker).
import { randomBytes, randomUUID } from 'node:crypto';
import { discoveryUrl, jwksUrl } from '../src/auth/keys/context.ts';
import { stateAt } from '../src/auth/keys/lifecycle.ts';
import {
  advanceKeys,
  emergencyRotate,
  type KeyContext,
  resealKeys,
} from '../src/auth/keys/service.ts';
import { auditRow } from '../src/audit/trail.ts';
import { drizzleAuditStore } from '../src/store/audit-events.ts';
import { drizzleSigningKeyStore } from '../src/store/signing-keys.ts';
import { openToolDb } from '../dev/db-client.ts';
import { purgeByUrl } from './edge-purge.ts';
import { toolConfig } from './tool-config.ts';

const USAGE = `usage: npm run keys -- <command>
  list      the issuer's signing keys and their lifecycle state
  rotate    EMERGENCY: a new key signs now; the current key is revoked and leaves the JWKS
  advance   run the cron's lifecycle step now (schedule the successor when due)
  rekey     re-encrypt every private key under the first KEY_ENCRYPTION_KEY entry
  new-kek   print a fresh key-encryption key entry ("id:base64url")`;

const command = process.argv[2];
if (command === 'new-kek') {
  const id = `kek${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
  console.log(`${id}:${randomBytes(32).toString('base64url')}`);
  process.exit(0);
}
if (!['list', 'rotate', 'advance', 'rekey'].includes(command ?? '')) {
  console.error(USAGE);
  process.exit(2);
}

const config = toolConfig();
const handle = openToolDb();
const ctx: KeyContext = {
  issuer: config.issuer,
  policy: config.keys,
  store: drizzleSigningKeyStore(handle.db),
  // The CLI signs nothing after a session store call.
  observeKeySetVersion: () => {},
};

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
    await drizzleAuditStore(handle.db).append([
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
    const { kid, revoked } = await emergencyRotate(ctx, now);
    console.log(`new signing key ${kid}; revoked ${revoked ?? '(none)'}`);
    await auditKeyChange({ step: 'emergency', created_kid: kid, revoked_kid: revoked });
    console.log(
      `isolates pick it up within KEY_CACHE_TTL; ${await purgeByUrl([jwksUrl(config.issuer), discoveryUrl(config.issuer)])}`,
    );
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
    console.log(`re-encrypted ${resealed.length} key(s) under KEK "${config.keys.keks[0]?.id}"`);
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
