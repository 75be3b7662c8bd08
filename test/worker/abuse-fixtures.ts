// Requests for the abuse-protection tests: tight limits are set per request (env overrides),
// and each test speaks from its own client address so tests never share a limiter key.
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
