// Turnstile on register and login when TURNSTILE_SECRET is set. The local stack answers
// siteverify with Cloudflare's documented testing secrets and dummy token (dev/turnstile.ts).
import { describe, expect, it } from 'vitest';
import { DUMMY_TOKEN, TESTING_SECRETS } from '../../dev/turnstile.ts';
import { errorOf, postWithEnv } from './abuse-fixtures.ts';
import { freshEmail, PASSWORD, registerUser } from './auth-fixtures.ts';

const on = (secret: string) => ({ TURNSTILE_SECRET: secret });

describe('Turnstile', () => {
  it('register needs a passing token, from the body or the header', async () => {
    const env = on(TESTING_SECRETS.pass);
    const missing = await postWithEnv(
      '/api/v1/auth/register',
      { email: freshEmail(), password: PASSWORD },
      env,
    );
    expect(missing.response.status).toBe(400);
    expect(await missing.response.json()).toEqual({
      error: 'turnstile_failed',
      error_description: 'A Turnstile token is required (turnstile_token).',
    });
    const inBody = await postWithEnv(
      '/api/v1/auth/register',
      { email: freshEmail(), password: PASSWORD, turnstile_token: DUMMY_TOKEN },
      env,
    );
    expect(inBody.response.status).toBe(201);
    const inHeader = await postWithEnv(
      '/api/v1/auth/register',
      { email: freshEmail(), password: PASSWORD },
      env,
      { 'CF-Turnstile-Response': DUMMY_TOKEN },
    );
    expect(inHeader.response.status).toBe(201);
    const wrongToken = await postWithEnv(
      '/api/v1/auth/register',
      { email: freshEmail(), password: PASSWORD, turnstile_token: 'not-the-token' },
      env,
    );
    expect(await errorOf(wrongToken.response)).toBe('turnstile_failed');
  });

  it('login: refused without a passing token even with the right password', async () => {
    const user = await registerUser();
    const body = { email: user.email, password: PASSWORD };
    const without = await postWithEnv('/api/v1/auth/login', body, on(TESTING_SECRETS.pass));
    expect(without.response.status).toBe(400);
    expect(await errorOf(without.response)).toBe('turnstile_failed');
    const failing = await postWithEnv(
      '/api/v1/auth/login',
      { ...body, turnstile_token: DUMMY_TOKEN },
      on(TESTING_SECRETS.fail),
    );
    expect(await errorOf(failing.response)).toBe('turnstile_failed');
    const spent = await postWithEnv(
      '/api/v1/auth/login',
      { ...body, turnstile_token: DUMMY_TOKEN },
      on(TESTING_SECRETS.spent),
    );
    expect(spent.response.status).toBe(400);
    expect((await spent.response.json<{ error_description: string }>()).error_description).toMatch(
      /expired or was already used/,
    );
    const passing = await postWithEnv(
      '/api/v1/auth/login',
      { ...body, turnstile_token: DUMMY_TOKEN },
      on(TESTING_SECRETS.pass),
    );
    expect(passing.response.status).toBe(200);
  });

  it('siteverify unreachable: 503, not a pass', async () => {
    const { response } = await postWithEnv(
      '/api/v1/auth/register',
      { email: freshEmail(), password: PASSWORD, turnstile_token: DUMMY_TOKEN },
      {
        ...on(TESTING_SECRETS.pass),
        TURNSTILE_VERIFY_URL: 'http://127.0.0.1:9/siteverify',
        STORE_TIMEOUT: '1s',
      },
    );
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toBe('temporarily_unavailable');
  });
});
