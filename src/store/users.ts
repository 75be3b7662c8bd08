// UserStore over Drizzle (neon-http): one round trip per call.
import { and, eq } from 'drizzle-orm';
import type { UserRecord, UserStore } from '../auth/users.ts';
import { users } from '../db/schema.ts';
import type { Db } from './db.ts';

const columns = {
  id: users.id,
  email: users.email,
  name: users.name,
  roles: users.roles,
  passwordHash: users.passwordHash,
  emailVerifiedAt: users.emailVerifiedAt,
  disabledAt: users.disabledAt,
  createdAt: users.createdAt,
};

/** Postgres unique_violation, as drizzle surfaces it from the Neon HTTP driver. */
function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

export function drizzleUserStore(db: Db): UserStore {
  return {
    async findByEmail(email) {
      const [row] = await db.select(columns).from(users).where(eq(users.email, email)).limit(1);
      return row satisfies UserRecord | undefined;
    },
    async findById(id) {
      const [row] = await db.select(columns).from(users).where(eq(users.id, id)).limit(1);
      return row;
    },
    async create(user) {
      try {
        const [row] = await db.insert(users).values(user).returning(columns);
        return row;
      } catch (error) {
        if (isUniqueViolation(error)) return undefined;
        throw error;
      }
    },
    async rehash(id, previousHash, passwordHash) {
      await db
        .update(users)
        .set({ passwordHash, updatedAt: new Date() })
        .where(and(eq(users.id, id), eq(users.passwordHash, previousHash)));
    },
  };
}
