// One-time tokens mailed to a user (verify an email address, reset a password, prove a new
// address before the account moves to it):
//
//   eaot_ <secret: 43>      (base64url of 32 bytes from the CSPRNG)
//
// Only base64url(SHA-256(token)) is stored, with the token's kind, user and expiry. A token is
// good once: consuming it is a single conditional UPDATE in the store, so of two concurrent
// uses exactly one wins. Issuing a token of a kind replaces the user's unused ones of that kind,
// so only the newest mail works. Expected failures (unknown, used, expired, wrong kind) are one
// `undefined`: the caller answers them all the same way and learns nothing about which.
import { sha256Base64Url, toBase64Url } from '../shared/base64url.ts';
import { InvariantError } from '../shared/errors.ts';

/** What a one-time token proves (the `kind` column of src/store/schema.ts takes these). */
export const oneTimeTokenKinds = ['verify_email', 'password_reset', 'email_change'] as const;
export type OneTimeTokenKind = (typeof oneTimeTokenKinds)[number];

/** Prefix so a leaked token is recognisable (secret scanners) and never confused with another. */
const PREFIX = 'eaot_';
const SHAPE = /^eaot_[A-Za-z0-9_-]{43}$/;

/** The storage side: two statements, both atomic on their own. */
export interface OneTimeTokenStore {
  /** Stores the new token and drops the user's unused tokens of the same kind, in one transaction. */
  replace(token: {
    tokenHash: string;
    userId: string;
    kind: OneTimeTokenKind;
    expiresAt: Date;
    now: Date;
    /** `email_change` only: the address the token proves. */
    newEmail?: string | undefined;
  }): Promise<void>;
  /** Marks the token used if it is unused and unexpired; its user, or undefined. */
  consume(tokenHash: string, kind: OneTimeTokenKind, now: Date): Promise<ConsumedToken | undefined>;
}

/** Whose token it was, and (`email_change`) the address it proves. */
export interface ConsumedToken {
  userId: string;
  newEmail?: string | null | undefined;
}

/** The port endpoints use. */
export interface OneTimeTokens {
  /** A fresh raw token (mail it; it is not kept anywhere). */
  issue(
    userId: string,
    kind: OneTimeTokenKind,
    ttlSeconds: number,
    now: Date,
    newEmail?: string,
  ): Promise<string>;
  /** The token's user, once; undefined when malformed, unknown, used, expired or of another kind. */
  consume(raw: string, kind: OneTimeTokenKind, now: Date): Promise<ConsumedToken | undefined>;
}

export function oneTimeTokens(store: OneTimeTokenStore): OneTimeTokens {
  return {
    async issue(userId, kind, ttlSeconds, now, newEmail) {
      if (!(ttlSeconds > 0))
        throw new InvariantError(`one-time token TTL must be positive, got ${ttlSeconds}`);
      const raw = PREFIX + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
      await store.replace({
        tokenHash: await hashOneTimeToken(raw),
        userId,
        kind,
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
        now,
        newEmail,
      });
      return raw;
    },
    async consume(raw, kind, now) {
      // Garbage (a truncated link, a probe) costs no round trip.
      if (!looksLikeOneTimeToken(raw)) return undefined;
      return store.consume(await hashOneTimeToken(raw), kind, now);
    },
  };
}

export const looksLikeOneTimeToken = (raw: string): boolean => SHAPE.test(raw);

export const hashOneTimeToken = (raw: string): Promise<string> => sha256Base64Url(raw);
