// KEY_ENCRYPTION_KEY holds one or more key-encryption keys: "id:base64url,id:base64url".
// The first encrypts new signing keys; every one decrypts, so a KEK can be rotated by putting
// the new one first, running `npm run keys -- rekey`, then dropping the old one.

export interface KeyEncryptionKey {
  id: string;
  /** 32 bytes: AES-256-GCM. */
  raw: Uint8Array<ArrayBuffer>;
}

/** Newest first; never empty once the configuration has been parsed. */
export type KeyEncryptionKeys = readonly [KeyEncryptionKey, ...KeyEncryptionKey[]];

function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text)) return undefined;
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  try {
    return Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** The parsed list, or a message saying what is wrong (never echoing key material). */
export function parseKekList(raw: string): KeyEncryptionKeys | string {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const keks: KeyEncryptionKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!/^[\w.-]{1,32}$/.test(id)) {
      return `entry ${index + 1} must look like "id:base64url-key" (id: 1-32 of [A-Za-z0-9_.-])`;
    }
    const key = decodeBase64Url(entry.slice(colon + 1));
    if (!key || key.length !== 32) {
      return `key "${id}" must be 32 bytes in base64url (generate one: npm run keys -- new-kek)`;
    }
    if (keks.some((k) => k.id === id)) return `key id "${id}" appears twice`;
    keks.push({ id, raw: key });
  }
  const [newest, ...older] = keks;
  if (!newest) return 'is empty (generate one: npm run keys -- new-kek)';
  return [newest, ...older];
}
