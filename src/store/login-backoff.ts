// The login backoff's counting (src/abuse/login-backoff.ts) as Redis Lua scripts, so each step
// is atomic on the account's hash: N parallel attempts see N different counts.
import type {
  BackoffSettings,
  BackoffState,
  LoginBackoffStore,
  ReservationReply,
} from '../abuse/login-backoff.ts';
import type { Stores } from './index.ts';
import { evalScript, luaScript } from './lua-script.ts';

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

const reserveScript = luaScript(RESERVE);
const recordFailureScript = luaScript(RECORD_FAILURE);
const recordSuccessScript = luaScript(RECORD_SUCCESS);
const releaseScript = luaScript(RELEASE);

// Per isolate: once known, `reserve` issues its EVALSHA without awaiting anything first.
let reserveSha: string | undefined;

/**
 * The reservation runs on `limiterRedis`, the tick batch of the rate limiters (it
 * travels with them in one request); the writes after the password check on the plain `redis`.
 * The clients are read on use, so a request opens only those it needs.
 */
export function redisLoginBackoffStore(
  clients: Pick<Stores, 'redis' | 'limiterRedis'>,
): LoginBackoffStore {
  return {
    async ready() {
      reserveSha = await reserveScript.sha();
    },

    async reserve(key, attemptId, settings, options): Promise<ReservationReply> {
      const sha = reserveSha ?? (await reserveScript.sha());
      const args = [
        String(options.now),
        String(settings.after),
        attemptId,
        String(options.pendingTtlMs),
        String(options.failuresTtlSeconds),
      ];
      const [admitted = 0, failures = 0, blockedUntil = 0, pending = 0] = await evalScript<
        number[]
      >(clients.limiterRedis, reserveScript, sha, [key], args);
      return {
        admitted: Number(admitted) === 1,
        failures: Number(failures),
        blockedUntil: Number(blockedUntil),
        pending: Number(pending),
      };
    },

    async recordFailure(key, attemptId, settings: BackoffSettings, options): Promise<BackoffState> {
      const args = [
        String(options.now),
        String(settings.after),
        String(settings.baseSeconds * 1000),
        String(settings.maxSeconds * 1000),
        String(options.failuresTtlSeconds),
        attemptId,
      ];
      const [failures = 0, blockedUntil = 0] = await evalScript<number[]>(
        clients.redis,
        recordFailureScript,
        await recordFailureScript.sha(),
        [key],
        args,
      );
      return { failures: Number(failures), blockedUntil: Number(blockedUntil) };
    },

    async recordSuccess(key, attemptId) {
      await evalScript(
        clients.redis,
        recordSuccessScript,
        await recordSuccessScript.sha(),
        [key],
        [attemptId],
      );
    },

    async release(key, attemptId) {
      await evalScript(clients.redis, releaseScript, await releaseScript.sha(), [key], [attemptId]);
    },
  };
}
