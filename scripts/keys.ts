// `npm run keys -- list | rotate | bump-version | advance | rekey | new-kek`
// Works against the local stack (default: the running `npm run dev`'s stack and issuer, as it
// recorded them in .data/dev-server.json) or a real database (DATABASE_URL, with ISSUER,
// KEY_ENCRYPTION_KEY, UPSTASH_REDIS_REST_URL/TOKEN and REDIS_KEY_PREFIX set as in the
// deployed Worker: `rotate` must reach the Worker's Redis).
//
// Against the local stack, a command that changes keys refuses an issuer no running worker
// uses (e.g. `npm run dev` stopped, or started with another PORT/ISSUER): a key made for the
// wrong issuer signs nothing and hides that the right one has none. ISSUER in the environment,
// or `--issuer X --force`, says it is meant.
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createToolServices } from '../src/compose/tool-services.ts';
import { discoveryUrl, jwksUrl } from '../src/shared/well-known-urls.ts';
import { stateAt } from '../src/auth/keys/lifecycle.ts';
import { KeySetVersionNotBumpedError, rotateInEmergency } from '../src/auth/keys/emergency.ts';
import { advanceKeys, resealKeys } from '../src/auth/keys/rotation.ts';
import { auditRow } from '../src/audit/trail.ts';
import { openToolDb } from '../dev/db-client.ts';
import { localTarget, ToolRefusal } from '../dev/local-target.ts';
import { rootCause } from './admin-cli.ts';
import { purgeByUrl } from './edge-purge.ts';
import { toolConfig, toolRedis } from './tool-config.ts';

const USAGE = `usage: npm run keys -- <command>
  list      the issuer's signing keys and their lifecycle state
  rotate    EMERGENCY: a new key signs now; the current key is revoked and leaves the JWKS
  bump-version  make every isolate reload its key set before it next signs (rotate does it;
            run this if rotate could not reach Redis)
  advance   run the cron's lifecycle step now (schedule the successor when due)
  rekey     re-encrypt every private key under the first KEY_ENCRYPTION_KEY entry
  new-kek   print a fresh key-encryption key entry ("id:base64url")
options:
  --issuer ISSUER  the issuer to act on (default: ISSUER, else the running npm run dev's)
  --force          act on an issuer no running npm run dev uses`;

function parseCli() {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { issuer: { type: 'string' }, force: { type: 'boolean' } },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}
const parsed = parseCli();
const command = parsed.positionals.length === 1 ? parsed.positionals[0] : undefined;
if (command === 'new-kek') {
  const id = `kek${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
  console.log(`${id}:${randomBytes(32).toString('base64url')}`);
  process.exit(0);
}
if (!['list', 'rotate', 'bump-version', 'advance', 'rekey'].includes(command ?? '')) {
  console.error(USAGE);
  process.exit(2);
}

const env: NodeJS.ProcessEnv = {
  ...process.env,
  ...(parsed.values.issuer === undefined ? {} : { ISSUER: parsed.values.issuer }),
};
const local = !env.DATABASE_URL;
const running = local ? localTarget(env).runningIssuer : undefined;

function refusal(issuer: string): string | undefined {
  const changes = command !== 'list';
  const explicit = process.env.ISSUER !== undefined || parsed.values.force === true;
  if (!local || !changes || explicit || issuer === running) return undefined;
  const why =
    running === undefined
      ? 'no `npm run dev` is running'
      : `the running \`npm run dev\` uses ${running}`;
  return (
    `refusing to ${command} keys of ${issuer}: ${why}. Start \`npm run dev\` first, ` +
    `or act on that issuer anyway: npm run keys -- ${command} --issuer ${issuer} --force`
  );
}

const config = toolConfig(env);
const handle = openToolDb(env);
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
  const refused = refusal(config.issuer);
  if (refused) throw new ToolRefusal(refused);
  await handle.ready();
  const mark =
    !local || running === undefined
      ? ''
      : config.issuer === running
        ? ' (the running npm run dev uses it)'
        : ` (the running npm run dev uses ${running})`;
  console.log(`issuer ${config.issuer}${mark} in ${handle.target}`);
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
} catch (error) {
  // One line, no stack trace: drizzle's message would carry the query's parameters.
  console.error(error instanceof ToolRefusal ? error.message : `error: ${rootCause(error)}`);
  process.exitCode = error instanceof ToolRefusal ? error.exitCode : 1;
} finally {
  await handle.close();
}
