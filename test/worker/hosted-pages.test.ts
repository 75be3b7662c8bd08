// The hosted pages through the Worker, as a browser without JavaScript would use them: GET a
// page (which sets the form cookie), POST its form with the hidden CSRF token, follow nothing
// (redirects are asserted), and keep the cookies it was given.
import { describe, expect, it } from 'vitest';
import { auditRowsOfUser } from './audit-fixtures.ts';
import { freshEmail, login, PASSWORD, postJson, registerUser } from './auth-fixtures.ts';
import { expectRefusal } from './helpers.ts';
import { tokenMailedTo } from './mail-fixtures.ts';
import { csrfOf, PageBrowser as Browser, SSO } from './page-browser.ts';

const FORM = '__Host-ea_form';
const NEW_PASSWORD = 'an entirely different passphrase 77';

async function signedIn(email?: string) {
  const user = await registerUser(email ?? freshEmail('pages'));
  const browser = new Browser();
  const { response } = await browser.submit('/login', '/login', {
    email: user.email,
    password: PASSWORD,
  });
  expect(response.status).toBe(303);
  return { user, browser };
}

describe('hosted pages: rendering and headers', () => {
  it.each(['/login', '/register', '/reset-password'])(
    'GET %s: HTML, page CSP, no-store, form cookie',
    async (path) => {
      const browser = new Browser();
      const { response, body } = await browser.get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
      expect(response.headers.get('Cache-Control')).toBe('no-store');
      // Not no-referrer: under it browsers send `Origin: null` with the page's own form posts.
      expect(response.headers.get('Referrer-Policy')).toBe('same-origin');
      const csp = response.headers.get('Content-Security-Policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(body).toMatch(/^<!doctype html><html lang="en">/);
      expect(body).not.toMatch(/<script|https?:\/\/(?!auth\.test)/);
      const line = response.headers.getAll('Set-Cookie').find((l) => l.startsWith(`${FORM}=`));
      expect(line).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      expect(csrfOf(body)).toMatch(/^[\w-]{43}$/);
    },
  );

  it('every input has a label and an autocomplete', async () => {
    for (const path of ['/login', '/register', '/reset-password']) {
      const { body } = await new Browser().get(path);
      for (const [input] of body.matchAll(/<input(?![^>]*type="hidden")[^>]*>/g)) {
        const id = /id="([^"]+)"/.exec(input)?.[1];
        expect(body, `${path}: label for ${id}`).toContain(`<label for="${id}">`);
        expect(input).toMatch(/autocomplete="(email|current-password|new-password|name)"/);
      }
    }
  });
});

describe('hosted pages: login', () => {
  it('success: 303 to /account with the sign-in cookie; the account page shows the user', async () => {
    const { user, browser } = await signedIn();
    expect(browser.cookies.get(SSO)).toMatch(/^[0-9a-f-]{36}\./);
    const account = await browser.get('/account');
    expect(account.response.status).toBe(200);
    expect(account.body).toContain(user.email);
    const [row] = await auditRowsOfUser(user.user_id, 'login_success');
    expect(row?.sessionId).toBeTruthy();
    // Signed in already: the login page sends the browser on.
    const again = await browser.get('/login');
    expect([again.response.status, again.response.headers.get('Location')]).toEqual([
      303,
      '/account',
    ]);
  });

  it('wrong password: 401, the message announced, the email kept, the password not', async () => {
    const user = await registerUser();
    const { response, body } = await new Browser().submit('/login', '/login', {
      email: user.email,
      password: 'not the password at all',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(response.headers.getAll('Set-Cookie').some((l) => l.startsWith(SSO))).toBe(false);
    expect(body).toContain('role="alert"');
    expect(body).toContain('The email or password is incorrect.');
    expect(body).toContain(`value="${user.email}"`);
    expect(body).not.toContain('not the password at all');
    expect(body).toContain('aria-invalid="true"');
  });

  it.each([
    '//evil.com',
    'https://evil.com',
    '/\\evil',
    '/oauth/authorize/../../x?',
    'javascript:alert(1)',
    '/accounts',
  ])('return_to %s is refused: /account instead', async (returnTo) => {
    const user = await registerUser();
    const browser = new Browser();
    const page = await browser.get(`/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(page.body).toContain('name="return_to" value="/account"');
    const { response } = await browser.post('/login', {
      csrf: csrfOf(page.body),
      email: user.email,
      password: PASSWORD,
      return_to: returnTo,
    });
    expect([response.status, response.headers.get('Location')]).toEqual([303, '/account']);
  });

  it('return_to back to /oauth/authorize on this origin is kept', async () => {
    const user = await registerUser();
    const back = '/oauth/authorize?client_id=abc&state=x%20y&scope=read';
    const { response, body } = await new Browser().submit('/login', '/login', {
      email: user.email,
      password: PASSWORD,
      return_to: back,
    });
    // A self-refreshing page, not a 303: see signIn() in src/http/routes/hosted-pages.tsx.
    expect(response.status).toBe(200);
    const escaped = back.replace(/&/g, '&amp;');
    expect(body).toContain(`<meta http-equiv="refresh" content="0;url=${escaped}" />`);
    expect(body).toContain(`<a href="${escaped}">`);
  });
});

describe('hosted pages: CSRF', () => {
  const attempt = async (
    tamper: (b: Browser, csrf: string) => Promise<{ response: Response; body: string }>,
  ) => {
    const user = await registerUser();
    const browser = new Browser();
    const csrf = csrfOf((await browser.get('/login')).body);
    const result = await tamper(browser, csrf);
    expect(result.response.status).toBe(403);
    expect(result.response.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(result.body).toContain('This form could not be accepted');
    expect(result.response.headers.getAll('Set-Cookie').some((l) => l.startsWith(SSO))).toBe(false);
    return user;
  };
  const fields = { email: 'someone@example.test', password: PASSWORD };

  it('no token: 403 page', () => attempt((b) => b.post('/login', fields)));
  it('a forged token: 403 page', () =>
    attempt((b, csrf) => b.post('/login', { ...fields, csrf: `${csrf.slice(0, -2)}AA` })));
  it("another browser's token: 403 page", () =>
    attempt(async (b) => {
      const other = csrfOf((await new Browser().get('/login')).body);
      return b.post('/login', { ...fields, csrf: other });
    }));
  it('a cross-origin post with a valid token: 403 page', () =>
    attempt((b, csrf) =>
      b.post('/login', { ...fields, csrf }, { Origin: 'https://evil.example' }),
    ));
  it('a cross-site post without Origin: 403 page', () =>
    attempt((b, csrf) =>
      b.post('/login', { ...fields, csrf }, { Origin: '', 'Sec-Fetch-Site': 'cross-site' }),
    ));
  it('no form cookie: 403 page', () =>
    attempt((b, csrf) => {
      b.cookies.delete(FORM);
      return b.post('/login', { ...fields, csrf });
    }));
});

describe('hosted pages: account and sessions', () => {
  it('without a sign-in: 303 to the login page', async () => {
    const { response } = await new Browser().get('/account');
    expect([response.status, response.headers.get('Location')]).toEqual([
      303,
      '/login?return_to=/account',
    ]);
  });

  it('lists the sessions with this browser marked; revoke ends another one', async () => {
    const { user, browser } = await signedIn();
    const other = await login(user.email);
    const page = await browser.get('/account');
    const revokeForms = [
      ...page.body.matchAll(/action="\/account\/sessions\/([0-9a-f-]{36})\/revoke"/g),
    ];
    expect(revokeForms).toHaveLength(2);
    expect(page.body.match(/This browser/g)).toHaveLength(1);
    expect(page.body).toContain('<th scope="col">Last used</th>');
    expect(page.body).toContain(browser.ip);

    const ownSid = browser.cookies.get(SSO)!.split('.')[0];
    const otherSid = revokeForms.map((m) => m[1]).find((sid) => sid !== ownSid)!;
    const revoked = await browser.post(`/account/sessions/${otherSid}/revoke`, {
      csrf: csrfOf(page.body),
    });
    expect([revoked.response.status, revoked.response.headers.get('Location')]).toEqual([
      303,
      '/account',
    ]);
    const refresh = await postJson('/api/v1/auth/refresh', { refresh_token: other.refresh_token });
    await expectRefusal(refresh.response, 401, 'invalid_grant');
    const after = await browser.get('/account');
    expect(after.body).not.toContain(otherSid);
    const [row] = await auditRowsOfUser(user.user_id, 'session_revoked');
    expect(row).toMatchObject({ sessionId: otherSid, details: { reason: 'user_revoked' } });
  });

  it("another user's session id changes nothing", async () => {
    const { browser } = await signedIn();
    const stranger = await signedIn();
    const sid = stranger.browser.cookies.get(SSO)!.split('.')[0];
    const { response } = await browser.submit('/account', `/account/sessions/${sid}/revoke`);
    expect(response.status).toBe(303);
    expect((await stranger.browser.get('/account')).response.status).toBe(200);
  });

  it('sign out: the session ends and the cookie is cleared', async () => {
    const { user, browser } = await signedIn();
    const cookie = browser.cookies.get(SSO)!;
    const { response } = await browser.submit('/account', '/logout');
    expect([response.status, response.headers.get('Location')]).toEqual([303, '/login']);
    expect(response.headers.getAll('Set-Cookie').find((l) => l.startsWith(`${SSO}=`))).toMatch(
      /Max-Age=0/,
    );
    expect(browser.cookies.has(SSO)).toBe(false);
    // The old cookie names a session that is gone.
    browser.cookies.set(SSO, cookie);
    expect((await browser.get('/account')).response.status).toBe(303);
    expect(await auditRowsOfUser(user.user_id, 'logout')).toHaveLength(1);
  });

  it('sign out everywhere ends every session of the user', async () => {
    const { user, browser } = await signedIn();
    const other = await login(user.email);
    const { response } = await browser.submit('/account', '/logout-all');
    expect([response.status, response.headers.get('Location')]).toEqual([303, '/login']);
    const refresh = await postJson('/api/v1/auth/refresh', { refresh_token: other.refresh_token });
    await expectRefusal(refresh.response, 401, 'invalid_grant');
    const [row] = await auditRowsOfUser(user.user_id, 'logout_all');
    expect(row?.details).toEqual({ sessions: 2 });
  });
});

describe('hosted pages: register', () => {
  it('signs in and goes on to /account; a taken address re-renders with 409', async () => {
    const email = freshEmail('page-register');
    const browser = new Browser();
    const { response } = await browser.submit('/register', '/register', {
      email,
      password: PASSWORD,
      name: 'Ann',
    });
    expect([response.status, response.headers.get('Location')]).toEqual([303, '/account']);
    expect((await browser.get('/account')).body).toContain(email);

    const taken = await new Browser().submit('/register', '/register', {
      email,
      password: PASSWORD,
    });
    expect(taken.response.status).toBe(409);
    expect(taken.body).toContain('An account with this email already exists.');
    const weak = await new Browser().submit('/register', '/register', {
      email: freshEmail(),
      password: 'short',
    });
    expect(weak.response.status).toBe(400);
    expect(weak.body).toContain('at least 8 characters');
  });

  it('a NUL or a bidi override in the name, or a NUL in the address: 400 page, not a 500', async () => {
    for (const name of ['Ann\u0000', 'Ann\u202egnp.exe']) {
      const { response, body } = await new Browser().submit('/register', '/register', {
        email: freshEmail('page-name'),
        password: PASSWORD,
        name,
      });
      expect(response.status).toBe(400);
      expect(body).toContain('Enter a name without control characters.');
    }
    const nul = await new Browser().submit('/register', '/register', {
      email: `nul\u0000${freshEmail()}`,
      password: PASSWORD,
    });
    expect(nul.response.status).toBe(400);
    expect(nul.body).toContain('Enter an email address.');
    const login = await new Browser().submit('/login', '/login', {
      email: `nul\u0000${freshEmail()}`,
      password: PASSWORD,
    });
    expect(login.response.status).toBe(400);
    expect(login.body).toContain('Enter your email address and password.');
  });

  it('with verification required: the same page for a new and a known address', async () => {
    const env = { REQUIRE_EMAIL_VERIFICATION: 'true' };
    const known = await registerUser();
    const [a, b] = await Promise.all(
      [known.email, freshEmail('pending')].map((email) =>
        new Browser(env).submit('/register', '/register', { email, password: PASSWORD }),
      ),
    );
    expect([a!.response.status, b!.response.status]).toEqual([200, 200]);
    expect(a!.body).toBe(b!.body);
    expect(a!.body).toContain('Check your inbox');
  });

  it('a rate-limited post gets an HTML 429 page with Retry-After', async () => {
    const browser = new Browser({ RATE_LIMIT_REGISTER_IP: '1/1h' });
    const csrf = csrfOf((await browser.get('/register')).body);
    const register = () =>
      browser.post('/register', { csrf, email: freshEmail(), password: PASSWORD });
    expect((await register()).response.status).toBe(303);
    const { response, body } = await register();
    expect(response.status).toBe(429);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(response.headers.get('Retry-After')).toMatch(/^\d+$/);
    expect(body).toContain('role="alert"');
    expect(body).toMatch(/Too many requests; retry in \d+ s\./);
  });
});

describe('hosted pages: password reset', () => {
  it('the request page answers the same for a known and an unknown address', async () => {
    const user = await registerUser();
    const [known, unknown] = await Promise.all(
      [user.email, freshEmail('nobody')].map((email) =>
        new Browser().submit('/reset-password', '/reset-password', { email }),
      ),
    );
    expect([known!.response.status, unknown!.response.status]).toEqual([200, 200]);
    expect(known!.body).toBe(unknown!.body);
    expect(known!.body).toContain('If the address has an account');
  });

  it('the mailed link sets a new password once; the old one stops working', async () => {
    const { user, browser } = await signedIn();
    await browser.submit('/reset-password', '/reset-password', { email: user.email });
    const token = await tokenMailedTo(user.email, 'password_reset');
    const form = await browser.get(`/reset-password?token=${encodeURIComponent(token)}`);
    expect(form.body).toContain(`name="token" value="${token}"`);
    expect(form.body).toContain('autocomplete="new-password"');

    const weak = await browser.post('/reset-password', {
      csrf: csrfOf(form.body),
      token,
      password: 'short',
    });
    expect(weak.response.status).toBe(400);
    expect(weak.body).toContain('at least 8 characters');
    expect(weak.body).toContain(`name="token" value="${token}"`);
    const done = await browser.post('/reset-password', {
      csrf: csrfOf(form.body),
      token,
      password: NEW_PASSWORD,
    });
    // Every session ended (the one this browser had too); the browser that followed the link
    // is signed in afresh and lands on the account page.
    expect(done.response.status).toBe(303);
    expect(done.response.headers.get('Location')).toBe('/account?done=reset');
    const account = await browser.get('/account?done=reset');
    expect(account.response.status).toBe(200);
    expect(account.body).toContain('Your password is changed');

    const old = await new Browser().submit('/login', '/login', {
      email: user.email,
      password: PASSWORD,
    });
    expect(old.response.status).toBe(401);
    expect(old.body).toContain('The email or password is incorrect.');
    const fresh = await new Browser().submit('/login', '/login', {
      email: user.email,
      password: NEW_PASSWORD,
    });
    expect(fresh.response.status).toBe(303);
    const again = await browser.post('/reset-password', {
      csrf: csrfOf(form.body),
      token,
      password: NEW_PASSWORD,
    });
    expect(again.response.status).toBe(400);
    expect(again.body).toContain('This link cannot be used');
  });

  it('a damaged link: 400 page with a way to ask for a new one', async () => {
    const { response, body } = await new Browser().get('/reset-password?token=nope');
    expect(response.status).toBe(400);
    expect(body).toContain('The link is incomplete or damaged.');
    expect(body).toContain('href="/reset-password"');
  });
});
