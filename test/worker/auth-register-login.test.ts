import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { freshEmail, login, PASSWORD, postJson, registerUser } from './auth-fixtures.ts';
import { expectRefusal, roundTrips, send } from './helpers.ts';

describe('POST /api/v1/auth/register', () => {
  it('creates the user: 201 {user_id, email}', async () => {
    const email = freshEmail();
    const { response } = await postJson('/api/v1/auth/register', {
      email,
      password: PASSWORD,
      name: 'Ann',
    });
    expect(response.status).toBe(201);
    const body = await response.json<{ user_id: string; email: string }>();
    expect(body).toEqual({ user_id: expect.stringMatching(/^[0-9a-f-]{36}$/), email });
  });

  it('trims, normalises and compares emails case-insensitively: a duplicate gets 409', async () => {
    const email = freshEmail('Dup');
    await registerUser(email);
    const { response } = await postJson('/api/v1/auth/register', {
      email: `  ${email.toUpperCase()} `,
      password: PASSWORD,
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: 'email_already_registered' });
  });

  it('treats the NFC and NFD spellings of an address as one', async () => {
    const local = `jose-${crypto.randomUUID().slice(0, 8)}`;
    await registerUser(`${local}-\u00e9@example.test`); // é precomposed
    const { response } = await postJson('/api/v1/auth/register', {
      email: `${local}-e\u0301@example.test`, // e + combining acute
      password: PASSWORD,
    });
    await expectRefusal(response, 409, 'email_already_registered');
  });

  it.each([
    ['short7!', 'password_too_short'],
    ['x'.repeat(129), 'password_too_long'],
    ['password123', 'password_too_common'],
    ['PassWord123', 'password_too_common'],
  ])('rejects the password %j with %s', async (password, code) => {
    const { response } = await postJson('/api/v1/auth/register', { email: freshEmail(), password });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: code });
  });

  it('accepts a 128-character password and never truncates it', async () => {
    const long = 'correct horse battery staple '.repeat(5).slice(0, 127) + 'X';
    const user = await registerUser(freshEmail(), long);
    await expect(login(user.email, long)).resolves.toBeTruthy();
    const { response } = await postJson('/api/v1/auth/login', {
      email: user.email,
      password: long.slice(0, 127) + 'Y',
    });
    await expectRefusal(response, 401, 'invalid_credentials');
  });

  it('names the failing field on a schema violation', async () => {
    const { response } = await postJson('/api/v1/auth/register', {
      email: 'not-an-email',
      password: PASSWORD,
    });
    expect(response.status).toBe(400);
    const body = await response.json<{ error: string; error_description: string }>();
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toMatch(/^email: /);
  });

  it('answers 400 to malformed JSON, 415 to another content type, 413 to a huge body', async () => {
    const bad = await send('/api/v1/auth/register', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"email":',
    });
    expect(bad.response.status).toBe(400);
    expect(await bad.response.json()).toMatchObject({
      error: 'invalid_request',
      error_description: 'Malformed request body.',
    });
    const form = await send('/api/v1/auth/register', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'email=a%40b.c&password=x',
    });
    expect(form.response.status).toBe(415);
    expect(await form.response.json()).toMatchObject({ error: 'unsupported_media_type' });
    const huge = await postJson('/api/v1/auth/register', {
      email: freshEmail(),
      password: PASSWORD,
      name: 'x'.repeat(20_000),
    });
    expect(huge.response.status).toBe(413);
    expect(await huge.response.json()).toMatchObject({ error: 'payload_too_large' });
  });
});

describe('POST /api/v1/auth/login', () => {
  it('returns a token pair with no-store', async () => {
    const user = await registerUser();
    const { response } = await postJson('/api/v1/auth/login', {
      email: user.email,
      password: PASSWORD,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const body = await response.json<Record<string, unknown>>();
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.stringMatching(/^eart_[A-Za-z0-9_-]{109}$/),
      refresh_expires_in: 604800,
    });
  });

  it('issues an RFC 9068 access token with every claim', async () => {
    const user = await registerUser();
    const { access_token } = await login(user.email);
    expect(decodeProtectedHeader(access_token)).toEqual({
      alg: 'RS256',
      kid: expect.any(String),
      typ: 'at+jwt',
    });
    const claims = decodeJwt(access_token);
    expect(claims).toMatchObject({
      iss: 'http://auth.test',
      sub: user.user_id,
      aud: ['http://api.test'],
      scope: 'read',
      roles: ['viewer'],
      email: user.email,
      jti: expect.any(String),
      sid: expect.any(String),
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
    expect(claims.nbf).toBe(claims.iat);
  });

  it('wrong password and unknown email give the same 401 invalid_credentials', async () => {
    const user = await registerUser();
    const wrong = await postJson('/api/v1/auth/login', {
      email: user.email,
      password: 'not the password at all',
    });
    const unknown = await postJson('/api/v1/auth/login', {
      email: freshEmail('ghost'),
      password: PASSWORD,
    });
    for (const { response } of [wrong, unknown]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: 'invalid_credentials',
        error_description: 'The email or password is incorrect.',
      });
    }
  });

  it('the unknown-user path performs a password hash (Server-Timing shows one hash call)', async () => {
    const unknown = await postJson('/api/v1/auth/login', {
      email: freshEmail('ghost'),
      password: PASSWORD,
    });
    expect(unknown.response.headers.get('Server-Timing')).toMatch(/hash;dur=[\d.]+;desc="1 calls"/);
    const user = await registerUser();
    const wrong = await postJson('/api/v1/auth/login', {
      email: user.email,
      password: 'not the password at all',
    });
    expect(wrong.response.headers.get('Server-Timing')).toMatch(/hash;dur=[\d.]+;desc="1 calls"/);
  });

  // The guard's limiters and backoff read are ONE auto-pipelined Redis request, sent while the
  // SQL lookup is in flight; the other Redis round trip is the session script, pipelined with
  // the key-set version GET (5 units in all).
  it('costs 1 SQL round trip and 2 Redis round trips (one of them beside the SQL read)', async () => {
    // Warm this isolate's key cache and Redis's script cache with another account: a login soon
    // after one of the same account also releases its backoff reservation, after the response
    // (src/abuse/login-backoff.ts successNeedsWrite), and this test is about a lone login.
    await login((await registerUser()).email);
    const user = await registerUser();
    const { response, requestId } = await postJson('/api/v1/auth/login', {
      email: user.email,
      password: PASSWORD,
    });
    expect(response.status).toBe(200);
    // Redis: the guard's request (two limits and the backoff read), then the session script
    // with the key-set version read beside it.
    expect(await roundTrips(requestId)).toMatchObject({
      sql: { roundTrips: 1, units: 1 },
      redis: { roundTrips: 2, units: 5 },
    });
  });
});
