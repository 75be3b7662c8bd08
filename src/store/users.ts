// UserStore over Drizzle (neon-http): one round trip per call.
import { and, asc, eq, gt, ilike, sql } from 'drizzle-orm';
import type { UserAdminStore, UserProfile, UserRecord, UserStore } from '../auth/users.ts';
import { users } from './schema.ts';
import type { Db } from './db.ts';
import { preparedPerClient } from './prepared.ts';

const columns = {
  id: users.id,
  email: users.email,
  name: users.name,
  roles: users.roles,
  passwordHash: users.passwordHash,
  emailVerifiedAt: users.emailVerifiedAt,
  disabledAt: users.disabledAt,
  createdAt: users.createdAt,
  securityEpoch: users.securityEpoch,
};

const profileColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  roles: users.roles,
  emailVerifiedAt: users.emailVerifiedAt,
  createdAt: users.createdAt,
};

/** The same UPDATE that makes a security-relevant change raises the epoch. */
const nextEpoch = sql`${users.securityEpoch} + 1`;

/** Postgres unique_violation, as drizzle surfaces it from the Neon HTTP driver. */
function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

// The hot reads (login's by email, /me's profile), prepared once per client.
const reads = preparedPerClient((db) => {
  const email = sql.placeholder('email');
  const id = sql.placeholder('id');
  const byId = eq(users.id, id);
  return {
    byEmail: db
      .select(columns)
      .from(users)
      .where(eq(users.email, email))
      .limit(1)
      .prepare('user_by_email'),
    byId: db.select(columns).from(users).where(byId).limit(1).prepare('user_by_id'),
    profile: db.select(profileColumns).from(users).where(byId).limit(1).prepare('user_profile'),
  };
});

export function drizzleUserStore(db: Db): UserStore {
  return {
    async findByEmail(email) {
      const [row] = await reads(db).byEmail.execute({ email });
      return row satisfies UserRecord | undefined;
    },
    async findById(id) {
      const [row] = await reads(db).byId.execute({ id });
      return row;
    },
    async profile(id) {
      const [row] = await reads(db).profile.execute({ id });
      return row satisfies UserProfile | undefined;
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
    async setPassword(id, passwordHash, options) {
      const now = new Date();
      const [row] = await db
        .update(users)
        .set({
          passwordHash,
          securityEpoch: nextEpoch,
          updatedAt: now,
          ...(options?.verifyEmail
            ? {
                emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now.toISOString()}::timestamptz)`,
              }
            : {}),
        })
        .where(eq(users.id, id))
        .returning({ securityEpoch: users.securityEpoch });
      return row?.securityEpoch;
    },
    async setName(id, name) {
      const [row] = await db
        .update(users)
        .set({ name, updatedAt: new Date() })
        .where(eq(users.id, id))
        .returning(columns);
      return row;
    },
    async setEmail(id, email, at) {
      try {
        const [row] = await db
          .update(users)
          .set({ email, emailVerifiedAt: at, securityEpoch: nextEpoch, updatedAt: at })
          .where(eq(users.id, id))
          .returning(columns);
        return row;
      } catch (error) {
        if (isUniqueViolation(error)) return 'taken';
        throw error;
      }
    },
    async markEmailVerified(id, at) {
      const [row] = await db
        .update(users)
        .set({
          emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${at.toISOString()}::timestamptz)`,
          updatedAt: at,
        })
        .where(eq(users.id, id))
        .returning(columns);
      return row;
    },
    async delete(id) {
      const [row] = await db.delete(users).where(eq(users.id, id)).returning(columns);
      return row;
    },
  };
}

/** LIKE patterns treat % and _ as wildcards; a search for them means the characters. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (ch) => `\\${ch}`);

export function drizzleUserAdminStore(db: Db): UserAdminStore {
  return {
    async list({ query, afterEmail, limit }) {
      const where = and(
        query ? ilike(users.email, `%${escapeLike(query)}%`) : undefined,
        afterEmail ? gt(users.email, afterEmail) : undefined,
      );
      return db.select(columns).from(users).where(where).orderBy(asc(users.email)).limit(limit);
    },
    async setRoles(id, roles) {
      const [row] = await db
        .update(users)
        .set({ roles, securityEpoch: nextEpoch, updatedAt: new Date() })
        .where(eq(users.id, id))
        .returning(columns);
      return row;
    },
    async setDisabled(id, disabledAt) {
      const [row] = await db
        .update(users)
        .set({
          // Disabling twice keeps the first instant.
          disabledAt: disabledAt
            ? sql`coalesce(${users.disabledAt}, ${disabledAt.toISOString()}::timestamptz)`
            : null,
          securityEpoch: nextEpoch,
          updatedAt: new Date(),
        })
        .where(eq(users.id, id))
        .returning(columns);
      return row;
    },
  };
}
