// Password hashing and policy inside workerd: the wasm argon2 as the Worker bundles it, legacy
// bcrypt, the unknown-email path, and the hashes @node-rs/argon2 made (test/fixtures, regenerated
// by scripts/argon2-fixtures.ts; the Node side checks our hashes in test/node/password-interop).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Argon2Params } from '../../src/config/index.ts';
import { checkPasswordPolicy } from '../../src/auth/password-policy.ts';
import {
  argon2,
  burnPasswordCheck,
  hashPassword,
  verifyPassword,
} from '../../src/auth/passwords.ts';
import interop from '../fixtures/argon2-interop.json';

const DEFAULTS: Argon2Params = { memoryKib: 19_456, iterations: 2, parallelism: 1 };
const PHC_DEFAULTS = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('hashPassword / verifyPassword (argon2id)', () => {
  it('writes a PHC string with the configured cost, a 16-byte salt and a 32-byte tag', async () => {
    const first = await hashPassword('correct horse battery staple', DEFAULTS);
    const second = await hashPassword('correct horse battery staple', DEFAULTS);
    expect(first).toMatch(PHC_DEFAULTS);
    expect(second).toMatch(PHC_DEFAULTS);
    expect(second).not.toBe(first); // a fresh salt every time
    expect(
      await hashPassword('correct horse battery staple', { ...DEFAULTS, iterations: 3 }),
    ).toMatch(/^\$argon2id\$v=19\$m=19456,t=3,p=1\$/);
  });

  it('round-trips, and refuses a wrong password', async () => {
    const stored = await hashPassword('correct horse battery staple', DEFAULTS);
    expect(await verifyPassword('correct horse battery staple', stored, DEFAULTS)).toEqual({
      ok: true,
      needsRehash: false,
    });
    expect(await verifyPassword('correct horse battery stapler', stored, DEFAULTS)).toEqual({
      ok: false,
      needsRehash: false,
    });
    expect(await verifyPassword('', stored, DEFAULTS)).toEqual({ ok: false, needsRehash: false });
  });

  it('hashes every UTF-8 byte of a non-ASCII password', async () => {
    // @phi-ag/argon2's own wrapper passes the UTF-16 length (6) for these 18 bytes, so any
    // password sharing the first 6 bytes ("密码") would match. Ours takes all of them.
    const stored = await hashPassword('密码密码密码', DEFAULTS);
    expect((await verifyPassword('密码密码密码', stored, DEFAULTS)).ok).toBe(true);
    expect((await verifyPassword('密码abcd', stored, DEFAULTS)).ok).toBe(false);
  });

  it('normalises to NFC, so composed and decomposed input match', async () => {
    const stored = await hashPassword('caf\u00e9 au lait', DEFAULTS);
    expect((await verifyPassword('cafe\u0301 au lait', stored, DEFAULTS)).ok).toBe(true);
  });

  it('asks for a rehash when the configured cost went up, not when it went down', async () => {
    const stored = await hashPassword('correct horse battery staple', DEFAULTS);
    const check = (params: Argon2Params) =>
      verifyPassword('correct horse battery staple', stored, params);
    expect(await check({ ...DEFAULTS, memoryKib: 65_536 })).toEqual({
      ok: true,
      needsRehash: true,
    });
    expect(await check({ ...DEFAULTS, iterations: 3 })).toEqual({ ok: true, needsRehash: true });
    expect(await check({ ...DEFAULTS, parallelism: 2 })).toEqual({ ok: true, needsRehash: true });
    expect(await check({ ...DEFAULTS, memoryKib: 8_192 })).toEqual({
      ok: true,
      needsRehash: false,
    });
    expect(await check({ ...DEFAULTS, iterations: 1 })).toEqual({ ok: true, needsRehash: false });
  });

  it('verifies hashes made by @node-rs/argon2, flagging the weaker ones', async () => {
    expect(interop.node.length).toBeGreaterThanOrEqual(10);
    for (const { password, hash, needsRehash, why } of interop.node) {
      expect(await verifyPassword(password, hash, DEFAULTS), `${why}: ${hash}`).toEqual({
        ok: true,
        needsRehash,
      });
      expect((await verifyPassword(`${password}!`, hash, DEFAULTS)).ok, why).toBe(false);
    }
  });

  it('still verifies the hashes it made in workerd for the interop fixtures', async () => {
    for (const { password, hash } of interop.workerd) {
      expect(hash).toMatch(PHC_DEFAULTS);
      expect(await verifyPassword(password, hash, DEFAULTS)).toEqual({
        ok: true,
        needsRehash: false,
      });
    }
  });

  it('throws on invalid parameters: a configuration bug, not a failed login', async () => {
    const stored = await hashPassword('correct horse battery staple', DEFAULTS);
    for (const bad of [
      { ...DEFAULTS, memoryKib: 0 },
      { ...DEFAULTS, memoryKib: 7 }, // RFC 9106: m >= 8*p
      { ...DEFAULTS, memoryKib: 1_000_000 },
      { ...DEFAULTS, iterations: 0 },
      { ...DEFAULTS, iterations: 1.5 },
      { ...DEFAULTS, parallelism: 0 },
      { ...DEFAULTS, parallelism: Number.NaN },
    ]) {
      await expect(hashPassword('x', bad)).rejects.toThrow(/invalid argon2 parameters/);
      await expect(verifyPassword('x', stored, bad)).rejects.toThrow(/invalid argon2 parameters/);
      await expect(burnPasswordCheck('x', bad)).rejects.toThrow(/invalid argon2 parameters/);
    }
  });
});

describe('malformed stored hashes', () => {
  const valid = interop.node[0]!;
  const [, , , params, salt, tag] = valid.hash.split('$') as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  // The tag's last character carries 4 bits and 2 unused ones, which canonical B64 leaves zero.
  const nonCanonical = (b64: string) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    return b64.slice(0, -1) + alphabet[alphabet.indexOf(b64.at(-1)!) | 1];
  };
  const malformed = [
    '',
    'correct horse battery staple',
    '$argon2id$',
    `$argon2id$v=19$${params}$${salt}`,
    `$argon2id$v=19$${params}$${salt}$`,
    `$argon2id$v=19$${params}$${salt}$${tag}$`,
    `$argon2id$v=19$${params}$${salt}$${tag}\n`,
    ` ${valid.hash}`,
    valid.hash.toUpperCase(),
    `$argon2x$v=19$${params}$${salt}$${tag}`,
    `$argon2id$v=18$${params}$${salt}$${tag}`,
    `$argon2id$v=19$m=019456,t=2,p=1$${salt}$${tag}`,
    `$argon2id$v=19$t=2,m=19456,p=1$${salt}$${tag}`,
    `$argon2id$v=19$m=19456,t=2,p=1,keyid=abc$${salt}$${tag}`,
    `$argon2id$v=19$m=19456,t=0,p=1$${salt}$${tag}`,
    `$argon2id$v=19$m=4194304,t=2,p=1$${salt}$${tag}`, // beyond what we ever write
    `$argon2id$v=19$m=19456,t=50,p=1$${salt}$${tag}`,
    `$argon2id$v=19$m=8,t=2,p=2$${salt}$${tag}`, // m < 8*p
    `$argon2id$v=19$${params}$${salt}==$${tag}`, // padded
    `$argon2id$v=19$${params}$${salt}$${nonCanonical(tag)}`, // decodes to the same bytes
    `$argon2id$v=19$${params}$c2FsdA$${tag}`, // 4-byte salt
    `$argon2id$v=19$${params}$${salt}$${tag.slice(0, 16)}`, // 12-byte tag
    `$argon2id$v=19$${params}$${salt}$${tag.replace(/.$/, '-')}`,
    '$2a$10$AlIieeGTEcvzp1jTY48xR.ohijfPeYAemHxcmGDmYTiXDypr3FJI', // one character short
    '$2x$10$AlIieeGTEcvzp1jTY48xR.ohijfPeYAemHxcmGDmYTiXDypr3FJIG', // buggy crypt_blowfish
    '$2b$03$AlIieeGTEcvzp1jTY48xR.ohijfPeYAemHxcmGDmYTiXDypr3FJIG', // cost below 4
    '$2b$10$AlIieeGTEcvzp1jTY48xR.ohijfPeYAemHxcmGDmYTiXDypr3FJI!',
    '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', // md5-crypt
    'pbkdf2_sha256$600000$salt$hash',
  ];

  it('are a mismatch, never an exception', async () => {
    // The untouched string does match, so each refusal below is the mangling's doing.
    expect((await verifyPassword(valid.password, valid.hash, DEFAULTS)).ok).toBe(true);
    for (const stored of malformed) {
      expect(await verifyPassword(valid.password, stored, DEFAULTS), stored).toEqual({
        ok: false,
        needsRehash: false,
      });
    }
  });

  it('accept a PHC string without v= as version 1.0 (and ask for a rehash)', async () => {
    const v10 = interop.node.find((entry) => entry.why === 'version 0x10')!;
    const withoutVersion = v10.hash.replace('$v=16', '');
    expect(withoutVersion).not.toContain('v=');
    expect(await verifyPassword(v10.password, withoutVersion, DEFAULTS)).toEqual({
      ok: true,
      needsRehash: true,
    });
  });
});

describe('legacy bcrypt hashes (old FastAPI service)', () => {
  // Made with bcryptjs 3.0.3 (hashSync with a salt of each prefix) and pasted here.
  const fixtures = [
    ['legacy-2a-password', '$2a$10$AlIieeGTEcvzp1jTY48xR.ohijfPeYAemHxcmGDmYTiXDypr3FJIG'],
    ['legacy 2b pässwörd', '$2b$10$BfZ9a2n9N0ydsLpDZaLx/Ox1/yoCq21rQQBa6JnqoVVE8bGGyPPRq'],
    ['legacy-2y-password', '$2y$10$VD1xgNgryKOUhWrL3iaNw.ucmuVJ4CRzpvMcTJ5WuMU1NsTjV7zYW'],
    ['cost twelve password', '$2b$12$sMaUgM975e7KxngbmtUlc.Nfjcy6uM33mFha.WWr7w7PXmU1BSBV.'],
    // Openwall crypt_blowfish test vector, an independent implementation.
    ['U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ] as const;

  it('verify $2a$, $2b$ and $2y$, always asking for an argon2id rehash', async () => {
    for (const [password, hash] of fixtures) {
      expect(await verifyPassword(password, hash, DEFAULTS), hash).toEqual({
        ok: true,
        needsRehash: true,
      });
      expect(await verifyPassword(`${password}x`, hash, DEFAULTS), hash).toEqual({
        ok: false,
        needsRehash: false,
      });
    }
  });

  it('read only 72 bytes; the argon2id rehash at first login makes the rest count', async () => {
    // Openwall crypt_blowfish test vector: the password says it itself.
    const password =
      '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored';
    const legacy = '$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui';
    const sameFirst72 = `${password.slice(0, 72)} but a different tail`;
    expect(await verifyPassword(password, legacy, DEFAULTS)).toEqual({
      ok: true,
      needsRehash: true,
    });
    // What the old service accepted, we accept until the first login re-hashes...
    expect((await verifyPassword(sameFirst72, legacy, DEFAULTS)).ok).toBe(true);
    // ...which hashes the whole password as typed: from then on the tail matters.
    const upgraded = await hashPassword(password, DEFAULTS);
    expect(await verifyPassword(password, upgraded, DEFAULTS)).toEqual({
      ok: true,
      needsRehash: false,
    });
    expect((await verifyPassword(sameFirst72, upgraded, DEFAULTS)).ok).toBe(false);
  });
});

describe('burnPasswordCheck (unknown email)', () => {
  it('runs one argon2 derivation exactly like verifying a real hash at the configured cost', async () => {
    const stored = await hashPassword('correct horse battery staple', DEFAULTS);
    const derive = vi.spyOn(argon2, 'derive');
    await verifyPassword('a guess', stored, DEFAULTS);
    await burnPasswordCheck('a guess', DEFAULTS);
    expect(derive).toHaveBeenCalledTimes(2);
    const [real, burnt] = derive.mock.calls;
    expect(burnt![2]).toEqual(real![2]);
    expect(burnt![2]).toEqual({
      variant: 'argon2id',
      version: 0x13,
      memoryKib: 19_456,
      iterations: 2,
      parallelism: 1,
      tagLength: 32,
    });
    expect(burnt![1]).toHaveLength(real![1].length); // salt
    expect(burnt![0]).toHaveLength(real![0].length); // the password's bytes
  });

  it('reuses one dummy hash per cost in the isolate, and follows the configured cost', async () => {
    const derive = vi.spyOn(argon2, 'derive');
    await burnPasswordCheck('first guess', DEFAULTS);
    await burnPasswordCheck('second guess', DEFAULTS);
    const raised = { memoryKib: 32_768, iterations: 3, parallelism: 1 };
    await burnPasswordCheck('third guess', raised);
    expect(derive).toHaveBeenCalledTimes(3); // building a dummy costs no derivation
    const [first, second, third] = derive.mock.calls;
    expect(second![1]).toEqual(first![1]); // same dummy salt
    expect(third![1]).not.toEqual(first![1]);
    expect(third![2]).toMatchObject({ variant: 'argon2id', memoryKib: 32_768, iterations: 3 });
  });

  it('resolves to nothing, even for the right guess of nothing', async () => {
    await expect(burnPasswordCheck('correct horse battery staple', DEFAULTS)).resolves.toBe(
      undefined,
    );
  });
});

describe('checkPasswordPolicy', () => {
  it('refuses fewer than 8 code points', () => {
    expect(checkPasswordPolicy('Tr0ub4d')).toEqual({
      ok: false,
      code: 'password_too_short',
      description: 'The password must have at least 8 characters.',
    });
    expect(checkPasswordPolicy('')).toMatchObject({ ok: false, code: 'password_too_short' });
    expect(checkPasswordPolicy('Tr0ub4d&')).toEqual({ ok: true });
  });

  it('counts code points after NFC, not UTF-16 units', () => {
    // Seven "é" typed as e + U+0301 are 14 UTF-16 units but 7 characters.
    expect(checkPasswordPolicy('e\u0301'.repeat(7))).toMatchObject({ code: 'password_too_short' });
    expect(checkPasswordPolicy('e\u0301'.repeat(8))).toEqual({ ok: true });
    // Four emoji and three letters: 11 UTF-16 units, 7 characters.
    expect(checkPasswordPolicy('🔐🔑🗝🚪abc')).toMatchObject({ code: 'password_too_short' });
  });

  it('refuses more than 128 code points and never truncates', () => {
    expect(checkPasswordPolicy('a1'.repeat(64))).toEqual({ ok: true });
    expect(checkPasswordPolicy(`${'a1'.repeat(64)}b`)).toEqual({
      ok: false,
      code: 'password_too_long',
      description: 'The password must have at most 128 characters.',
    });
    // 128 emoji are 256 UTF-16 units and still fit; 129 do not.
    expect(checkPasswordPolicy('😀'.repeat(128))).toEqual({ ok: true });
    expect(checkPasswordPolicy('😀'.repeat(129))).toMatchObject({ code: 'password_too_long' });
  });

  it('refuses common passwords in any letter case', () => {
    for (const common of ['password', 'PASSWORD', 'PassWord', 'baseball', 'Trustno1', '1qaz2wsx']) {
      expect(checkPasswordPolicy(common), common).toEqual({
        ok: false,
        code: 'password_too_common',
        description: 'This password is too common; choose another.',
      });
    }
    // The last line of the 10,000: the whole list is loaded, not a prefix.
    expect(checkPasswordPolicy('Dalmatio')).toMatchObject({ code: 'password_too_common' });
    expect(checkPasswordPolicy('password but longer')).toEqual({ ok: true });
    expect(checkPasswordPolicy('correct horse battery staple')).toEqual({ ok: true });
  });
});
