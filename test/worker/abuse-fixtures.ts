// Requests for the abuse-protection tests: tight limits are set per request (env overrides),
// and each test speaks from its own client address so tests never share a limiter key.
import { onTestFinished, vi } from 'vitest';
import { sendWithEnv } from './helpers.ts';

export type Overrides = Parameters<typeof sendWithEnv>[1];

/** A random documentation-range address (RFC 5737), unique enough per test. */
export const freshIp = () =>
  `198.51.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;

export interface Posted {
  response: Response;
  requestId: string;
}

export async function postWithEnv(
  path: string,
  body: unknown,
  overrides: Overrides,
  headers: Record<string, string> = {},
): Promise<Posted> {
  const requestId = `t-${crypto.randomUUID()}`;
  const response = await sendWithEnv(path, overrides, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId, ...headers },
    body: JSON.stringify(body),
  });
  return { response, requestId };
}

export const errorOf = async (response: Response) =>
  (await response.json<{ error: string; error_description: string }>()).error;

/**
 * A controlled clock for the tests that wait out a limit: from this call to the end of the test,
 * `Date` in this isolate (the Worker's code, and @upstash/ratelimit, which reads Date.now()
 * itself) stands still until `advance(ms)`. Timers stay real, so store timeouts still work; each
 * test file runs in its own isolate, so no other file sees this clock.
 */
export function freezeClock(): { advance(ms: number): void } {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
  onTestFinished(() => {
    vi.useRealTimers();
  });
  return {
    advance(ms) {
      vi.setSystemTime(Date.now() + ms);
    },
  };
}
