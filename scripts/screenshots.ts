// `npx tsx scripts/screenshots.ts`: pictures of the hosted pages for the README. Starts a
// throwaway local stack and `wrangler dev` (as test/node/browser-e2e.test.ts does), drives
// Debian's Chromium through playwright-core, registers a user and saves
// docs/screenshots/{login,register,reset-password,account}.png, plus authorize-login.png (the
// login page as /oauth/authorize sends a browser there) when that endpoint exists, and
// admin-user.png / admin-keys.png (the admin console, the same user made an administrator).
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { type Browser, chromium, type Page } from 'playwright-core';
import { openToolDb } from '../dev/db-client.ts';
import { type Stack, startStack } from '../dev/stack.ts';
import { workerVarsFor } from '../dev/worker-vars.ts';
import { startWranglerDev, type WranglerDev } from '../dev/wrangler-dev.ts';
import { users } from '../src/store/schema.ts';

const root = resolve(import.meta.dirname, '..');
const out = resolve(root, 'docs', 'screenshots');
const run = promisify(execFile);
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PASSWORD = `screenshot ${randomBytes(9).toString('base64url')}`;
const VIEWPORT = { width: 960, height: 720 };

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

async function shoot(page: Page, name: string): Promise<void> {
  const file = resolve(out, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`saved ${file}`);
}

/**
 * An authorize URL that sends a signed-out browser to /login: a client registered with
 * `npm run client -- create` (its public interface, not its modules); undefined if that fails.
 */
async function authorizeUrl(stack: Stack, issuer: string): Promise<string | undefined> {
  const clientId = 'screenshots-app';
  const redirectUri = 'https://app.example/callback';
  const args = ['tsx', 'scripts/client.ts', 'create', '--id', clientId, '--name', 'Example app'];
  args.push('--grant', 'authorization_code', '--scope', 'read', '--redirect-uri', redirectUri);
  try {
    await run('npx', args, { cwd: root, env: { ...process.env, STACK_URL: stack.url } });
  } catch (error) {
    console.log(`could not register an OAuth client: ${String(error).split('\n')[0]}`);
    return undefined;
  }
  const query = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'read',
    state: randomUUID(),
    code_challenge: randomBytes(32).toString('base64url'),
    code_challenge_method: 'S256',
  });
  return `${issuer}/oauth/authorize?${query}`;
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  let stack: Stack | undefined;
  let worker: WranglerDev | undefined;
  let browser: Browser | undefined;
  try {
    stack = await startStack({ port: 0 });
    const port = await freePort();
    // The issuer is what the pages' Origin check compares with: browse it, not 127.0.0.1.
    const issuer = `http://localhost:${port}`;
    [worker, browser] = await Promise.all([
      startWranglerDev({
        port,
        quiet: process.env.VERBOSE !== '1',
        vars: workerVarsFor(stack, issuer, {
          KEY_ENCRYPTION_KEY: `shots:${randomBytes(32).toString('base64url')}`,
        }),
      }),
      chromium.launch({
        executablePath: chromiumPath,
        headless: true,
        args: ['--disable-background-networking', '--no-first-run', '--no-sandbox'],
      }),
    ]);

    const visitor = await browser.newPage({ viewport: VIEWPORT, colorScheme: 'light' });
    await visitor.goto(`${issuer}/login`);
    await shoot(visitor, 'login');
    await visitor.goto(`${issuer}/reset-password`);
    await shoot(visitor, 'reset-password');

    const authorize = await authorizeUrl(stack, issuer);
    const probe = authorize ? await fetch(authorize, { redirect: 'manual' }) : undefined;
    if (authorize && probe?.headers.get('Location')?.startsWith('/login?')) {
      await visitor.goto(authorize);
      await shoot(visitor, 'authorize-login');
    } else console.log(`skipped authorize-login.png: /oauth/authorize answered ${probe?.status}`);

    // A user with two sessions: one from another device (an API login), then this browser.
    const email = `ada-${randomUUID().slice(0, 8)}@example.com`;
    const page = await browser.newPage({ viewport: VIEWPORT, colorScheme: 'light' });
    await page.goto(`${issuer}/register`);
    await page.getByLabel('Name').fill('Ada Lovelace');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await shoot(page, 'register');
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Create account' }).click(),
    ]);
    if (new URL(page.url()).pathname !== '/account') {
      const alert = await page
        .getByRole('alert')
        .textContent()
        .catch(() => null);
      throw new Error(`registration did not sign in: ${alert ?? page.url()}`);
    }
    const phone = await fetch(`${issuer}/api/v1/auth/login`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent':
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    if (phone.status !== 200) throw new Error(`API login: ${phone.status} ${await phone.text()}`);
    await page.reload();
    await shoot(page, 'account');

    // The admin console: Ada made an administrator, then signed in afresh (a session's scope
    // is the one its sign-in was given).
    const tool = openToolDb({ STACK_URL: stack.url });
    await tool.db
      .update(users)
      .set({ roles: ['admin'] })
      .where(eq(users.email, email));
    await tool.close();
    const admin = await browser.newPage({ viewport: VIEWPORT, colorScheme: 'light' });
    await admin.goto(`${issuer}/admin/users?q=ada-`);
    await admin.getByLabel('Email address').fill(email);
    await admin.getByLabel('Password').fill(PASSWORD);
    await Promise.all([
      admin.waitForNavigation(),
      admin.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    await Promise.all([
      admin.waitForNavigation(),
      admin.getByRole('link', { name: email }).click(),
    ]);
    await shoot(admin, 'admin-user');
    await admin.goto(`${issuer}/admin/keys`);
    await shoot(admin, 'admin-keys');
  } finally {
    await browser?.close().catch(() => undefined);
    await worker?.stop();
    await stack?.close();
  }
}

await main();
