// Reading audit rows in tests. The worker writes them after the response (waitUntil), so a
// test that used `send` waits for them: it polls the table until the expected rows are there.
import { and, eq, type SQL } from 'drizzle-orm';
import { auditEvents, type AuditEventRow, users } from '../../src/store/schema.ts';
import { login, registerUser } from './auth-fixtures.ts';
import { testDb } from './db-fixtures.ts';

/** Rows matching `where`, once at least `count` exist (or whatever is there after ~5 s). */
export async function auditRowsWhere(where: SQL | undefined, count = 1): Promise<AuditEventRow[]> {
  let rows: AuditEventRow[] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    rows = await testDb().select().from(auditEvents).where(where).orderBy(auditEvents.id);
    if (rows.length >= count) return rows;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return rows;
}

/** The audit rows a worker request wrote. */
export const auditRowsOf = (requestId: string, count = 1) =>
  auditRowsWhere(eq(auditEvents.requestId, requestId), count);

export const auditRowsOfUser = (userId: string, type: string, count = 1) =>
  auditRowsWhere(and(eq(auditEvents.userId, userId), eq(auditEvents.type, type)), count);

/** A registered user with the admin role, logged in (the scope is fixed at login). */
export async function adminSession() {
  const user = await registerUser();
  await testDb()
    .update(users)
    .set({ roles: ['admin'] })
    .where(eq(users.id, user.user_id));
  return { user, tokens: await login(user.email) };
}

/** Names and values that must never appear in a row (passwords, tokens, hashes). */
export function secretsIn(row: AuditEventRow, secrets: string[]): string[] {
  const text = JSON.stringify(row);
  const found = secrets.filter((secret) => secret && text.includes(secret));
  const names = Object.keys(row.details);
  if (names.some((name) => /pass|token|hash|secret|key$/i.test(name))) found.push('a secret name');
  // PHC hashes, bcrypt hashes, our refresh tokens, JWTs.
  if (/\$argon2|\$2[aby]\$|eart_|eyJ[\w-]+\./.test(text)) found.push('a secret-looking value');
  return found;
}
