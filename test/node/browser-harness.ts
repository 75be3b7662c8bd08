// What the real-browser tests share: Debian's Chromium through playwright-core (skipped, with
// a message, when it is missing; EDGE_AUTH_REQUIRE_BROWSER=1, set by .ci/run, makes that a
// failure), throwaway page servers on loopback, and free ports for wrangler dev.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { workerVarsFor } from '../../dev/worker-vars.ts';
import { startWranglerDev, type WranglerDev } from '../../dev/wrangler-dev.ts';

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const browserRequired = process.env.EDGE_AUTH_REQUIRE_BROWSER === '1';
export const browserAvailable = existsSync(chromiumPath);

export function warnIfSkipped(what: string): void {
  if (!browserAvailable && !browserRequired) {
    console.warn(`${what} skipped: no Chromium at ${chromiumPath} (apt-get install chromium)`);
  }
}

export function assertBrowser(): void {
  if (!browserAvailable) {
    throw new Error(
      `EDGE_AUTH_REQUIRE_BROWSER=1 but there is no Chromium at ${chromiumPath} (apt-get install chromium)`,
    );
  }
}

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
      // CI runs as root, where Chromium's sandbox cannot start.
      '--no-sandbox',
    ],
  });

/** Serves `html` at / on a free loopback port (or `handler` for every request). */
export async function serve(
  html: string,
  handler?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Server> {
  const server = createServer(
    handler ??
      ((req, res) => {
        if (req.url !== '/') {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Cache-Control': 'no-store',
        });
        res.end(html);
      }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

export const portOf = (server: Server) => (server.address() as AddressInfo).port;

/** A port the OS hands out as free right now (for wrangler, which needs a number up front). */
export async function freePort(): Promise<number> {
  const probe = await serve('');
  const port = portOf(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Playwright puts the page's stack (frames at http://localhost:<port>/) into its messages, and
 * vitest then tries to read "/" as a source file and loses the report: keep the first line.
 */
export const rethrow = (what: string) => (error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  throw new Error(`${what}: ${message.split('\n')[0]}`);
};

export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** A free port for wrangler dev, and the issuer it then serves: `http://localhost:<port>`. */
export async function workerAddress(): Promise<{ port: number; origin: string }> {
  const port = await freePort();
  return { port, origin: `http://localhost:${port}` };
}

/**
 * wrangler dev at `address` on the shared stack (its own throwaway KEK, plus `vars`) and
 * Chromium, started together. When one fails, the other is stopped before the error is thrown,
 * so a test's afterAll has only what did start to stop.
 */
export async function startWorkerAndBrowser(
  stack: { url: string; token: string },
  address: { port: number; origin: string },
  vars: Record<string, string> = {},
): Promise<{ worker: WranglerDev; browser: Browser }> {
  const [worker, browser] = await Promise.allSettled([
    startWranglerDev({
      port: address.port,
      quiet: process.env.E2E_VERBOSE !== '1',
      vars: {
        ...workerVarsFor(stack, address.origin, {
          KEY_ENCRYPTION_KEY: `e2e:${randomBytes(32).toString('base64url')}`,
        }),
        ...vars,
      },
    }),
    launchChromium(),
  ]);
  if (worker.status === 'fulfilled' && browser.status === 'fulfilled') {
    return { worker: worker.value, browser: browser.value };
  }
  if (worker.status === 'fulfilled') await worker.value.stop();
  if (browser.status === 'fulfilled') await browser.value.close().catch(() => undefined);
  throw worker.status === 'rejected' ? worker.reason : (browser as PromiseRejectedResult).reason;
}
