// /docs with the network cut off: Debian's Chromium opens the API reference on `wrangler dev`
// while every request to any other origin is aborted (playwright's context.route) and recorded.
// The reference must render from the worker's own bundle and /openapi.json, no request may go
// elsewhere (fonts, telemetry, a proxy, a CDN), and the page's CSP must block nothing but one
// probe (a blocked attempt never reaches the network, so violations are recorded separately).
//
// `UPDATE_SCREENSHOTS=1` also saves docs/screenshots/docs.png for the README.
// Skips like browser-e2e.test.ts without Chromium (EDGE_AUTH_REQUIRE_BROWSER=1 forbids that).
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WranglerDev } from '../../dev/wrangler-dev.ts';
import {
  assertBrowser,
  browserAvailable,
  browserRequired,
  rethrow,
  startWorkerAndBrowser,
  warnIfSkipped,
  workerAddress,
} from './browser-harness.ts';

warnIfSkipped('/docs offline browser test');

const SCREENSHOT = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots', 'docs.png');

interface Violation {
  directive: string;
  blocked: string;
  source: string;
}

/**
 * The bundle's zod asks once whether it may compile validators (`try { Function('') } catch`)
 * and, refused, validates without eval: the page's CSP has no 'unsafe-eval' on purpose.
 */
const isEvalProbe = (violation: Violation) =>
  violation.directive === 'script-src' &&
  violation.blocked === 'eval' &&
  /\/docs\/assets\/scalar-api-reference\.[0-9a-f]{16}\.js$/.test(violation.source);

describe.skipIf(!browserAvailable && !browserRequired)('/docs without a network', () => {
  const stack = inject('stack');
  let worker: WranglerDev | undefined;
  let browser: Browser | undefined;
  let origin = '';

  beforeAll(async () => {
    assertBrowser();
    const address = await workerAddress();
    origin = address.origin;
    ({ worker, browser } = await startWorkerAndBrowser(stack, address));
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await worker?.stop();
  }, 30_000);

  it('renders the reference from this origin alone', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    const outside: string[] = [];
    const served: { url: string; status: number }[] = [];
    await context.route('**', async (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) return route.continue();
      outside.push(url);
      return route.abort('internetdisconnected');
    });
    context.on('response', (response) =>
      served.push({ url: response.url(), status: response.status() }),
    );
    // Listening from the first script on: a CSP refusal stops a request before the network.
    const violations: Violation[] = [];
    await context.exposeFunction('reportCspViolation', (violation: Violation) => {
      violations.push(violation);
    });
    await context.addInitScript(() => {
      const report = (window as unknown as { reportCspViolation: (v: Violation) => void })
        .reportCspViolation;
      document.addEventListener('securitypolicyviolation', (event) =>
        report({
          directive: event.effectiveDirective,
          blocked: event.blockedURI,
          source: event.sourceFile,
        }),
      );
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message.split('\n')[0] ?? ''));

    const response = await page.goto(`${origin}/docs`).catch(rethrow('open /docs'));
    expect(response?.status()).toBe(200);
    // The document's title (info.title) and one operation's summary, as Scalar renders them.
    await page
      .getByRole('heading', { name: 'edge-auth', exact: true })
      .first()
      .waitFor({ state: 'visible', timeout: 60_000 })
      .catch(rethrow('the reference title'));
    await page
      .getByText('Log in with email and password')
      .first()
      .waitFor({ state: 'visible', timeout: 30_000 })
      .catch(rethrow('an operation of the reference'));
    await page.waitForLoadState('networkidle');

    if (process.env.UPDATE_SCREENSHOTS === '1') await page.screenshot({ path: SCREENSHOT });

    // "Test Request" from the reference's API client: sent by the browser straight to this
    // origin (no proxy is configured), answered by the worker.
    await page.goto(`${origin}/docs#tag/operations/GET/health`);
    const card = page
      .locator('div', { has: page.getByText('/health', { exact: true }) })
      .filter({ has: page.getByRole('button', { name: 'Test Request' }) })
      .last();
    await card
      .getByRole('button', { name: 'Test Request' })
      .click({ timeout: 30_000 })
      .catch(rethrow('Test Request on GET /health'));
    await page
      .getByRole('button', { name: /Send/ })
      .first()
      .click({ timeout: 30_000 })
      .catch(rethrow('Send in the API client'));
    await page
      .getByText('200 OK', { exact: true })
      .first()
      .waitFor({ state: 'visible', timeout: 30_000 })
      .catch(rethrow("the client's answer from /health"));
    await context.close();

    expect(outside).toEqual([]);
    expect(violations.filter((violation) => !isEvalProbe(violation))).toEqual([]);
    expect(errors).toEqual([]);
    const paths = served.map(({ url, status }) => `${status} ${new URL(url).pathname}`);
    expect(paths).toContain('200 /docs');
    expect(paths).toContain('200 /openapi.json');
    expect(paths).toContain('200 /health');
    expect(
      paths.some((p) => /^200 \/docs\/assets\/scalar-api-reference\.[0-9a-f]{16}\.js$/.test(p)),
    ).toBe(true);
  }, 150_000);
});
