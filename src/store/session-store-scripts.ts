// Lua scripts for one session: each change is ONE round trip and atomic in Redis (never a read
// in one round trip and a write in another). Keys (under REDIS_KEY_PREFIX), all of one user
// tagged `{uid}` so they share one Redis Cluster hash slot:
//   u:{uid}:sess:<sid>   hash  uid email roles scope cid created last ip ua abs ep
//                              rt (hash of the live refresh token; a hosted-page session
//                              has none and holds a value no hash equals), prev (hash of the
//                              one before), at (when prev was rotated), rlw rln (refresh window)
//                              auth amr sso (the user's authentication: time, methods, and the
//                              browser session it happened in; src/auth/session-store.ts)
//   u:{uid}:sessions     zset  sid -> last used (ms): the user's live sessions
//   u:{uid}:ep           the user's security epoch, raised by every security-relevant change
//   u:{uid}:bl:<jti>     "1": a revoked access token of the user, until exp + CLOCK_SKEW
//
// Cluster safety (issue 13 item 18): every key a script touches is passed in KEYS, and all of
// them carry the same `{uid}` tag. No script derives a key name from stored data, so the
// scripts run unchanged on Redis Cluster and on Upstash. Consequence: a session is alive only
// while its hash exists AND the user's index lists it. Evicting a session beyond SESSION_CAP
// removes it from the index (the session key is not declared, so it is left to expire by its
// TTL); every reader checks both.
//
// A session lives at most its refresh TTL past its last rotation, and never past `abs`.

/** Shared Lua: the session (KEYS[1]) ends: record gone, out of the index (KEYS[2]). */
const END_FN = `
local function finish(sid)
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], sid)
end
`;

/**
 * Create a session and its first refresh token, unless the user's security epoch moved past
 * the one the login read from SQL (a disable, role or password change raced with the login:
 * its sweep already ran, so this session would escape it). Evicts the least recently used
 * sessions beyond the cap from the low end of the index only: O(log n) per login.
 * A session an OAuth client is granted from a browser session (its `sso`) is refused while
 * that browser session is not alive: a code issued before an OIDC logout and exchanged after it
 * must not bring back a session the user ended (RP-Initiated Logout 1.0 §2: the logout ends
 * the sign-in; OIDC Back-Channel Logout §2.7, a logged-out session stays logged out).
 * KEYS: session, index, epoch[, the browser session's key]. ARGV: sid, now (ms), ttl (ms), index
 * ttl (ms), cap, login's epoch, drop-below score (ms: older entries are past any session's
 * absolute end), refresh hash, the browser session's sid ('' for none), then field/value
 * pairs. Returns {'stale'}, {'ended'} (the browser session is gone) or {'ok', evicted sid...}.
 */
export const CREATE_SESSION = `
local sid, now, ttl, indexTtl, cap = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local epoch = tonumber(redis.call('GET', KEYS[3]) or '0') or 0
if epoch > tonumber(ARGV[6]) then return {'stale'} end
local parent = ARGV[9]
if parent ~= '' and (redis.call('EXISTS', KEYS[4]) == 0 or not redis.call('ZSCORE', KEYS[2], parent)) then
  return {'ended'}
end
local fields = {}
for i = 10, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], 'rt', ARGV[8], 'ep', ARGV[6], 'created', now, 'last', now, unpack(fields))
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[7])
redis.call('ZADD', KEYS[2], now, sid)
redis.call('PEXPIRE', KEYS[2], indexTtl)
local out = {'ok'}
local excess = redis.call('ZCARD', KEYS[2]) - cap
if excess > 0 then
  for _, victim in ipairs(redis.call('ZRANGE', KEYS[2], 0, excess - 1)) do
    redis.call('ZREM', KEYS[2], victim)
    out[#out + 1] = victim
  end
end
return out
`;

/**
 * Rotate a refresh token, with reuse detection, scope check and the per-session refresh limit
 * in one atomic step. KEYS: session, index. ARGV: sid, now (ms), grace (ms), refresh ttl (ms),
 * presented hash, successor hash, presenting OAuth client ('' for the first-party API),
 * requested scope ('-' when none was asked for), limit (0 = off), window (ms).
 *
 * Order: a session bound to another client is refused untouched; then the token decides:
 *   presented == rt                                  -> rotate to the successor
 *   presented == prev, within grace, rt == successor -> the same successor again (tabs racing)
 *   anything else (the caller checked the tag)       -> reuse: the session ends
 * Reuse comes first, so a replayed token is caught even while the session is over its limit;
 * then a wider scope than granted (RFC 6749 §6) and the limit refuse, changing nothing.
 * The limit is a fixed window starting at its first refresh: after `rlw + window` the count
 * starts over, so the Retry-After computed from it is exact.
 * Returns {'ok', uid, email, roles, scope, cid, ttl ms, auth, amr, sso} | {'reused', uid} | {'invalid'} |
 * {'invalid_scope'} | {'limited', limit, reset ms}.
 */
export const ROTATE_REFRESH = `${END_FN}
local sid, now, grace, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local presented, successor, asked = ARGV[5], ARGV[6], ARGV[8]
local limit, window = tonumber(ARGV[9]), tonumber(ARGV[10])
local uid, email, roles, scope, abs, rt, prev, at, cid, rlw, rln, auth, amr, sso = unpack(redis.call('HMGET', KEYS[1],
  'uid', 'email', 'roles', 'scope', 'abs', 'rt', 'prev', 'at', 'cid', 'rlw', 'rln', 'auth', 'amr', 'sso'))
if not uid or not redis.call('ZSCORE', KEYS[2], sid) then return {'invalid'} end
if (cid or '') ~= ARGV[7] then return {'invalid'} end
local again = false
if presented == rt then
  again = false
elseif presented == prev and now - tonumber(at) <= grace and rt == successor then
  again = true
else
  finish(sid)
  return {'reused', uid}
end
if asked ~= '-' then
  local have = {}
  for s in string.gmatch(scope or '', '%S+') do have[s] = true end
  for s in string.gmatch(asked, '%S+') do
    if not have[s] then return {'invalid_scope'} end
  end
end
local windowStart, count = tonumber(rlw or ''), tonumber(rln or '0') or 0
if limit > 0 then
  if not windowStart or now >= windowStart + window then windowStart, count = now, 0 end
  if count >= limit then return {'limited', limit, windowStart + window} end
end
local remaining = math.min(ttl, tonumber(abs) - now)
if remaining <= 0 then
  finish(sid)
  return {'invalid'}
end
if again then
  remaining = redis.call('PTTL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'rt', successor, 'prev', presented, 'at', now, 'last', now)
  redis.call('PEXPIRE', KEYS[1], remaining)
  redis.call('ZADD', KEYS[2], now, sid)
end
if limit > 0 then redis.call('HSET', KEYS[1], 'rlw', windowStart, 'rln', count + 1) end
return {'ok', uid, email or '', roles or '', scope or '', cid or '', remaining, auth or '', amr or '', sso or ''}
`;

/**
 * Introspect a refresh token. KEYS: session, index. ARGV: sid, presented hash. Returns {} unless
 * it is the live token of a live session, else {uid, email, roles, scope, cid, pttl}.
 */
export const INSPECT_REFRESH = `
local uid, email, roles, scope, cid, rt = unpack(redis.call('HMGET', KEYS[1], 'uid', 'email', 'roles', 'scope', 'cid', 'rt'))
if not uid or rt ~= ARGV[2] or not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return {} end
return {uid, email or '', roles or '', scope or '', cid or '', redis.call('PTTL', KEYS[1])}
`;

/**
 * RFC 7009 §2.1 for a refresh token: the live one or the one it replaced (in or past the grace
 * window) ends the session, and with it every access token of the session. KEYS: session,
 * index. ARGV: sid, presented hash, presenting client ('' for the first-party API).
 * Returns 'revoked', 'foreign' (another client's session: untouched) or 'none'.
 */
export const REVOKE_REFRESH = `${END_FN}
local cid, rt, prev = unpack(redis.call('HMGET', KEYS[1], 'cid', 'rt', 'prev'))
if not rt or not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 'none' end
if ARGV[2] ~= rt and ARGV[2] ~= prev then return 'none' end
if (cid or '') ~= ARGV[3] then return 'foreign' end
finish(ARGV[1])
return 'revoked'
`;

/**
 * Logout: blacklist the access token, end its session. KEYS: session, index, blacklist.
 * ARGV: sid, blacklist end (unix seconds, exp + CLOCK_SKEW, never in the past).
 * Returns 0, changing nothing, when the token is already blacklisted or its session is gone:
 * the revocation check and the logout are one round trip.
 */
export const LOGOUT = `${END_FN}
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[1]) == 0
  or not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[3], '1', 'EXAT', ARGV[2])
finish(ARGV[1])
return 1
`;

/**
 * Revoke sessions of one user by id. KEYS: index, then one session key per ARGV sid.
 * Returns how many were alive.
 */
export const REVOKE_SESSIONS = `
local count = 0
for i = 1, #ARGV do
  if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 and redis.call('EXISTS', KEYS[i + 1]) == 1 then
    count = count + 1
  end
  redis.call('DEL', KEYS[i + 1])
end
return count
`;
