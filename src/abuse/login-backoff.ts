// Per-account exponential backoff against credential stuffing, without a lockout an attacker
// could use against the owner. After LOGIN_BACKOFF_AFTER consecutive failures the account's
// next attempt must wait BASE * 2^(failures - AFTER), at most MAX; attempts inside the wait are
// refused WITHOUT checking the password (so guesses cost the attacker time, not us CPU) and do
// not extend it. The owner is delayed, never locked out: once the wait passes, the right
// password works and resets the count. The key is the normalised email's HMAC, so an address
// with no account backs off exactly like one with an account (no enumeration by throttling).
import type { AbuseConfig } from '../config/abuse.ts';
import { type CommandRedis, evalScript, luaScript } from '../store/lua-script.ts';

/** Failures are forgotten after a quiet day. */
const FAILURES_TTL_SECONDS = 24 * 3600;

// An attempt is counted BEFORE its password is checked (reserved, "pending"), because checking
// first and counting after let N parallel guesses all see the same count and all be checked
// (issue 13: ten parallel wrong passwords got 401 x10). The reservation is a hash field
// `p:<attempt id>` whose value is its expiry: an attempt that crashes between reservation and
// verdict stops counting after PENDING_TTL instead of holding the account's budget forever.
//
// KEYS[1] the account's backoff hash (fields n, until, p:*). ARGV: now_ms, after, attempt_id,
// pending_ttl_ms, ttl_s. Returns {admitted, failures, until_ms, pending (ours included)}.
// Admitted while the attempts in flight fit the budget the failures leave: `after - n`, or one
// at a time once the account has backed off and the wait is over (each failure then doubles
// the wait, so a second guess in flight would be one the wait should have held back).
const RESERVE = `
local now = tonumber(ARGV[1])
local fields = redis.call('HGETALL', KEYS[1])
local n, until_ms, pending = 0, 0, 0
for i = 1, #fields, 2 do
  local f, v = fields[i], fields[i + 1]
  if f == 'n' then n = tonumber(v)
  elseif f == 'until' then until_ms = tonumber(v)
  elseif string.sub(f, 1, 2) == 'p:' then
    if tonumber(v) <= now then redis.call('HDEL', KEYS[1], f) else pending = pending + 1 end
  end
end
if until_ms > now or pending >= math.max(tonumber(ARGV[2]) - n, 1) then
  return {0, n, until_ms, pending}
end
redis.call('HSET', KEYS[1], 'p:' .. ARGV[3], now + tonumber(ARGV[4]))
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {1, n, until_ms, pending + 1}`;

// KEYS[1] as above; ARGV: now_ms, after, base_ms, max_ms, ttl_s, attempt_id. The reserved
// attempt turns into a failure. Returns {failures, until_ms}.
const RECORD_FAILURE = `
redis.call('HDEL', KEYS[1], 'p:' .. ARGV[6])
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

// KEYS[1] as above; ARGV: attempt_id. The right password: forget the failures and this
// attempt's reservation, but NOT the reservations of other attempts in flight (deleting the
// key would hand a burst running beside the owner's login a fresh budget).
const RECORD_SUCCESS = `return redis.call('HDEL', KEYS[1], 'n', 'until', 'p:' .. ARGV[1])`;

// KEYS[1] as above; ARGV: attempt_id. The attempt was refused for another reason (a rate
// limit, Turnstile) before its password was checked: it neither failed nor succeeded.
const RELEASE = `return redis.call('HDEL', KEYS[1], 'p:' .. ARGV[1])`;

export interface BackoffState {
  failures: number;
  /** Unix ms before which the account's attempts are refused; 0 when none is pending. */
  blockedUntil: number;
}

/** What the reservation saw; `admitted` false means: refuse without checking the password. */
export interface Reservation extends BackoffState {
  admitted: boolean;
  /** Attempts in flight, this one included when admitted. */
  pending: number;
  attemptId: string;
}

type ScriptRedis = CommandRedis;

const reserve = luaScript(RESERVE);
const recordFailure = luaScript(RECORD_FAILURE);
const recordSuccess = luaScript(RECORD_SUCCESS);
const release = luaScript(RELEASE);

/** Resolves once the reserve script's hash is known; then `reserveAttempt` issues in one tick. */
export const backoffReady = (): Promise<string> => reserve.sha();

/**
 * Counts this attempt before its password is checked. A reservation in flight for longer than
 * `pendingTtlMs` (a crashed attempt) stops counting.
 */
export async function reserveAttempt(
  redis: ScriptRedis,
  sha: string,
  key: string,
  settings: AbuseConfig['backoff'],
  options: { now: number; pendingTtlMs: number },
): Promise<Reservation> {
  const attemptId = crypto.randomUUID();
  const args = [
    String(options.now),
    String(settings.after),
    attemptId,
    String(options.pendingTtlMs),
    String(FAILURES_TTL_SECONDS),
  ];
  const [admitted = 0, failures = 0, blockedUntil = 0, pending = 0] = await evalScript<number[]>(
    redis,
    reserve,
    sha,
    [key],
    args,
  );
  return {
    admitted: Number(admitted) === 1,
    failures: Number(failures),
    blockedUntil: Number(blockedUntil),
    pending: Number(pending),
    attemptId,
  };
}

export async function recordLoginFailure(
  redis: ScriptRedis,
  key: string,
  attemptId: string,
  settings: AbuseConfig['backoff'],
  now: number,
): Promise<BackoffState> {
  const args = [
    String(now),
    String(settings.after),
    String(settings.baseSeconds * 1000),
    String(settings.maxSeconds * 1000),
    String(FAILURES_TTL_SECONDS),
    attemptId,
  ];
  const [failures = 0, blockedUntil = 0] = await evalScript<number[]>(
    redis,
    recordFailure,
    await recordFailure.sha(),
    [key],
    args,
  );
  return { failures: Number(failures), blockedUntil: Number(blockedUntil) };
}

export async function recordLoginSuccess(
  redis: ScriptRedis,
  key: string,
  attemptId: string,
): Promise<void> {
  await evalScript(redis, recordSuccess, await recordSuccess.sha(), [key], [attemptId]);
}

export async function releaseAttempt(
  redis: ScriptRedis,
  key: string,
  attemptId: string,
): Promise<void> {
  await evalScript(redis, release, await release.sha(), [key], [attemptId]);
}

/**
 * Whether a success must write (after the response). A clean account whose only reservation
 * is this one skips the write, so a lone login costs no extra Redis request: its reservation
 * simply expires (PENDING_TTL). Any other reservation in sight (attempts in flight, or earlier
 * successes' that have not expired) and the success releases its own, so successes never pile
 * up into a budget that refuses the owner's next correct passwords: at most one stale
 * reservation remains.
 */
export function successNeedsWrite(reservation: Reservation): boolean {
  return reservation.failures > 0 || reservation.blockedUntil > 0 || reservation.pending > 1;
}
