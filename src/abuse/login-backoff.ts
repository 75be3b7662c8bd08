// Per-account exponential backoff against credential stuffing, without a lockout an attacker
// could use against the owner. After LOGIN_BACKOFF_AFTER consecutive failures the account's
// next attempt must wait BASE * 2^(failures - AFTER), at most MAX; attempts inside the wait are
// refused WITHOUT checking the password (so guesses cost the attacker time, not us CPU) and do
// not extend it. The owner is delayed, never locked out: once the wait passes, the right
// password works and resets the count. The key is the normalised email's HMAC, so an address
// with no account backs off exactly like one with an account (no enumeration by throttling).
import type { Redis } from '@upstash/redis/cloudflare';
import type { AbuseConfig } from '../config/abuse.ts';

/** Failures are forgotten after a quiet day. */
const FAILURES_TTL_SECONDS = 24 * 3600;

// KEYS[1] the account's backoff hash. Returns {failures, blocked_until_ms}.
const READ = `return {tonumber(redis.call('HGET', KEYS[1], 'n') or '0'),
  tonumber(redis.call('HGET', KEYS[1], 'until') or '0')}`;

// KEYS[1] as above; ARGV: now_ms, after, base_ms, max_ms, ttl_s. Returns {failures, until_ms}.
const RECORD_FAILURE = `
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local after = tonumber(ARGV[2])
local until_ms = 0
if n >= after then
  local delay = tonumber(ARGV[3]) * 2 ^ math.min(n - after, 40)
  until_ms = math.floor(tonumber(ARGV[1]) + math.min(delay, tonumber(ARGV[4])))
  redis.call('HSET', KEYS[1], 'until', until_ms)
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {n, until_ms}`;

export interface BackoffState {
  failures: number;
  /** Unix ms before which the account's attempts are refused; 0 when none is pending. */
  blockedUntil: number;
}

type ScriptRedis = Pick<Redis, 'evalsha' | 'eval'>;

const shaOf = async (source: string) => {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(source));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
};
const readSha = shaOf(READ);
const recordSha = shaOf(RECORD_FAILURE);

/**
 * EVALSHA issued synchronously (so an auto-pipelined client batches it with the limiters
 * issued in the same tick), falling back to EVAL once per cold Redis.
 */
function run<T>(
  redis: ScriptRedis,
  sha: string,
  source: string,
  keys: string[],
  args: string[],
): Promise<T> {
  return (redis.evalsha(sha, keys, args) as Promise<T>).catch((error: unknown) => {
    if (!String(error).includes('NOSCRIPT')) throw error;
    return redis.eval(source, keys, args) as Promise<T>;
  });
}

/** Resolves once the read script's hash is known; then `readBackoff` issues in the same tick. */
export const backoffReady = (): Promise<string> => readSha;

export async function readBackoff(
  redis: ScriptRedis,
  sha: string,
  key: string,
): Promise<BackoffState> {
  const [failures = 0, blockedUntil = 0] = await run<number[]>(redis, sha, READ, [key], []);
  return { failures: Number(failures), blockedUntil: Number(blockedUntil) };
}

export async function recordLoginFailure(
  redis: ScriptRedis,
  key: string,
  settings: AbuseConfig['backoff'],
  now: number,
): Promise<BackoffState> {
  const args = [
    String(now),
    String(settings.after),
    String(settings.baseSeconds * 1000),
    String(settings.maxSeconds * 1000),
    String(FAILURES_TTL_SECONDS),
  ];
  const sha = await recordSha;
  const [failures = 0, blockedUntil = 0] = await run<number[]>(
    redis,
    sha,
    RECORD_FAILURE,
    [key],
    args,
  );
  return { failures: Number(failures), blockedUntil: Number(blockedUntil) };
}

export const clearLoginFailures = (redis: Pick<Redis, 'del'>, key: string): Promise<number> =>
  redis.del(key);
