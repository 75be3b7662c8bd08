// The password paths besides hashing and verifying a stored hash, inside workerd: the
// unknown-email login (burnPasswordCheck does the work of a real check) and the policy for new
// passwords. Stored hashes are in passwords-hashing.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Argon2Params } from '../../src/config/index.ts';
import { checkPasswordPolicy } from '../../src/auth/password-policy.ts';
import {
  argon2,
  burnPasswordCheck,
  hashPassword,
  verifyPassword,
} from '../../src/auth/passwords.ts';

const DEFAULTS: Argon2Params = { memoryKib: 19_456, iterations: 2, parallelism: 1 };

afterEach(() => {
  vi.restoreAllMocks();
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
