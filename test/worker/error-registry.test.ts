// Issue 14, "one error path": every code has one status (the registry's), a protocol twin renders
// the wire code its protocol requires, anything that is not an AuthError still renders as
// server_error without detail, and a page route's error renders the page face.
import { inject } from 'vitest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { htmlErrors, renderError } from '../../src/http/error-response.ts';
import {
  AuthError,
  ERRORS,
  type ErrorCode,
  InvariantError,
  WIRE_CODES,
  wireCode,
} from '../../src/shared/errors.ts';
import { freshEmail, PASSWORD } from './auth-fixtures.ts';
import { sendWithEnv } from './helpers.ts';
import { REDIRECT_URI } from './oauth-fixtures.ts';

const CODES = Object.keys(ERRORS) as ErrorCode[];
const GENERIC = ERRORS.server_error.description;
// dev/faults.ts: the stack's failing endpoint, here answering a foreign-key violation, which
// the store layer turns into a SqlStatementError (a plain Error subclass, not an AuthError).
const constraintFault = `${inject('stack').url}/__fault/400?code=23503&constraint=users_some_fkey`;

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
});
afterEach(() => vi.restoreAllMocks());

describe('the registry', () => {
  it('gives every code exactly one status, and an AuthError takes it from there', () => {
    for (const code of CODES) {
      const { status } = ERRORS[code];
      expect(Number.isInteger(status) && status >= 400 && status < 600, code).toBe(true);
      expect(new AuthError(code).status, code).toBe(status);
    }
    // @ts-expect-error: no call site chooses a status; a protocol twin is a code of its own.
    void new AuthError('invalid_grant', undefined, { status: 400 });
  });

  it('renders protocol twins as the wire code their protocol names, each with its own status', () => {
    expect([wireCode('invalid_grant'), ERRORS.invalid_grant.status]).toEqual([
      'invalid_grant',
      401,
    ]);
    // RFC 6749 §5.2: at the token endpoint invalid_grant is a 400.
    expect([wireCode('token_invalid_grant'), ERRORS.token_invalid_grant.status]).toEqual([
      'invalid_grant',
      400,
    ]);
    expect([wireCode('client_id_taken'), ERRORS.client_id_taken.status]).toEqual([
      'invalid_request',
      409,
    ]);
    expect(wireCode('internal_invariant')).toBe('server_error');
    // Every wire code is itself a registry code: the vocabulary on the wire is the registry's.
    for (const wire of WIRE_CODES) expect(CODES, wire).toContain(wire);
  });
});

describe('the one renderer', () => {
  // A bare app with the renderer as its onError: one JSON route, one page route.
  const app = new Hono()
    .use(requestId())
    .get('/api/boom', () => {
      throw new Error('detail with a secret: hunter2');
    })
    .get('/api/invariant', () => {
      throw new InvariantError('no key-encryption key configured');
    })
    .get('/page/boom', htmlErrors({ title: 'Not shown for a 500' }), () => {
      throw new Error('detail with a secret: hunter2');
    })
    .get('/page/refused', htmlErrors({ title: 'Could not do that' }), () => {
      throw new AuthError('invalid_one_time_token');
    })
    .onError(renderError);

  it('renders a thrown bare Error as server_error JSON, without its message', async () => {
    const response = await app.request('/api/boom');
    expect(response.status).toBe(500);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(await response.json()).toEqual({ error: 'server_error', error_description: GENERIC });
    expect(lines.join('\n')).not.toContain('hunter2');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ code: 'server_error' });
  });

  it('renders a broken invariant as server_error; only the log line names it', async () => {
    const response = await app.request('/api/invariant');
    expect(await response.json()).toEqual({ error: 'server_error', error_description: GENERIC });
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      code: 'internal_invariant',
      msg: 'no key-encryption key configured',
    });
  });

  it('renders a page route error as the error page, with the status and no detail', async () => {
    const failed = await app.request('/page/boom');
    expect(failed.status).toBe(500);
    expect(failed.headers.get('Content-Type')).toMatch(/^text\/html/);
    const page = await failed.text();
    expect(page).toContain('Something went wrong');
    expect(page).toContain(GENERIC);
    expect(page).toContain('Reference:');
    expect(page).not.toContain('hunter2');

    const refused = await app.request('/page/refused');
    expect(refused.status).toBe(400);
    expect(refused.headers.get('Content-Type')).toMatch(/^text\/html/);
    const text = await refused.text();
    expect(text).toContain('Could not do that');
    expect(text).toContain(ERRORS.invalid_one_time_token.description);
  });
});

describe('through the Worker', () => {
  it('an internal failure of an API route is server_error JSON without detail', async () => {
    const email = freshEmail('registry');
    const response = await sendWithEnv(
      '/api/v1/auth/register',
      { NEON_FETCH_ENDPOINT: constraintFault },
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      },
    );
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'server_error', error_description: GENERIC });
  });

  it('an error of /oauth/authorize before the redirect URI is known is a page', async () => {
    const response = await sendWithEnv(
      `/oauth/authorize?client_id=nobody&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
      {},
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const page = await response.text();
    expect(page).toContain('Unknown application');
    expect(page).toContain(ERRORS.unknown_client.description);
  });

  it('an internal failure of a page route is the page face, not JSON', async () => {
    const response = await sendWithEnv(
      `/oauth/authorize?client_id=someone&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
      { NEON_FETCH_ENDPOINT: constraintFault },
    );
    expect(response.status).toBe(500);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toContain(GENERIC);
    expect(page).not.toContain('users_some_fkey');
  });
});
