// Opaque refresh tokens: 256 bits from the CSPRNG, stored only as their SHA-256.
//
// Rotation hands every concurrent caller presenting the same token the SAME successor (several
// browser tabs refreshing at once must not log the user out), without keeping any raw token:
// the successor is HMAC(secret, presented token). Anyone holding the old token and lacking the
// secret cannot compute it; every caller holding the old token gets the same answer, so Redis
// only needs the successor's hash.

const encoder = new TextEncoder();

export const toBase64Url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** Prefix so a leaked token is recognisable (secret scanners) and never confused with a JWT. */
const PREFIX = 'eart_';

export function newRefreshToken(): string {
  return PREFIX + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Cheap syntactic check before any store work: right prefix and 43 base64url characters. */
export const looksLikeRefreshToken = (token: string): boolean =>
  /^eart_[A-Za-z0-9_-]{43}$/.test(token);

export async function hashRefreshToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(token));
  return toBase64Url(new Uint8Array(digest));
}

const successorKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

/** The HMAC key for successors, derived once per isolate from a configured secret. */
function successorKey(secret: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  let key = successorKeys.get(secret);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey']);
      return crypto.subtle.deriveKey(
        {
          name: 'HKDF',
          hash: 'SHA-256',
          salt: new Uint8Array(0),
          info: encoder.encode('edge-auth refresh-token successor v1'),
        },
        base,
        { name: 'HMAC', hash: 'SHA-256', length: 256 },
        false,
        ['sign'],
      );
    })();
    successorKeys.set(secret, key);
  }
  return key;
}

export async function successorOf(token: string, secret: Uint8Array<ArrayBuffer>): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await successorKey(secret), encoder.encode(token));
  return PREFIX + toBase64Url(new Uint8Array(mac));
}
