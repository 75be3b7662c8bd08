// `npm run user -- create | import`: accounts made from the Node side, e.g. the first admin, or
// the users of the old service. Against the local stack (default) or DATABASE_URL, with the
// Worker's rules (src/auth/user-import.ts, src/auth/password-policy.ts) and its configuration
// (ROLE_SCOPES, DEFAULT_ROLES, ARGON2_*: pass the deployed values when they are not defaults).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import type { DetailsOf } from '../src/audit/events.ts';
import {
  checkEmail,
  checkName,
  checkRoles,
  type ExportFormat,
  parseUserExport,
} from '../src/auth/user-import.ts';
import type { Config } from '../src/config/index.ts';
import { users } from '../src/db/schema.ts';
import type { ToolDbHandle } from '../dev/db-client.ts';
import { auditCliChange, CliError, rootCause, runWithToolDb } from './admin-cli.ts';
import { assertPasswordAcceptable, hashLikeTheWorker, readPassword } from './user-password.ts';

const USAGE = `usage:
  npm run user -- create --email ADDRESS [--name NAME] [--role ROLE]...
      the password is asked for without echo, or read from the first line of stdin
      (e.g. from a secret manager); no --role means DEFAULT_ROLES
  npm run user -- import FILE [--format csv|jsonl]
      the old service's export: CSV with a header row (email,password_hash,name,roles) or
      JSON lines; emails already present are skipped, so a second run changes nothing
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
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function createUser(args: Args, config: Config, handle: ToolDbHandle): Promise<number> {
  const email = checkEmail(args.email);
  const name = checkName(args.name);
  const roles = checkRoles(args.role ?? [], config);
  if (!email.ok) throw new CliError(`--email: ${email.reason}`);
  if (!name.ok) throw new CliError(`--name: ${name.reason}`);
  if (!roles.ok) throw new CliError(`--role: ${roles.reason}`);

  // Before asking for a password that could not be used anyway.
  const taken = (id: string) => new CliError(`a user with the email ${email.value} exists (${id})`);
  const [existing] = await handle.db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.email, email.value))
    .limit(1);
  if (existing) throw taken(existing.id);

  if (args.password !== undefined) {
    console.error('warning: --password is visible in ps and shell history; prefer stdin');
  }
  const password = args.password ?? (await readPassword());
  await assertPasswordAcceptable(password);
  const passwordHash = await hashLikeTheWorker(password, config.argon2);
  const [row] = await handle.db
    .insert(users)
    .values({
      email: email.value,
      passwordHash,
      name: name.value,
      roles: roles.value,
      // An operator created the account on purpose: there is no address to prove.
      emailVerifiedAt: new Date(),
    })
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id });
  if (!row) throw taken('created meanwhile');
  console.log(`created ${email.value} (${row.id}), roles ${roles.value.join(' ')}`);

  const details = { target: row.id, roles: roles.value, source: 'cli' as const };
  return (await auditCliChange('npm run user', handle, { type: 'admin_user_created', details }))
    ? 0
    : 1;
}

async function importUsers(args: Args, file: string, config: Config, handle: ToolDbHandle) {
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
      const batch = rows.slice(done, done + BATCH_ROWS).map((row) => ({
        email: row.email,
        passwordHash: row.passwordHash, // bcrypt as-is: re-hashed to argon2id at the next login
        name: row.name,
        roles: row.roles,
        emailVerifiedAt: verifiedAt,
      }));
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
  const audited = await auditCliChange('npm run user', handle, {
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
  const valid =
    (command === 'create' && file === undefined && args.email !== undefined) ||
    (command === 'import' && file !== undefined && extra.length === 0);
  if (args.help || !valid) {
    console.error(USAGE);
    return args.help ? 0 : 2;
  }
  return runWithToolDb(env, 'users', (config, handle) =>
    command === 'create'
      ? createUser(args, config, handle)
      : importUsers(args, file ?? '', config, handle),
  );
}

process.exitCode = await main(process.argv.slice(2), process.env);
