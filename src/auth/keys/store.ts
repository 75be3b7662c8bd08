// The port the key service needs from storage, in its own language.
import type { KeyTimeline, SigningKeyState } from './lifecycle.ts';
import type { PublicJwk } from './key-material.ts';

export interface SigningKeyRecord extends KeyTimeline {
  issuer: string;
  modulusBits: number;
  publicJwk: PublicJwk;
  privateKeyEnc: string;
  kekId: string;
}

export interface CreateKey {
  record: SigningKeyRecord;
  /** The key the new one replaces: it stops signing at retireAt and leaves the JWKS at expireAt. */
  supersede?: { kid: string; retireAt: Date; expireAt: Date };
  /** The key the new one replaces at once (emergency): revoked, gone from the JWKS. */
  revoke?: { kid: string; at: Date };
}

export interface SigningKeyStore {
  /** Every key of the issuer that is not long expired, oldest first. */
  list(issuer: string): Promise<SigningKeyRecord[]>;
  /**
   * Inserts the key and applies its supersede/revoke in one transaction. Returns false, changing
   * nothing, when another writer already took this generation (a lost race).
   */
  create(change: CreateKey): Promise<boolean>;
  setStates(updates: { kid: string; state: SigningKeyState }[]): Promise<void>;
  /** Re-encrypts a private key under another KEK (KEK rotation). */
  reseal(kid: string, privateKeyEnc: string, kekId: string): Promise<void>;
}

/**
 * The key-set version counter (Redis `keys:version`): the session scripts return its value,
 * so isolates learn of an emergency change in a reply they already get.
 */
export interface KeySetVersionCounter {
  /** Increments the counter; returns the new value. */
  bump(): Promise<string>;
  /** The current value; null when it does not exist. */
  read(): Promise<string | null>;
}
