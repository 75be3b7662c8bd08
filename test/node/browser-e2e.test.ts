// Real browser, end to end: Debian's Chromium (driven by playwright-core) against `wrangler dev`
// on the local stack. An "app" page on another localhost origin (allowlisted, same-site with the
// Worker: ports do not make a site) logs in in cookie mode, refreshes after its access token
// expired and logs out; attacker pages try to use the session cookie from a different site
// (http://127.0.0.1) and from a same-site origin that is not allowlisted, and must fail.
//
// Skipped, with a message, when no Chromium is installed (`apt-get install chromium`); with
// EDGE_AUTH_REQUIRE_BROWSER=1 (set by .ci/run) a missing Chromium fails the run instead.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ROOMY_LIMITS } from './worker-test-vars.ts';
import type { WranglerDev } from '../../dev/wrangler-dev.ts';
import {
  assertBrowser,
  browserAvailable,
  browserRequired,
  closeServer,
  freePort,
  portOf,
  rethrow,
  serve,
  startWorkerAndBrowser,
  warnIfSkipped,
} from './browser-harness.ts';

warnIfSkipped('browser e2e');

const REFRESH_COOKIE = '__Secure-ea_refresh';
const CSRF_COOKIE = '__Secure-ea_csrf';
const COOKIE_PATH = '/api/v1/auth';

/** What the pages' helpers hand back to the test: status, parsed body, a header or two. */
interface Answer {
  status: number;
  body: Record<string, unknown> | null;
  cacheControl: string | null;
}

/** The app: keeps the access token and the CSRF token in memory, the refresh token never. */
const appPage = (worker: string) => `<!doctype html>
<meta charset="utf-8"><title>app</title>
<script>
  const api = ${JSON.stringify(`${worker}${COOKIE_PATH}`)};
  let access = null;
  let csrf = null;
  async function call(path, init) {
    let res;
    try {
      res = await fetch(api + path, { credentials: 'include', ...init });
    } catch (error) {
      // A network or CORS failure: the status the test sees is 0.
      return { status: 0, body: { error: String(error) }, cacheControl: null };
    }
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = { raw: text }; }
    return { status: res.status, body, cacheControl: res.headers.get('Cache-Control') };
  }
  function keep(answer) {
    if (answer.status === 200) {
      access = answer.body.access_token;
      csrf = answer.body.csrf_token;
    }
    return answer;
  }
  window.login = async (email, password) => keep(await call('/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password, use_cookie: true }),
  }));
  window.refresh = async () => keep(await call('/refresh', {
    method: 'POST',
    headers: { 'X-CSRF-Token': csrf ?? '' },
  }));
  window.me = () => call('/me', { headers: { Authorization: 'Bearer ' + access } });
  window.logout = () => call('/logout', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + access, 'X-CSRF-Token': csrf ?? '' },
  });
</script>
<p>app</p>`;

/**
 * The attacker: plain HTML forms (a cross-site form POST needs no script and no CORS) and a
 * credentialed `fetch` without custom headers (a "simple" request, so no preflight stops it
 * before it reaches the Worker). It cannot send X-CSRF-Token: that would need a preflight, and
 * its origin is not allowlisted.
 */
const attackerPage = (worker: string) => `<!doctype html>
<meta charset="utf-8"><title>attacker</title>
<form id="refresh" method="POST" action="${worker}${COOKIE_PATH}/refresh">
  <input type="hidden" name="use_cookie" value="true"><button>refresh</button>
</form>
<form id="logout" method="POST" action="${worker}${COOKIE_PATH}/logout">
  <button>logout</button>
</form>
<script>
  window.attack = async (path) => {
    try {
      const res = await fetch(${JSON.stringify(`${worker}${COOKIE_PATH}`)} + path, {
        method: 'POST',
        credentials: 'include',
      });
      return { readable: true, status: res.status };
    } catch (error) {
      return { readable: false, error: String(error) };
    }
  };
</script>`;

describe.skipIf(!browserAvailable && !browserRequired)(
  'real browser (Chromium) against wrangler dev',
  () => {
    const stack = inject('stack');
    const email = `browser-${randomUUID()}@example.com`;
    const password = `pw-${randomBytes(12).toString('base64url')}`;
    const started = performance.now();

    let worker: WranglerDev | undefined;
    let workerOrigin = '';
    let servers: Server[] = [];
    let appOrigin = '';
    let crossSiteOrigin = '';
    let sameSiteOrigin = '';
    let browser: Browser | undefined;
    let context: BrowserContext;
    let app: Page;

    /** Calls one of the app page's functions inside the browser. */
    const inApp = (name: 'login' | 'refresh' | 'me' | 'logout', ...args: string[]) =>
      app
        .evaluate(
          ([fn, fnArgs]) =>
            (window as unknown as Record<string, (...a: string[]) => Promise<Answer>>)[fn]!(
              ...fnArgs,
            ),
          [name, args] as const,
        )
        .catch(rethrow(`app ${name}()`));

    const cookies = async (): Promise<Map<string, Cookie>> =>
      new Map(
        (await context.cookies(`${workerOrigin}${COOKIE_PATH}/refresh`))
          .filter((c) => c.name.startsWith('__Secure-ea_'))
          .map((c) => [c.name, c]),
      );

    beforeAll(async () => {
      assertBrowser();
      const port = await freePort();
      workerOrigin = `http://localhost:${port}`;
      const appServer = await serve(appPage(workerOrigin));
      const crossSite = await serve(attackerPage(workerOrigin));
      const sameSite = await serve(attackerPage(workerOrigin));
      servers = [appServer, crossSite, sameSite];
      appOrigin = `http://localhost:${portOf(appServer)}`;
      // 127.0.0.1 and localhost are different sites: SameSite=Lax cookies stay home.
      crossSiteOrigin = `http://127.0.0.1:${portOf(crossSite)}`;
      // Same site as the Worker (ports do not count) but not allowlisted: the cookies go along,
      // so only the CSRF checks stand in the way.
      sameSiteOrigin = `http://localhost:${portOf(sameSite)}`;

      ({ worker, browser } = await startWorkerAndBrowser(
        stack,
        { port, origin: workerOrigin },
        { ...ROOMY_LIMITS, ALLOWED_ORIGINS: appOrigin, ACCESS_TOKEN_TTL: '5s', CLOCK_SKEW: '0' },
      ));
      context = await browser!.newContext();
      app = await context.newPage();

      const registered = await fetch(`${worker!.url}${COOKIE_PATH}/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      expect(registered.status, await registered.text()).toBe(201);
      await app.goto(`${appOrigin}/`);
    }, 120_000);

    afterAll(async () => {
      await browser?.close().catch(() => undefined);
      await worker?.stop();
      await Promise.all(servers.map(closeServer));
      console.log(`browser e2e: ${Math.round(performance.now() - started)} ms in all`);
    }, 30_000);

    it('logs in in cookie mode: the refresh token only in an HttpOnly cookie', async () => {
      const login = await inApp('login', email, password);
      expect(login.status, JSON.stringify(login.body)).toBe(200);
      expect(login.cacheControl).toBe('no-store');
      expect(login.body).toMatchObject({
        token_type: 'Bearer',
        access_token: expect.any(String),
        csrf_token: expect.any(String),
        expires_in: 5,
      });
      expect(login.body).not.toHaveProperty('refresh_token');

      const jar = await cookies();
      expect(jar.get(REFRESH_COOKIE)).toMatchObject({
        domain: 'localhost',
        path: COOKIE_PATH,
        httpOnly: true,
        secure: true,
        sameSite: 'Lax',
      });
      expect(jar.get(CSRF_COOKIE)).toMatchObject({
        path: COOKIE_PATH,
        httpOnly: false,
        secure: true,
        sameSite: 'Lax',
        value: login.body?.csrf_token,
      });
      // The cookie outlives the access token: it carries the refresh token's lifetime.
      expect(jar.get(REFRESH_COOKIE)!.expires).toBeGreaterThan(Date.now() / 1000 + 60);

      const me = await inApp('me');
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ email });
    });

    it('refreshes through the cookie and X-CSRF-Token once the access token has expired', async () => {
      const before = (await cookies()).get(REFRESH_COOKIE)!.value;
      // Poll rather than sleep a fixed time: the token lives 5 s with no clock skew allowed.
      const deadline = Date.now() + 20_000;
      let me = await inApp('me');
      while (me.status === 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        me = await inApp('me');
      }
      expect(me.status).toBe(401);
      expect(me.body).toMatchObject({ error: 'invalid_token' });

      const refreshed = await inApp('refresh');
      expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
      expect(refreshed.cacheControl).toBe('no-store');
      expect(refreshed.body).toMatchObject({
        access_token: expect.any(String),
        csrf_token: expect.any(String),
      });
      expect(refreshed.body).not.toHaveProperty('refresh_token');
      const jar = await cookies();
      // Rotated: a new refresh token in the cookie, a new CSRF pair.
      expect(jar.get(REFRESH_COOKIE)!.value).not.toBe(before);
      expect(jar.get(CSRF_COOKIE)!.value).toBe(refreshed.body?.csrf_token);

      const again = await inApp('me');
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ email });
    }, 30_000);

    /** What one attacker request did, as the DevTools protocol saw it. */
    interface Attempt {
      /** The Worker's answer (the attacker's script may not be allowed to read it; we can). */
      status: number;
      body: string | null;
      setCookie: boolean;
      /** Whether the browser attached the refresh cookie, and if not, why (CDP's reasons). */
      cookieSent: boolean;
      withheldBecause: string[];
      /** Whether the attacker's script could read the answer (fetch only). */
      readable?: boolean | undefined;
    }
    interface SentInfo {
      associatedCookies: { cookie: { name: string }; blockedReasons: string[] }[];
    }
    interface ReceivedInfo {
      statusCode: number;
      headers: Record<string, string>;
    }

    /** Loads the attacker page from `origin` and fires one request at the Worker's `path`. */
    async function attackFrom(
      origin: string,
      path: '/refresh' | '/logout',
      how: 'form' | 'fetch',
    ): Promise<Attempt> {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      const target = `${workerOrigin}${COOKIE_PATH}${path}`;
      // A CORS-blocked fetch never becomes a Playwright `response`; the protocol still reports
      // what went over the wire. Extra-info events may come before or after the request event.
      const ids = new Set<string>();
      const sent = new Map<string, SentInfo>();
      const received = new Map<string, ReceivedInfo>();
      const finished = new Set<string>();
      cdp.on('Network.requestWillBeSent', (e) => {
        if (e.request.url === target && e.request.method === 'POST') ids.add(e.requestId);
      });
      cdp.on('Network.requestWillBeSentExtraInfo', (e) => sent.set(e.requestId, e));
      cdp.on('Network.responseReceivedExtraInfo', (e) => received.set(e.requestId, e));
      cdp.on('Network.loadingFinished', (e) => finished.add(e.requestId));
      cdp.on('Network.loadingFailed', (e) => finished.add(e.requestId));
      try {
        await cdp.send('Network.enable');
        await page.goto(`${origin}/`);
        let readable: boolean | undefined;
        if (how === 'form') {
          await page.click(`#${path.slice(1)} button`);
        } else {
          const result = await page.evaluate(
            (p) =>
              (window as unknown as { attack(p: string): Promise<{ readable: boolean }> }).attack(
                p,
              ),
            path,
          );
          readable = result.readable;
        }
        let id: string | undefined;
        for (const deadline = Date.now() + 10_000; !id && Date.now() < deadline;) {
          id = [...ids].find((i) => finished.has(i) && sent.has(i) && received.has(i));
          if (!id) await new Promise((r) => setTimeout(r, 25));
        }
        if (!id) throw new Error(`no answer to POST ${target} seen`);
        const response = received.get(id)!;
        const refreshCookie = sent
          .get(id)!
          .associatedCookies.find((c) => c.cookie.name === REFRESH_COOKIE);
        return {
          status: response.statusCode,
          body: await cdp
            .send('Network.getResponseBody', { requestId: id })
            .then((r) => r.body)
            .catch(() => null),
          setCookie: Object.keys(response.headers).some((h) => h.toLowerCase() === 'set-cookie'),
          cookieSent: refreshCookie !== undefined && refreshCookie.blockedReasons.length === 0,
          withheldBecause: refreshCookie?.blockedReasons ?? [],
          readable,
        };
      } catch (error) {
        return rethrow(`attack on ${path} from ${origin} by ${how}`)(error);
      } finally {
        await page.close();
      }
    }

    it('stops cross-site and non-allowlisted requests, and the session survives', async () => {
      const before = await cookies();
      const code = (a: Attempt) =>
        a.body ? (JSON.parse(a.body) as { error?: string }).error : null;

      for (const how of ['form', 'fetch'] as const) {
        for (const path of ['/refresh', '/logout'] as const) {
          // Another site: SameSite=Lax keeps the cookies home, and the Origin is not allowed.
          const crossSite = await attackFrom(crossSiteOrigin, path, how);
          const what = `${how} ${path} from ${crossSiteOrigin}: ${crossSite.status} ${crossSite.body}`;
          expect(crossSite.cookieSent, what).toBe(false);
          // Chromium names it SchemefulSameSiteLax (schemeful same-site is on by default).
          expect(
            crossSite.withheldBecause,
            `${what} (${crossSite.withheldBecause})`,
          ).toContainEqual(expect.stringMatching(/SameSiteLax$/));
          // Without the cookie the request carries no credential at all, so it fails as
          // such: 400 (no refresh token), 401 (no Bearer token) or 415 (a form, not JSON).
          expect([400, 401, 403, 415], what).toContain(crossSite.status);
          expect(crossSite.setCookie, what).toBe(false);
          // No CORS grant for this origin: its script cannot even read the answer.
          if (how === 'fetch') expect(crossSite.readable, what).toBe(false);

          // Same site, not allowlisted: the browser does send the cookies; CSRF must refuse.
          const sameSite = await attackFrom(sameSiteOrigin, path, how);
          const said = `${how} ${path} from ${sameSiteOrigin}: ${sameSite.status} ${sameSite.body}`;
          expect(sameSite.cookieSent, said).toBe(true);
          if (path === '/refresh') {
            expect(sameSite.status, said).toBe(403);
            if (sameSite.body !== null) expect(code(sameSite), said).toBe('csrf_failed');
          } else {
            // No access token either: refused by CSRF or by the missing Bearer token.
            expect([401, 403], said).toContain(sameSite.status);
          }
          expect(sameSite.setCookie, said).toBe(false);
          if (how === 'fetch') expect(sameSite.readable, said).toBe(false);
        }
      }

      // Nothing rotated or cleared: the app's cookies are exactly as before, and it can go on.
      const after = await cookies();
      expect(after.get(REFRESH_COOKIE)?.value).toBe(before.get(REFRESH_COOKIE)?.value);
      expect(after.get(CSRF_COOKIE)?.value).toBe(before.get(CSRF_COOKIE)?.value);
      const refreshed = await inApp('refresh');
      expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
      expect((await inApp('me')).status).toBe(200);
    }, 60_000);

    it('logs out: 204, both cookies cleared, the session gone', async () => {
      const refreshToken = (await cookies()).get(REFRESH_COOKIE)!.value;
      const logout = await inApp('logout');
      expect(logout.status, JSON.stringify(logout.body)).toBe(204);
      const jar = await cookies();
      expect(jar.has(REFRESH_COOKIE)).toBe(false);
      expect(jar.has(CSRF_COOKIE)).toBe(false);

      // The browser dropped the cookie: the refresh carries no token at all (RFC 6749 §5.2
      // invalid_request).
      const refresh = await inApp('refresh');
      expect(refresh.status).toBe(400);
      expect(refresh.body).toMatchObject({ error: 'invalid_request' });
      expect((await inApp('me')).status).toBe(401);
      // Not only forgotten by the browser: the refresh token is dead on the server too.
      const replay = await fetch(`${worker!.url}${COOKIE_PATH}/refresh`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: refreshToken }),
      });
      expect(replay.status).toBe(401);
    });
  },
);
