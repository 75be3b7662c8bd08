// Input that is text only in name: NUL bytes (which Postgres cannot store in text, so they used
// to reach the database and answer 500), control, invisible and bidi-override characters in
// addresses and names, and passwords that are not well-formed Unicode (lone UTF-16 surrogates,
// which every UTF-8 encoder turns into U+FFFD, so "\ud800X" and "\ufffdX" were one password).
import { describe, expect, it } from 'vitest';
import { errorOf, freshIp } from './abuse-fixtures.ts';
import { adminSession } from './audit-fixtures.ts';
import {
  bearer,
  freshEmail,
  login,
  newSession,
  PASSWORD,
  postJson,
  registerUser,
} from './auth-fixtures.ts';
import { send } from './helpers.ts';

const auth = (path: string) => `/api/v1/auth${path}`;

interface Refusal {
  error: string;
  error_description: string;
}

async function refusal(response: Response): Promise<[number, Refusal]> {
  return [response.status, await response.json<Refusal>()];
}

// A local part with each forbidden character: NUL, BEL (Cc), RLO U+202E and ZWJ U+200D (Cf).
const BAD_ADDRESSES = {
  nul: () => `nul\u0000${freshEmail()}`,
  bel: () => `bel\u0007${freshEmail()}`,
  rlo: () => `rlo\u202e${freshEmail()}`,
  zwj: () => `zw\u200dj${freshEmail()}`,
};

describe('email addresses with control or format characters', () => {
  for (const [label, address] of Object.entries(BAD_ADDRESSES)) {
    it(`${label}: 400 invalid_request naming the email, on register, login, resend and reset`, async () => {
      const bodies: [string, Record<string, string>][] = [
        ['/register', { email: address(), password: PASSWORD }],
        ['/login', { email: address(), password: PASSWORD }],
        ['/verify-email/resend', { email: address() }],
        ['/password/reset', { email: address() }],
      ];
      for (const [path, body] of bodies) {
        // A client address of its own: resend and reset share a small per-address limit.
        const { response } = await postJson(auth(path), body, { 'CF-Connecting-IP': freshIp() });
        const [status, error] = await refusal(response);
        expect([path, status, error.error]).toEqual([path, 400, 'invalid_request']);
        expect(error.error_description).toMatch(
          /^email: must not contain control, invisible or bidirectional-override characters/,
        );
      }
    });
  }

  it('the admin API refuses them too, and a NUL in the search is a 400, not a 500', async () => {
    const admin = await adminSession();
    const create = await send('/api/v1/admin/users', {
      method: 'POST',
      headers: { ...bearer(admin.tokens.access_token), 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: BAD_ADDRESSES.nul(), password: PASSWORD }),
    });
    expect((await refusal(create.response))[1].error).toBe('invalid_request');
    const search = await send(`/api/v1/admin/users?query=${encodeURIComponent('a\u0000b')}`, {
      headers: bearer(admin.tokens.access_token),
    });
    const [status, error] = await refusal(search.response);
    expect([status, error.error]).toEqual([400, 'invalid_request']);
    expect(error.error_description).toMatch(/^query: /);
  });
});

describe('display names', () => {
  for (const [label, name] of [
    ['NUL', 'Ann\u0000'],
    ['BEL', 'Ann\u0007'],
    ['RLO', 'Ann\u202egnp.exe'],
    ['a lone surrogate', 'Ann\ud800'],
  ] as const) {
    it(`${label}: 400 invalid_request naming the name, at register and admin create`, async () => {
      const registered = await postJson(auth('/register'), {
        email: freshEmail('name'),
        password: PASSWORD,
        name,
      });
      const [status, error] = await refusal(registered.response);
      expect([status, error.error]).toEqual([400, 'invalid_request']);
      expect(error.error_description).toMatch(/^name: /);

      const admin = await adminSession();
      const created = await send('/api/v1/admin/users', {
        method: 'POST',
        headers: { ...bearer(admin.tokens.access_token), 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: freshEmail('name'), password: PASSWORD, name }),
      });
      const [adminStatus, adminError] = await refusal(created.response);
      expect([adminStatus, adminError.error]).toEqual([400, 'invalid_request']);
      expect(adminError.error_description).toMatch(/^name: /);
    });
  }

  it('an emoji sequence joined with ZWJ is a name', async () => {
    const { response } = await postJson(auth('/register'), {
      email: freshEmail('emoji'),
      password: PASSWORD,
      name: 'Ann \u{1f469}\u200d\u{1f4bb}',
    });
    expect(response.status).toBe(201);
  });
});

describe('passwords that are not well-formed Unicode', () => {
  // Each would be hashed as "\ufffd" + the rest: all three collided before.
  const TAIL = 'X and a long enough tail 42';
  const lone = [`\ud800${TAIL}`, `\udbff${TAIL}`, `${TAIL}\udc00`];

  it('register refuses them with password_invalid_unicode', async () => {
    for (const password of lone) {
      const { response } = await postJson(auth('/register'), { email: freshEmail(), password });
      expect(await refusal(response)).toEqual([
        400,
        expect.objectContaining({ error: 'password_invalid_unicode' }),
      ]);
    }
  });

  it('login refuses them, so they no longer log in as the U+FFFD password', async () => {
    const user = await registerUser(freshEmail('fffd'), `\ufffd${TAIL}`);
    expect((await login(user.email, `\ufffd${TAIL}`)).access_token).toBeTruthy();
    for (const password of lone.slice(0, 2)) {
      const { response } = await postJson(auth('/login'), { email: user.email, password });
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toBe('password_invalid_unicode');
    }
  });

  it('password change refuses them as the current and as the new password', async () => {
    const { tokens } = await newSession();
    for (const body of [
      { current_password: `\ud800${TAIL}`, new_password: `new ${PASSWORD}` },
      { current_password: PASSWORD, new_password: `\ud800${TAIL}` },
    ]) {
      const { response } = await postJson(
        auth('/password/change'),
        body,
        bearer(tokens.access_token),
      );
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toBe('password_invalid_unicode');
    }
  });

  it('password reset refuses one as the new password (before spending the link)', async () => {
    const { response } = await postJson(auth('/password/reset/confirm'), {
      token: 'not-a-real-token',
      new_password: `\udbff${TAIL}`,
    });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toBe('password_invalid_unicode');
  });
});
