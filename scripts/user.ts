// `npm run user -- create | import | wrap-legacy | list | disable | enable | set-roles | delete |
// revoke-sessions`: accounts made, found, changed and ended from the Node side, e.g. the first admin, the users of the old service, a user an
// operator must remove. Against the local stack (default) or DATABASE_URL, with the
// Worker's own code (src/auth/user-admin.ts, src/auth/user-import.ts) and its configuration
// (ROLE_SCOPES, DEFAULT_ROLES, ARGON2_*: pass the deployed values when they are not defaults).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { and, asc, gt, sql } from 'drizzle-orm';
import type { DetailsOf } from '../src/audit/events.ts';
import {
  checkEmail,
  checkName,
  checkRoles,
  type ExportFormat,
  parseUserExport,
} from '../src/auth/user-import.ts';
import { DELETED_EPOCH, type UserSessionStore } from '../src/auth/user-session-sweeps.ts';
import type { ToolServices } from '../src/compose/tool-services.ts';
import { AuthError } from '../src/shared/errors.ts';
import { users } from '../src/store/schema.ts';
import type { ToolDbHandle } from '../dev/db-client.ts';
import { auditCliChange, CliError, rootCause, runWithToolDb } from './admin-cli.ts';
import { listUsers, setUserDisabled, setUserRoles } from './user-admin-commands.ts';
import { readPassword, wrapLikeTheWorker } from './user-password.ts';
import { registerWorkerModules } from './worker-modules.ts';

// The account changes are the admin API's own (src/auth/user-admin.ts), imported once Node can
// load what the Worker bundles (its argon2 wasm, its password list).
registerWorkerModules();
const userAdmin = await import('../src/auth/user-admin.ts');

const USAGE = `usage:
  npm run user -- create --email ADDRESS [--name NAME] [--role ROLE]...
      the password is asked for without echo, or read from the first line of stdin
      (e.g. from a secret manager); no --role means DEFAULT_ROLES
  npm run user -- import FILE [--format csv|jsonl]
      the old service's export: CSV with a header row (email,password_hash,name,roles) or
      JSON lines; emails already present are skipped, so a second run changes nothing
      bcrypt hashes are stored wrapped in argon2id (ARGON2_* cost), never bare
  npm run user -- wrap-legacy
      wraps the bare bcrypt hashes already stored (rows imported before wrapping existed);
      a second run finds none
  npm run user -- list [--search TEXT] [--limit N] [--after EMAIL]
      users by email, N a page (default 50, at most 200); --search matches anywhere in the
      email; the last line gives the command for the next page
  npm run user -- disable EMAIL|ID
      the user can no longer sign in; every session of it ends at once
  npm run user -- enable EMAIL|ID
  npm run user -- set-roles EMAIL|ID --role ROLE... | --no-roles
      replaces the roles (from ROLE_SCOPES); live sessions get them at their next refresh
  npm run user -- delete EMAIL|ID
      deletes the user and ends every session of it (Redis: the local stack, or
      UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN with DATABASE_URL)
  npm run user -- revoke-sessions ID
      ends every session of a user id, whether or not its row still exists (e.g. a row
      deleted by hand in SQL: its sessions live on in Redis until they expire)
exit code: 0 done, 1 error (e.g. the email exists), 2 bad usage or invalid rows in FILE`;

/** Rows per INSERT: 100k users are 200 round trips, and 500 x 5 parameters stay far below 65,535. */
const BATCH_ROWS = 500;

interface ImportCounts {
  source: 'cli';
  read: number;
  imported: number;
  skipped: number;
  invalid: number;
}

type Args = ReturnType<typeof parseCli>['values'];

function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string', multiple: true },
      format: { type: 'string' },
      search: { type: 'string' },
      limit: { type: 'string' },
      after: { type: 'string' },
      'no-roles': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function createUser(args: Args, services: ToolServices): Promise<number> {
  const email = checkEmail(args.email);
  const name = checkName(args.name);
  const roles = checkRoles(args.role ?? [], services.config);
  if (!email.ok) throw new CliError(`--email: ${email.reason}`);
  if (!name.ok) throw new CliError(`--name: ${name.reason}`);
  if (!roles.ok) throw new CliError(`--role: ${roles.reason}`);

  // Before asking for a password that could not be used anyway.
  const taken = (id: string) => new CliError(`a user with the email ${email.value} exists (${id})`);
  const existing = await services.users.findByEmail(email.value);
  if (existing) throw taken(existing.id);

  if (args.password !== undefined) {
    console.error('warning: --password is visible in ps and shell history; prefer stdin');
  }
  const password = args.password ?? (await readPassword());
  if (password === '') {
    throw new CliError('no password: type it, or pipe it as the first stdin line');
  }
  let user;
  try {
    // An operator created the account on purpose: it arrives verified, as from the admin API.
    user = await userAdmin.createUser(services.userAdmin, {
      email: email.value,
      password,
      name: name.value ?? undefined,
      roles: roles.value,
    });
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    if (error.code === 'email_already_registered') throw taken('created meanwhile');
    throw new CliError(`${error.code}: ${error.message}`);
  }
  console.log(`created ${email.value} (${user.id}), roles ${user.roles.join(' ')}`);

  const details = { target: user.id, roles: user.roles, source: 'cli' as const };
  return (await auditCliChange('npm run user', services, { type: 'admin_user_created', details }))
    ? 0
    : 1;
}

async function importUsers(args: Args, file: string, services: ToolServices, handle: ToolDbHandle) {
  const { config } = services;
  if (args.format !== undefined && args.format !== 'csv' && args.format !== 'jsonl') {
    throw new CliError('--format must be csv or jsonl', 2);
  }
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  const format = args.format as ExportFormat | undefined;
  const { rows, invalid } = parseUserExport(text, config, { format, fileName: file });
  for (const row of invalid) console.log(`invalid: line ${row.line}: ${row.reason}`);

  // The old service verified these addresses before it let anyone in, so the accounts arrive
  // verified (email_verified_at = now): REQUIRE_EMAIL_VERIFICATION must not lock them out.
  const verifiedAt = new Date();
  let imported = 0;
  let done = 0;
  let failure: unknown;
  try {
    for (; done < rows.length; done += BATCH_ROWS) {
      // Wrapped in argon2id (on libuv's thread pool, so a batch hashes in parallel): no bare
      // bcrypt hash is stored; the first login re-hashes to plain argon2id.
      const batch = await Promise.all(
        rows.slice(done, done + BATCH_ROWS).map(async (row) => ({
          email: row.email,
          passwordHash: await wrapLikeTheWorker(row.passwordHash, config.argon2),
          name: row.name,
          roles: row.roles,
          emailVerifiedAt: verifiedAt,
        })),
      );
      // ON CONFLICT on the citext unique email: a user already there is left untouched.
      const inserted = await handle.db
        .insert(users)
        .values(batch)
        .onConflictDoNothing({ target: users.email })
        .returning({ id: users.id });
      imported += inserted.length;
    }
  } catch (error) {
    failure = error;
  }
  done = Math.min(done, rows.length);
  const counts = { read: rows.length + invalid.length, imported, skipped: done - imported };
  console.log(
    `read ${counts.read}, imported ${imported}, skipped ${counts.skipped} (already present), ` +
      `invalid ${invalid.length}`,
  );
  const details: DetailsOf<'admin_users_imported'> & ImportCounts = {
    action: 'import',
    target: basename(file),
    source: 'cli',
    ...counts,
    invalid: invalid.length,
  };
  const audited = await auditCliChange('npm run user', services, {
    type: 'admin_users_imported',
    details,
  });
  if (failure !== undefined) {
    throw new CliError(
      `stopped after ${done} of ${rows.length} valid rows: ${rootCause(failure)}\n` +
        'run the same import again: the users already in are skipped',
    );
  }
  if (!audited) return 1;
  return invalid.length > 0 ? 2 : 0;
}

// A bare bcrypt hash as src/auth/bcrypt-legacy.ts reads one: $2a$, $2b$ or $2y$.
const BARE_BCRYPT = sql`${users.passwordHash} ~ ${'^\\$2[aby]\\$'}`;

/** Wraps every bare bcrypt hash in argon2id, 500 rows per statement, resumable by id. */
async function wrapLegacy(services: ToolServices, handle: ToolDbHandle): Promise<number> {
  const { config } = services;
  let found = 0;
  let wrapped = 0;
  let after: string | undefined;
  for (;;) {
    const rows = await handle.db
      .select({ id: users.id, hash: users.passwordHash })
      .from(users)
      .where(and(BARE_BCRYPT, after === undefined ? undefined : gt(users.id, after)))
      .orderBy(asc(users.id))
      .limit(BATCH_ROWS);
    if (rows.length === 0) break;
    after = rows.at(-1)?.id;
    found += rows.length;
    const values = await Promise.all(
      rows.map(
        async (row) =>
          sql`(${row.id}::uuid, ${row.hash}, ${await wrapLikeTheWorker(row.hash, config.argon2)})`,
      ),
    );
    // Only where the hash is still the one read: a login that re-hashed meanwhile wins.
    const updated = await handle.db.execute(sql`
      update ${users} set password_hash = v.wrapped, updated_at = now()
      from (values ${sql.join(values, sql`, `)}) as v(id, bare, wrapped)
      where ${users.id} = v.id and ${users.passwordHash} = v.bare
      returning ${users.id}`);
    // Both drivers (neon-http, node-postgres) answer execute() with a `rows` array.
    wrapped += (updated as unknown as { rows: unknown[] }).rows.length;
  }
  console.log(`bare bcrypt hashes found ${found}, wrapped ${wrapped}`);
  const details = { source: 'cli' as const, found, wrapped };
  const audited = await auditCliChange('npm run user', services, {
    type: 'admin_legacy_hashes_wrapped',
    details,
  });
  return audited ? 0 : 1;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The sessions store, whose failure after the delete is told as such: the user is gone, and
 * revoke-sessions finishes the job.
 */
function sessionsAfterDelete(sessions: UserSessionStore): UserSessionStore {
  return {
    ...sessions,
    async revokeAll(uid, options) {
      try {
        return await sessions.revokeAll(uid, options);
      } catch (error) {
        throw new CliError(
          `deleted ${uid}, but its sessions could not be ended (${rootCause(error)}): ` +
            `run npm run user -- revoke-sessions ${uid}`,
        );
      }
    },
  };
}

/** Deletes the user (by id or email), then ends its sessions: the admin API's deleteUser. */
async function deleteUser(who: string, services: ToolServices): Promise<number> {
  let id: string | undefined;
  if (UUID.test(who)) id = who;
  else {
    const email = checkEmail(who);
    if (!email.ok) throw new CliError(`${email.reason}: give an email address or a user id`, 2);
    id = (await services.users.findByEmail(email.value))?.id;
  }
  // Redis settings are checked before the delete: without them, its sessions would live on.
  const sessions = sessionsAfterDelete(services.userSessions);
  if (id === undefined) throw new CliError(`no user ${who}`);
  let deleted;
  try {
    deleted = await userAdmin.deleteUser({ users: services.users, sessions }, id);
  } catch (error) {
    if (error instanceof AuthError && error.code === 'not_found') {
      throw new CliError(`no user ${who}`);
    }
    throw error;
  }
  const { user, sessions: revoked } = deleted;
  console.log(`deleted ${user.id}; sessions ended: ${revoked}`);
  const details = { target: user.id, sessions_revoked: revoked, source: 'cli' as const };
  return (await auditCliChange('npm run user', services, { type: 'admin_user_deleted', details }))
    ? 0
    : 1;
}

/** Ends every session of a user id; no SQL read, so it works for a row that is gone. */
async function revokeUserSessions(uid: string, services: ToolServices): Promise<number> {
  if (!UUID.test(uid)) throw new CliError('revoke-sessions takes a user id (a UUID)', 2);
  const id = uid.toLowerCase();
  // A row deleted by hand: also block logins in flight (as `delete` does). A live user keeps
  // the right to sign in again, so its epoch is left alone.
  const row = await services.users.findById(id);
  const revoked = await services.userSessions.revokeAll(id, row ? {} : { epoch: DELETED_EPOCH });
  console.log(`sessions ended: ${revoked}`);
  const details = { target: id, sessions_revoked: revoked };
  return (await auditCliChange('npm run user', services, {
    type: 'admin_sessions_revoked',
    details,
  }))
    ? 0
    : 1;
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values: args, positionals } = parsed;
  const [command, file, ...extra] = positionals;
  const oneArgument = file !== undefined && extra.length === 0;
  const valid =
    (command === 'create' && file === undefined && args.email !== undefined) ||
    (command === 'import' && oneArgument) ||
    (command === 'wrap-legacy' && file === undefined) ||
    (command === 'list' && file === undefined) ||
    ((command === 'disable' || command === 'enable') && oneArgument) ||
    (command === 'set-roles' &&
      oneArgument &&
      (args.role !== undefined) !== (args['no-roles'] === true)) ||
    (command === 'delete' && oneArgument) ||
    (command === 'revoke-sessions' && oneArgument);
  if (args.help || !valid) {
    console.error(USAGE);
    return args.help ? 0 : 2;
  }
  return runWithToolDb(env, 'users', (services, handle) => {
    switch (command) {
      case 'create':
        return createUser(args, services);
      case 'import':
        return importUsers(args, file ?? '', services, handle);
      case 'wrap-legacy':
        return wrapLegacy(services, handle);
      case 'list':
        return listUsers(services, args);
      case 'disable':
      case 'enable':
        return setUserDisabled(userAdmin, services, file ?? '', command === 'disable');
      case 'set-roles':
        return setUserRoles(userAdmin, services, file ?? '', args.role ?? []);
      case 'delete':
        return deleteUser(file ?? '', services);
      default:
        return revokeUserSessions(file ?? '', services);
    }
  });
}

process.exitCode = await main(process.argv.slice(2), process.env);
