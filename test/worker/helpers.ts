// Test helpers: send a request through the real Worker (running in workerd) and read the local
// stack's round-trip counters for it.
import { exports } from 'cloudflare:workers';
import { expect, inject } from 'vitest';

export interface Sent {
  response: Response;
  requestId: string;
}

/** Sends `path` through the Worker's fetch handler with a fresh request id. */
export async function send(path: string, init: RequestInit = {}): Promise<Sent> {
  const requestId = `t-${crypto.randomUUID()}`;
  const headers = new Headers(init.headers);
  headers.set('X-Request-Id', requestId);
  const response = await exports.default.fetch(
    new Request(new URL(path, 'http://auth.test'), { ...init, headers }),
  );
  return { response, requestId };
}

export interface RoundTrips {
  sql: { roundTrips: number; units: number };
  redis: { roundTrips: number; units: number };
}

/** What the local stack counted for one worker request. */
export async function roundTrips(requestId: string): Promise<RoundTrips> {
  const { url } = inject('stack');
  const res = await fetch(`${url}/__stats?request_id=${encodeURIComponent(requestId)}`);
  return (await res.json()) as RoundTrips;
}

/**
 * Sends a request through the Worker with env overrides, e.g. a separate ISSUER so a test owns
 * its signing keys (keys belong to an issuer) and never disturbs tests running beside it.
 */
export async function sendWithEnv(
  path: string,
  overrides: Partial<Record<keyof Cloudflare.Env, string | undefined>>,
  init: RequestInit = {},
): Promise<Response> {
  const { default: worker } = await import('../../src/index.ts');
  const { createExecutionContext, waitOnExecutionContext } = await import('cloudflare:test');
  const { env } = await import('cloudflare:workers');
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(new URL(path, 'http://auth.test'), init),
    { ...env, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** Runs the Worker's Cron Trigger as if at `when`, with env overrides. */
export async function runCron(
  overrides: Partial<Record<keyof Cloudflare.Env, string | undefined>>,
  when: Date,
): Promise<void> {
  const { default: worker } = await import('../../src/index.ts');
  const { createExecutionContext, createScheduledController, waitOnExecutionContext } =
    await import('cloudflare:test');
  const { env } = await import('cloudflare:workers');
  const ctx = createExecutionContext();
  worker.scheduled(
    createScheduledController({ scheduledTime: when, cron: '17 * * * *' }),
    // An override set to undefined unsets the binding, as a variable missing from wrangler.toml.
    { ...env, ...overrides } as Cloudflare.Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

export const uniqueIssuer = (label: string) =>
  `http://${label}-${crypto.randomUUID().slice(0, 8)}.test`;

/**
 * Asserts a refusal and which check refused: its status, its `error` code and, where several
 * checks share that code, the `error_description` that names the check.
 */
export async function expectRefusal(
  response: Response,
  status: number,
  error: string,
  description?: string | RegExp,
): Promise<void> {
  const body = await response.clone().json<{ error?: string; error_description?: string }>();
  expect(response.status).toBe(status);
  expect(body.error).toBe(error);
  if (typeof description === 'string') expect(body.error_description).toBe(description);
  else if (description) expect(body.error_description).toMatch(description);
}
