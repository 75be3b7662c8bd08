// Lua scripts: each session change is ONE round trip and atomic in Redis (never a read in one
// round trip and a write in another). Keys (under REDIS_KEY_PREFIX):
//   sess:{sid}            hash  uid email roles scope created last ip ua rt abs
//   rt:{sha256}           hash  sid state(live|used) succ at
//   user:{uid}:sessions   zset  sid -> last used (ms)
//   bl:{jti}              "1", expiring with the access token
// Scripts derive session keys from stored ids (Upstash databases are not clustered, so keys
// need not all be declared up front); every key gets a TTL, nothing grows without bound.

/** Shared Lua: revoke one session and its live refresh token, drop it from the user's index. */
export const REVOKE_FN = `
local function revoke(prefix, sid)
  local skey = prefix .. 'sess:' .. sid
  local uid, rt = unpack(redis.call('HMGET', skey, 'uid', 'rt'))
  redis.call('DEL', skey)
  if rt then redis.call('DEL', prefix .. 'rt:' .. rt) end
  if uid then redis.call('ZREM', prefix .. 'user:' .. uid .. ':sessions', sid) end
  return uid
end
`;

/**
 * Create a session and its first refresh token; evict the least recently used sessions beyond
 * the cap. KEYS: sess, rt, user index. ARGV: prefix, sid, rtHash, ttlMs, indexTtlMs, cap,
 * then field/value pairs for the session hash.
 */
export const CREATE_SESSION = `${REVOKE_FN}
local prefix, sid, rt = ARGV[1], ARGV[2], ARGV[3]
local ttl, indexTtl, cap = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local fields = {}
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], 'rt', rt, unpack(fields))
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('HSET', KEYS[2], 'sid', sid, 'state', 'live')
redis.call('PEXPIRE', KEYS[2], ttl)
local now = redis.call('HGET', KEYS[1], 'last')
redis.call('ZADD', KEYS[3], now, sid)
redis.call('PEXPIRE', KEYS[3], indexTtl)
-- Sessions whose records expired leave stale index entries: prune them before counting.
local evicted = {}
local members = redis.call('ZRANGE', KEYS[3], 0, -1)
for _, member in ipairs(members) do
  if redis.call('EXISTS', prefix .. 'sess:' .. member) == 0 then redis.call('ZREM', KEYS[3], member) end
end
local excess = redis.call('ZCARD', KEYS[3]) - cap
if excess > 0 then
  for _, victim in ipairs(redis.call('ZRANGE', KEYS[3], 0, excess - 1)) do
    revoke(prefix, victim)
    evicted[#evicted + 1] = victim
  end
end
return evicted
`;

/**
 * Rotate a refresh token. KEYS: rt:{old}, rt:{new}. ARGV: prefix, now (ms), grace (ms),
 * refresh ttl (ms), new hash, old hash, the presenting OAuth client ('' for the first-party
 * API): a session bound to another client (or to none when one presents) is refused untouched.
 * Returns {'ok', uid, email, roles, scope, sid, ttlMs} | {'reused', uid, sid} | {'invalid'}.
 */
export const ROTATE_REFRESH = `${REVOKE_FN}
local prefix, now, grace, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local newHash, oldHash = ARGV[5], ARGV[6]
local sid, state, succ, at = unpack(redis.call('HMGET', KEYS[1], 'sid', 'state', 'succ', 'at'))
if not sid then return {'invalid'} end
local skey = prefix .. 'sess:' .. sid
local uid, email, roles, scope, abs, current, cid = unpack(redis.call('HMGET', skey, 'uid', 'email', 'roles', 'scope', 'abs', 'rt', 'cid'))
if uid and (cid or '') ~= (ARGV[7] or '') then return {'invalid'} end
if state == 'used' then
  -- Within the grace window a concurrent caller gets the same successor, as long as that
  -- successor is still the session's live token. Anything else is reuse: the token was stolen
  -- or replayed, so the whole session dies.
  if succ == newHash and now - tonumber(at) <= grace and current == newHash then
    return {'ok', uid, email, roles, scope, sid, tostring(redis.call('PTTL', KEYS[2]))}
  end
  local owner = revoke(prefix, sid)
  return {'reused', owner or '', sid}
end
if not uid or current ~= oldHash then
  redis.call('DEL', KEYS[1])
  return {'invalid'}
end
local remaining = math.min(ttl, tonumber(abs) - now)
if remaining <= 0 then
  revoke(prefix, sid)
  return {'invalid'}
end
redis.call('HSET', KEYS[2], 'sid', sid, 'state', 'live')
redis.call('PEXPIRE', KEYS[2], remaining)
-- The used marker outlives the grace window so a late replay is recognised as reuse.
redis.call('HSET', KEYS[1], 'state', 'used', 'succ', newHash, 'at', now)
redis.call('PEXPIRE', KEYS[1], remaining)
redis.call('HSET', skey, 'rt', newHash, 'last', now)
redis.call('PEXPIRE', skey, remaining)
redis.call('ZADD', prefix .. 'user:' .. uid .. ':sessions', now, sid)
return {'ok', uid, email, roles, scope, sid, tostring(remaining)}
`;

/**
 * Introspect a refresh token. KEYS: rt:{hash}. ARGV: prefix. Returns {} unless the token is the
 * live one of a live session, else {uid, email, roles, scope, cid, sid, pttl}.
 */
export const INSPECT_REFRESH = `
local sid, state = unpack(redis.call('HMGET', KEYS[1], 'sid', 'state'))
if not sid or state ~= 'live' then return {} end
local uid, email, roles, scope, cid = unpack(redis.call('HMGET', ARGV[1] .. 'sess:' .. sid, 'uid', 'email', 'roles', 'scope', 'cid'))
if not uid then return {} end
return {uid, email or '', roles or '', scope or '', cid or '', sid, tostring(redis.call('PTTL', KEYS[1]))}
`;

/**
 * Logout: blacklist the access token until it expires, end its session. KEYS: bl:{jti}.
 * ARGV: prefix, sid, exp (unix seconds), optional presented refresh hash.
 * Returns 0, changing nothing, when the token is already blacklisted or its session is gone:
 * the revocation check and the logout are one round trip.
 */
export const LOGOUT = `${REVOKE_FN}
local prefix, sid, exp, presented = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', prefix .. 'sess:' .. sid) == 0 then
  return 0
end
redis.call('SET', KEYS[1], '1', 'EXAT', exp)
if presented and presented ~= '' then
  local owner = redis.call('HGET', prefix .. 'rt:' .. presented, 'sid')
  if owner == sid then redis.call('DEL', prefix .. 'rt:' .. presented) end
end
revoke(prefix, sid)
return 1
`;

/** Revoke sessions by id. ARGV: prefix, sid... Returns how many existed. */
export const REVOKE_SESSIONS = `${REVOKE_FN}
local count = 0
for i = 2, #ARGV do
  if redis.call('EXISTS', ARGV[1] .. 'sess:' .. ARGV[i]) == 1 then count = count + 1 end
  revoke(ARGV[1], ARGV[i])
end
return count
`;
