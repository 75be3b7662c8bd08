// The admin console in a real browser: Debian's Chromium (playwright-core) against
// `wrangler dev` on the local stack. An administrator opens /admin, is sent to the sign-in page
// and back, finds a user by email and disables them (that user's API session fails at once),
// registers an OAuth client (its secret shown once, and working), and runs an emergency key
// rotation through its confirmation step (the old key leaves the JWKS). A page of another site
// posting a console form is refused by the CSRF checks and changes nothing.
// Skips like browser-e2e.test.ts without Chromium (EDGE_AUTH_REQUIRE_BROWSER=1 forbids that).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openToolDb } from '../../dev/db-client.ts';
import type { WranglerDev } from '../../dev/wrangler-dev.ts';
import { users } from '../../src/store/schema.ts';
import {
  assertBrowser,
  browserAvailable,
  browserRequired,
  closeServer,
  portOf,
  rethrow,
  serve,
  startWorkerAndBrowser,
  warnIfSkipped,
  workerAddress,
} from './browser-harness.ts';
import { ownKeyPrefix, ROOMY_LIMITS } from './worker-test-vars.ts';

warnIfSkipped('admin console e2e');

describe.skipIf(!browserAvailable && !browserRequired)('admin console in a real browser', () => {
  const stack = inject('stack');
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  const adminEmail = `admin-${randomUUID()}@example.com`;
  const targetEmail = `target-${randomUUID()}@example.com`;
  let worker: WranglerDev | undefined;
  let browser: Browser | undefined;
  let attacker: Server | undefined;
  let origin = '';
  let page: Page;
  let target = { id: '', refreshToken: '', accessToken: '' };

  const api = (path: string, init: RequestInit = {}) => fetch(`${origin}${path}`, init);
  const json = (path: string, body: unknown) =>
    api(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const publishedKids = async () => {
    const response = await api('/.well-known/jwks.json');
    return ((await response.json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
  };

  beforeAll(async () => {
    assertBrowser();
    const address = await workerAddress();
    origin = address.origin;
    ({ worker, browser } = await startWorkerAndBrowser(stack, address, {
      ...ROOMY_LIMITS,
      // The emergency rotation bumps this test's own key-set version.
      REDIS_KEY_PREFIX: ownKeyPrefix('admin-e2e'),
    }));

    for (const email of [adminEmail, targetEmail]) {
      const registered = await json('/api/v1/auth/register', { email, password });
      expect(registered.status, await registered.text()).toBe(201);
    }
    const tool = openToolDb({ STACK_URL: stack.url });
    await tool.db
      .update(users)
      .set({ roles: ['admin'] })
      .where(eq(users.email, adminEmail));
    await tool.close();
    const loggedIn = await json('/api/v1/auth/login', { email: targetEmail, password });
    expect(loggedIn.status).toBe(200);
    const tokens = (await loggedIn.json()) as { access_token: string; refresh_token: string };
    const me = await api('/api/v1/auth/me', {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    const { id } = (await me.json()) as { id: string };
    target = { id, refreshToken: tokens.refresh_token, accessToken: tokens.access_token };
    page = await browser!.newPage();
    // A missing element fails its step with its name, well inside the test's timeout.
    page.setDefaultTimeout(8_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await worker?.stop();
    await closeServer(attacker);
  }, 30_000);

  it('signs in, finds and disables a user; that user’s session fails', async () => {
    await page.goto(`${origin}/admin`).catch(rethrow('open /admin'));
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel(/email/i).fill(adminEmail);
    await page.getByLabel(/password/i).fill(password);
    await page.getByRole('button', { name: /sign in|log in/i }).click();
    await page.waitForURL(`${origin}/admin`).catch(rethrow('back at /admin'));
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Admin console',
    );

    await page.getByRole('link', { name: 'Users', exact: true }).first().click();
    await page.getByLabel('Email contains').fill(targetEmail);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: targetEmail }).click();
    await page.waitForURL(`${origin}/admin/users/${target.id}`);
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.waitForURL(/done=disabled/);
    await expect(page.getByRole('status').textContent()).resolves.toBe(
      'User disabled; 1 session(s) ended.',
    );

    const refreshed = await json('/api/v1/auth/refresh', { refresh_token: target.refreshToken });
    expect(refreshed.status).toBe(401);
    const me = await api('/api/v1/auth/me', {
      headers: { Authorization: `Bearer ${target.accessToken}` },
    });
    expect(me.status).toBe(401);
  });

  it('refuses a console form posted from another site, and changes nothing', async () => {
    // 127.0.0.1 is another site than localhost: no cookie goes along, and Origin is foreign.
    attacker = await serve(`<!doctype html><title>attacker</title>
      <form id="f" method="POST" action="${origin}/admin/users/${target.id}/enable">
        <input type="hidden" name="csrf" value="forged"><button>win a prize</button>
      </form>`);
    await page.goto(`http://127.0.0.1:${portOf(attacker)}/`).catch(rethrow('attacker page'));
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/enable')),
      page.locator('#f button').click(),
    ]);
    expect(response.status()).toBe(403);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'This form could not be accepted',
    );
    // Still disabled: the forged "enable" did not happen.
    const login = await json('/api/v1/auth/login', { email: targetEmail, password });
    expect(login.status).toBe(403);
    expect(((await login.json()) as { error?: string }).error).toBe('account_disabled');
  });

  it('registers a client and shows its secret once', async () => {
    await page.goto(`${origin}/admin/clients/new`).catch(rethrow('new client form'));
    await page.getByLabel('Name', { exact: true }).fill('Nightly report');
    await page.getByLabel('authorization_code').uncheck();
    await page.getByLabel('refresh_token').uncheck();
    await page.getByLabel('client_credentials').check();
    await page.getByLabel('Scopes', { exact: true }).fill('read');
    await page.getByRole('button', { name: 'Register' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Client registered',
    );
    const clientId = (await page.locator('#client-id').textContent())!.trim();
    const secret = (await page.locator('#client-secret').textContent())!.trim();
    expect(secret.length).toBeGreaterThan(20);

    const token = await api('/oauth/token', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read' }),
    });
    expect(token.status, await token.clone().text()).toBe(200);

    // Shown once: the client's page never has it again.
    await page.getByRole('link', { name: 'Go to the client' }).click();
    await page.waitForURL(`${origin}/admin/clients/${clientId}`);
    expect(await page.content()).not.toContain(secret);
  });

  it('runs an emergency rotation through the confirmation step', async () => {
    const [before] = await publishedKids();
    expect(before).toBeTruthy();
    await page.goto(`${origin}/admin/keys`).catch(rethrow('keys page'));
    await page.getByRole('link', { name: 'Emergency rotation…' }).click();
    await page.waitForURL(`${origin}/admin/keys/emergency`);
    expect(await page.content()).toContain(before);

    // Without the phrase the browser's own `required` stops it; a wrong phrase is refused.
    await page.getByLabel(/to confirm/).fill('yes');
    await page.getByRole('button', { name: 'Rotate now' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Type "rotate"');
    expect(await publishedKids()).toContain(before);

    await page.getByLabel(/to confirm/).fill('rotate');
    await page.getByRole('button', { name: 'Rotate now' }).click();
    await page.waitForURL(/done=emergency/).catch(async (error) => {
      const alert = await page
        .getByRole('alert')
        .textContent({ timeout: 1000 })
        .catch(() => '');
      throw new Error(`${String(error).split('\n')[0]} (the page says: ${alert})`);
    });
    await expect(page.getByRole('status').textContent()).resolves.toContain(
      'Emergency rotation done',
    );
    await expect(page.locator(`tr[data-kid="${before}"] .tag`).textContent()).resolves.toBe(
      'revoked',
    );
    const after = await publishedKids();
    expect(after).not.toContain(before);
    expect(after).toHaveLength(1);
  });
});
