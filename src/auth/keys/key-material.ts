// RSA signing keys with WebCrypto (inside workerd, and in Node for the keys CLI): generation,
// the published JWK, and the private half sealed under a key-encryption key (AES-256-GCM).
import { calculateJwkThumbprint } from 'jose';
import type { KeyEncryptionKey } from '../../config/kek-list.ts';
import { AuthError, InvariantError } from '../../shared/errors.ts';
import { fromBase64Url, toBase64Url } from '../../shared/base64url.ts';

const RS256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
  [member: string]: string;
}

export interface GeneratedKey {
  kid: string;
  publicJwk: PublicJwk;
  pkcs8: Uint8Array<ArrayBuffer>;
}

export async function generateSigningKey(modulusBits: number): Promise<GeneratedKey> {
  const pair = (await crypto.subtle.generateKey(
    { ...RS256, modulusLength: modulusBits, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JsonWebKey;
  if (!jwk.n || !jwk.e) throw new InvariantError('exported RSA public key lacks n or e');
  // RFC 7638 thumbprint as kid: stable, derived from the key itself, collision-free in practice.
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n, e: jwk.e }, 'sha256');
  // Only the public members, by construction: never spread an exported JWK into the JWKS.
  const publicJwk: PublicJwk = { kty: 'RSA', n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' };
  const pkcs8 = new Uint8Array(
    (await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer,
  );
  return { kid, publicJwk, pkcs8 };
}

/** Imports a private key for signing only; not extractable, so it never leaves the isolate. */
export function importPrivateKey(pkcs8: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', pkcs8, RS256, false, ['sign']) as Promise<CryptoKey>;
}

export function importPublicKey(jwk: PublicJwk): Promise<CryptoKey> {
  return crypto.subtle.importKey('jwk', jwk, RS256, false, ['verify']) as Promise<CryptoKey>;
}

const importedKeks = new WeakMap<KeyEncryptionKey, Promise<CryptoKey>>();

function kekKey(kek: KeyEncryptionKey): Promise<CryptoKey> {
  let key = importedKeks.get(kek);
  if (!key) {
    key = crypto.subtle.importKey('raw', kek.raw, 'AES-GCM', false, [
      'encrypt',
      'decrypt',
    ]) as Promise<CryptoKey>;
    importedKeks.set(kek, key);
  }
  return key;
}

/** base64url(iv || ciphertext+tag); the kid is bound as additional data, so a sealed key can't
 * be swapped onto another row unnoticed. */
export async function sealPrivateKey(
  pkcs8: Uint8Array<ArrayBuffer>,
  kid: string,
  kek: KeyEncryptionKey,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(kid) },
      await kekKey(kek),
      pkcs8,
    ),
  );
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return toBase64Url(out);
}

/** A KEK that cannot open a stored key is a deployment mistake: say which key and which KEK. */
export class KeyDecryptionError extends AuthError {
  constructor(kid: string, kekId: string, reason: string) {
    super('server_misconfigured');
    this.message = `KEY_ENCRYPTION_KEY cannot decrypt signing key ${kid} (sealed under KEK "${kekId}"): ${reason}`;
  }
}

export async function openPrivateKey(
  sealed: string,
  kid: string,
  kekId: string,
  keks: readonly KeyEncryptionKey[],
): Promise<Uint8Array<ArrayBuffer>> {
  const kek = keks.find((k) => k.id === kekId);
  if (!kek) {
    throw new KeyDecryptionError(kid, kekId, `no KEK with id "${kekId}" is configured`);
  }
  const bytes = fromBase64Url(sealed);
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: new TextEncoder().encode(kid) },
        await kekKey(kek),
        bytes.slice(12),
      ),
    );
  } catch {
    throw new KeyDecryptionError(kid, kekId, 'authentication failed (wrong key material)');
  }
}
