// Shared setup for the upstash-bridge-*.test.ts files. The local Upstash bridge must be
// indistinguishable from Upstash for the clients the Worker uses: @upstash/redis and
// @upstash/ratelimit, unchanged, pointed at the stack. The same tests run against the embedded
// emulation (LOCAL_REDIS=memory) and a real redis-server (LOCAL_REDIS=server or REDIS_URL); they
// share the server with parallel runs, so every test uses its own key prefix.
import { randomUUID } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { inject } from 'vitest';

export const stack = inject('stack');
export const backend = stack.backends.redis;

// Every key a test uses starts with ub:<run>:, so deleteRunKeys removes this run's keys and
// nothing else on a shared server.
const run = randomUUID().slice(0, 8);
export const prefix = () => `ub:${run}:${randomUUID().slice(0, 8)}:`;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client like the Worker's, optionally tagging its requests for the stack's counters. */
export function client(options: { base64: boolean; autoPipelining: boolean; requestId?: string }) {
  const redis = new Redis({
    url: stack.url,
    token: stack.token,
    responseEncoding: options.base64 ? 'base64' : false,
    enableAutoPipelining: options.autoPipelining,
    enableTelemetry: false,
  });
  const { requestId } = options;
  if (requestId) {
    redis.use((req, next) =>
      next({ ...req, headers: { ...req.headers, 'x-request-id': requestId } }),
    );
  }
  return redis;
}

/** A hand-made request, for what the client never sends or to see the exact wire format. */
export async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { authorization: `Bearer ${stack.token}`, ...headers },
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

export async function counts(requestId: string) {
  const res = await fetch(`${stack.url}/__stats?request_id=${requestId}`);
  return ((await res.json()) as { redis: { roundTrips: number; units: number } }).redis;
}

/** For afterAll: a real Redis (REDIS_URL) may be a developer's own, so leave nothing behind. */
export async function deleteRunKeys() {
  const redis = client({ base64: true, autoPipelining: false });
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, { match: `ub:${run}:*`, count: 1000 });
    if (keys.length) await redis.del(...keys);
    cursor = String(next);
  } while (cursor !== '0');
}

export const variants = [
  { base64: true, autoPipelining: false },
  { base64: false, autoPipelining: false },
  { base64: true, autoPipelining: true },
  { base64: false, autoPipelining: true },
];
