// `npm run seed`: creates a demo user (demo@example.com / the password printed below) in the
// local stack (the running `npm run dev`'s, dev/local-target.ts), or in DATABASE_URL when set.
// Idempotent: an existing demo user is left as is. A failure is one line: drizzle's own error
// message carries the query's parameters, here the password's hash, so only its innermost
// cause is printed.
import { hash } from '@node-rs/argon2';
import { openToolDb } from './db-client.ts';
import { ToolRefusal } from './local-target.ts';
import { users } from '../src/store/schema.ts';

const email = process.env.SEED_EMAIL ?? 'demo@example.com';
const password = process.env.SEED_PASSWORD ?? 'correct horse battery staple';

/**
 * What went wrong, without any text the database sent back: drizzle's message lists the
 * parameters (the hash), and a server may echo them in its own. A connection failure (a
 * syscall error such as ECONNREFUSED) is told as such; a refusal by its class and SQLSTATE.
 */
function describe(error: unknown): string {
  let inner = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const { code, syscall } = inner as { code?: unknown; syscall?: unknown };
  if (typeof syscall === 'string' && inner instanceof Error) return inner.message;
  const name = inner instanceof Error ? inner.name : typeof inner;
  return `the database refused the insert (${name}${typeof code === 'string' ? `, SQLSTATE ${code}` : ''})`;
}

async function seed(): Promise<number> {
  const handle = openToolDb();
  try {
    await handle.ready();
    // Same parameters as the Worker's defaults (OWASP minimum), so no re-hash on first login.
    const passwordHash = await hash(password, {
      algorithm: 2, // Algorithm.Argon2id (a const enum, not importable under verbatimModuleSyntax)
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
    });
    const inserted = await handle.db
      .insert(users)
      .values({
        email,
        passwordHash,
        name: 'Demo User',
        roles: ['viewer'],
        emailVerifiedAt: new Date(),
      })
      .onConflictDoNothing({ target: users.email })
      .returning({ id: users.id });
    console.log(
      inserted.length > 0
        ? `created ${email} (password: "${password}") in ${handle.target}`
        : `${email} already exists in ${handle.target}; left unchanged`,
    );
    return 0;
  } catch (error) {
    console.error(
      error instanceof ToolRefusal
        ? error.message
        : `seed failed in ${handle.target}: ${describe(error)}`,
    );
    return error instanceof ToolRefusal ? error.exitCode : 1;
  } finally {
    await handle.close();
  }
}

process.exitCode = await seed();
