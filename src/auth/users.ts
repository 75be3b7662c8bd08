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
}

export interface UserStore {
  findByEmail(email: string): Promise<UserRecord | undefined>;
  findById(id: string): Promise<UserRecord | undefined>;
  /** Undefined when the email is taken (case-insensitively). */
  create(user: {
    email: string;
    passwordHash: string;
    name: string | null;
    roles: string[];
  }): Promise<UserRecord | undefined>;
  /** Replaces the hash only if it is still `previousHash` (a concurrent change wins). */
  rehash(id: string, previousHash: string, passwordHash: string): Promise<void>;
}
