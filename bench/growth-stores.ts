// The growth bench's direct access to the local stack's stores, beside the Worker: SQL through the
// same Neon HTTP endpoint the Worker uses (so PGlite and a real Postgres behind DATABASE_URL both
// work), Redis through the Upstash REST endpoint. Counts only; never reads a secret out.
import { neon, neonConfig } from '@neondatabase/serverless';
import type { TargetStack as Stack } from './harness.ts';

export function sqlOf(stack: Stack) {
  neonConfig.fetchEndpoint = `${stack.url}/sql`;
  // The stack ignores the address: it answers for whichever database it serves.
  const sql = neon('postgres://edge:edge@127.0.0.1:5432/edge_auth');
  return (query: string, params: unknown[] = []) =>
    sql.query(query, params) as Promise<Record<string, unknown>[]>;
}

/**
 * Adds users until the table holds `total`, in one INSERT: each gets the password hash of the
 * existing user `like` (so any of them can log in with that user's password), copied inside the
 * database. Emails are `growth-<n>@example.test`, n from 1.
 */
export async function fillUsers(stack: Stack, total: number, like: string): Promise<number> {
  const sql = sqlOf(stack);
  const [row] = await sql('SELECT count(*)::int AS n FROM users');
  const missing = total - Number(row?.n ?? 0);
  if (missing > 0) {
    await sql(
      `INSERT INTO users (email, password_hash)
       SELECT 'growth-' || g || '@example.test', (SELECT password_hash FROM users WHERE email = $1)
       FROM generate_series(1, $2::int) AS g`,
      [like, missing],
    );
    // What autovacuum would do after a bulk load: planner statistics for the new size.
    await sql('ANALYZE users');
  }
  const [after] = await sql('SELECT count(*)::int AS n FROM users');
  return Number(after?.n ?? 0);
}

/** Removes the users fillUsers added, and their space, so the table is small again. */
export async function dropFilledUsers(stack: Stack): Promise<number> {
  const sql = sqlOf(stack);
  await sql(`DELETE FROM users WHERE email LIKE 'growth-%@example.test'`);
  // Rewrites the table and its indexes at their new size (outside a transaction, as it must be).
  await sql('VACUUM FULL users');
  await sql('ANALYZE users');
  return userCount(stack);
}

export async function userCount(stack: Stack): Promise<number> {
  const [row] = await sqlOf(stack)('SELECT count(*)::int AS n FROM users');
  return Number(row?.n ?? 0);
}

export async function redis<T = unknown>(stack: Stack, ...command: (string | number)[]) {
  const res = await fetch(stack.url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(command),
  });
  const reply = (await res.json()) as { result?: T; error?: string };
  if (reply.error !== undefined) throw new Error(`redis ${command[0]}: ${reply.error}`);
  return reply.result as T;
}

export interface RedisCensus {
  keys: number;
  /** INFO memory's used_memory; undefined on the embedded emulation. */
  usedMemory: number | undefined;
  /** Keys by shape, ids replaced by `*`: `ea:u:{*}:sess:*`. */
  byKind: Map<string, number>;
}

/** A key's shape: uuids, long tokens and window numbers become `*`. */
const kindOf = (key: string) =>
  key
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '*')
    .replace(/[A-Za-z0-9_-]{16,}/g, '*')
    .replace(/\d{3,}/g, '*');

export async function redisCensus(stack: Stack): Promise<RedisCensus> {
  const byKind = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = await redis<[string, string[]]>(stack, 'SCAN', cursor, 'COUNT', 1000);
    for (const key of keys) byKind.set(kindOf(key), (byKind.get(kindOf(key)) ?? 0) + 1);
    cursor = String(next);
  } while (cursor !== '0');
  const keys = await redis<number>(stack, 'DBSIZE');
  let usedMemory: number | undefined;
  try {
    const info = await redis<string>(stack, 'INFO', 'memory');
    const match = /used_memory:(\d+)/.exec(info);
    usedMemory = match ? Number(match[1]) : undefined;
  } catch {
    usedMemory = undefined;
  }
  return { keys, usedMemory, byKind };
}
