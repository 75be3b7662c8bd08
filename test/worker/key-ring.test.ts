// The key ring behind refresh-token tags, CSRF tokens, the hosted-pages sign-in cookie and the
// limiter's email keys: the newest KEK signs, every listed KEK verifies.
import { describe, expect, it } from 'vitest';
import { type KeyEncryptionKeys, parseKekList } from '../../src/config/kek-list.ts';
import { toBase64Url } from '../../src/shared/base64url.ts';
import { hmacBase64Url } from '../../src/shared/hmac-keys.ts';
import { keyRing } from '../../src/shared/key-ring.ts';

const kek = (id: string, byte: number) => `${id}:${toBase64Url(new Uint8Array(32).fill(byte))}`;

function keks(raw: string): KeyEncryptionKeys {
  const parsed = parseKekList(raw);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

const OLD = kek('old', 1);
const NEW = kek('new', 2);
const INFO = 'edge-auth test purpose v1';

describe('key ring', () => {
  it('signs with the newest KEK, byte for byte what was issued before the ring existed', async () => {
    const list = keks(`${NEW},${OLD}`);
    const mac = await keyRing(list).sign(INFO, 'message');
    expect(mac).toBe(await hmacBase64Url(list[0].raw, INFO, 'message'));
    expect(mac).toHaveLength(43);
    expect(await keyRing(list).sign(INFO, 'message', 22)).toBe(mac.slice(0, 22));
  });

  it('verifies a MAC made under an older KEK while it is still listed, and not after', async () => {
    const mac = await keyRing(keks(OLD)).sign(INFO, 'message');
    expect(await keyRing(keks(`${NEW},${OLD}`)).verify(INFO, 'message', mac)).toBe(true);
    expect(await keyRing(keks(NEW)).verify(INFO, 'message', mac)).toBe(false);
  });

  it('refuses another purpose, another message, or a MAC of another length', async () => {
    const ring = keyRing(keks(`${NEW},${OLD}`));
    const mac = await ring.sign(INFO, 'message');
    expect(await ring.verify('edge-auth other purpose v1', 'message', mac)).toBe(false);
    expect(await ring.verify(INFO, 'other message', mac)).toBe(false);
    expect(await ring.verify(INFO, 'message', mac.slice(0, 22))).toBe(false);
    expect(await ring.verify(INFO, 'message', mac.slice(0, 22), 22)).toBe(true);
    expect(await ring.verify(INFO, 'message', mac.slice(0, 21), 22)).toBe(false);
  });

  it('cannot be built from an empty list: parsing refuses it', () => {
    expect(parseKekList(' , ')).toMatch(/^is empty/);
  });
});
