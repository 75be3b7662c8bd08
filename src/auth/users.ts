// Users as the auth domain needs them; the Drizzle adapter is src/store/users.ts.

export interface UserRecord {
  id: string;
  email: string;
  name: string | null;
  roles: string[];
  passwordHash: string;
  emailVerifiedAt: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
  /** Raised by every security-relevant change (src/store/schema.ts users.security_epoch). */
  securityEpoch: number;
}

/** What a user may read about themselves (/me, userinfo): no hash, no internal state. */
export type UserProfile = Pick<
  UserRecord,
  'id' | 'email' | 'name' | 'roles' | 'emailVerifiedAt' | 'createdAt'
>;

export interface UserStore {
  findByEmail(email: string): Promise<UserRecord | undefined>;
  findById(id: string): Promise<UserRecord | undefined>;
  /** The user's profile: the columns a profile shows, and only those. */
  profile(id: string): Promise<UserProfile | undefined>;
  /** Undefined when the email is taken (case-insensitively). */
  create(user: {
    email: string;
    passwordHash: string;
    name: string | null;
    roles: string[];
  }): Promise<UserRecord | undefined>;
  /** Replaces the hash only if it is still `previousHash` (a concurrent change wins). */
  rehash(id: string, previousHash: string, passwordHash: string): Promise<void>;
  /**
   * A new password (change or reset); `verifyEmail` also marks the address proven. Raises the
   * user's security epoch in the same statement; returns the new epoch (undefined: no user).
   */
  setPassword(
    id: string,
    passwordHash: string,
    options?: { verifyEmail?: boolean },
  ): Promise<number | undefined>;
  /** The display name (null clears it); the user after the change, or undefined if there is none. */
  setName(id: string, name: string | null): Promise<UserRecord | undefined>;
  /**
   * Moves the account to `email`, proven by a mailed link (so verified from now), and raises the
   * security epoch: every session carries the old address in its claims. `taken` when another
   * account has the address (case-insensitively); undefined when there is no user.
   */
  setEmail(id: string, email: string, at: Date): Promise<UserRecord | 'taken' | undefined>;
  /** Marks the email verified (first time only); the user, or undefined if there is none. */
  markEmailVerified(id: string, at: Date): Promise<UserRecord | undefined>;
  /**
   * Deletes the user row; the user as it was, or undefined if there was none. Their one-time
   * tokens go with it (ON DELETE CASCADE: a link for a deleted account has nothing to act on);
   * audit events have no foreign key to users and keep the id, so the trail outlives the row.
   */
  delete(id: string): Promise<UserRecord | undefined>;
}

/** What the admin API reads and changes; each call one SQL statement. */
export interface UserAdminStore {
  /** By email (unique, so an exact keyset cursor); `query` matches anywhere in the email. */
  list(options: {
    query?: string | undefined;
    afterEmail?: string | undefined;
    limit: number;
  }): Promise<UserRecord[]>;
  /** Raises the security epoch too; the user after the change. */
  setRoles(id: string, roles: string[]): Promise<UserRecord | undefined>;
  /**
   * Sets or clears disabled_at and raises the security epoch; the user after the change, or
   * undefined if there is none.
   */
  setDisabled(id: string, disabledAt: Date | null): Promise<UserRecord | undefined>;
}
