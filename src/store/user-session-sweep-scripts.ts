// Lua scripts over all sessions of one user (keys as in src/store/session-store-scripts.ts).
//
// Cluster safety: a script may only touch keys declared in KEYS, and which session keys a
// user-wide change must touch is only known by reading the index. So these run in two steps:
// the store reads the index (ZRANGE), then runs the script with the index, the epoch and every
// listed session key declared. The script re-reads the index and answers {'retry'} if it holds
// a session that was not declared (a login got in between); the store then starts over. So
// the change covers exactly the sessions alive when it runs, atomically, on Redis Cluster too.
//
// Every script that sweeps for a security-relevant change also raises the user's epoch
// (KEYS[2]) in the same atomic step: a login that read the user before the change and creates
// its session after this sweep is refused by CREATE_SESSION (its epoch is older), and one that
// created it before is swept. Nothing in between.

/**
 * Shared Lua: refuse unless every index member is declared (KEYS[3..] are the session keys of
 * ARGV sids starting at ARGV[first]); then raise the epoch to ARGV[1] (if not '') with a TTL of
 * at least ARGV[2] ms. Returns the sids (index order) or nil for retry.
 */
const SWEEP_FN = `
local function declared(first)
  local sids, keyOf = {}, {}
  for i = first, #ARGV do
    sids[#sids + 1] = ARGV[i]
    keyOf[ARGV[i]] = KEYS[i - first + 3]
  end
  for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if not keyOf[member] then return nil end
  end
  return sids, keyOf
end
local function raise(epoch, ttl)
  if epoch == '' then return end
  local current = tonumber(redis.call('GET', KEYS[2]) or '')
  if not current or current < tonumber(epoch) then
    redis.call('SET', KEYS[2], epoch, 'PX', ttl)
  elseif redis.call('PTTL', KEYS[2]) < tonumber(ttl) then
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
end
`;

/**
 * KEYS: index, epoch, session keys. ARGV: epoch ('' = none), epoch ttl (ms), sid to keep
 * (or ''), then the declared sids. Returns {'ok', ended, then sid, cid, sso of each ended
 * session an OAuth client held (whom back-channel logout tells)} or {'retry'}.
 */
export const REVOKE_USER_SESSIONS = `${SWEEP_FN}
local sids, keyOf = declared(4)
if not sids then return {'retry'} end
raise(ARGV[1], ARGV[2])
local count = 0
local clients = {}
for _, sid in ipairs(sids) do
  if sid ~= ARGV[3] then
    local cid, sso = unpack(redis.call('HMGET', keyOf[sid], 'cid', 'sso'))
    local listed = redis.call('ZREM', KEYS[1], sid) == 1
    if listed and redis.call('DEL', keyOf[sid]) == 1 then
      count = count + 1
      if cid then
        clients[#clients + 1] = sid
        clients[#clients + 1] = cid
        clients[#clients + 1] = sso or ''
      end
    end
  elseif ARGV[1] ~= '' and redis.call('EXISTS', keyOf[sid]) == 1 then
    -- The kept session (a password change keeps the caller's) lives on under the new epoch.
    redis.call('HSET', keyOf[sid], 'ep', ARGV[1])
  end
end
local out = {'ok', count}
for _, v in ipairs(clients) do out[#out + 1] = v end
return out
`;

/**
 * KEYS: index, epoch, session keys. ARGV: epoch, epoch ttl (ms), roles (comma-separated),
 * scope, then the declared sids. Returns {'ok', updated} or {'retry'}. A session granted to
 * an OAuth client keeps only those of its (narrower) scopes the new roles still grant: new
 * roles never widen what a client was given. Each session takes the new epoch: its claims
 * are now those of the changed user (hosted pages issue authorization codes under it).
 */
export const UPDATE_SESSION_CLAIMS = `${SWEEP_FN}
local sids, keyOf = declared(5)
if not sids then return {'retry'} end
raise(ARGV[1], ARGV[2])
local allowed = {}
for s in string.gmatch(ARGV[4], '%S+') do allowed[s] = true end
local count = 0
for _, sid in ipairs(sids) do
  local key = keyOf[sid]
  if redis.call('ZSCORE', KEYS[1], sid) and redis.call('EXISTS', key) == 1 then
    local cid, granted = unpack(redis.call('HMGET', key, 'cid', 'scope'))
    local scope = ARGV[4]
    if cid and cid ~= '' then
      local kept = {}
      for s in string.gmatch(granted or '', '%S+') do
        if allowed[s] or s == 'openid' or s == 'profile' or s == 'email' then kept[#kept + 1] = s end
      end
      scope = table.concat(kept, ' ')
    end
    redis.call('HSET', key, 'roles', ARGV[3], 'scope', scope, 'ep', ARGV[1])
    count = count + 1
  end
end
return {'ok', count}
`;

/** KEYS: session, index. ARGV: sid. Revokes the session if it is listed. Returns 1 or 0. */
export const REVOKE_OWN_SESSION = `
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then return 0 end
return redis.call('DEL', KEYS[1])
`;

/**
 * End the sessions linked to a client or to a browser session (OIDC logout, a consent revoked).
 * KEYS: index, epoch (unused, declared for the shared helper), session keys. ARGV: mode
 * ('client': sessions whose cid is ARGV[2]; 'browser': the session ARGV[2] itself and every
 * session granted from it, sso == ARGV[2]), then the declared sids. The epoch is not raised:
 * nothing about the user changed. Returns {'ok', sid, cid, sso, ...} for each session ended,
 * or {'retry'}.
 */
export const END_LINKED_SESSIONS = `${SWEEP_FN}
local sids, keyOf = declared(3)
if not sids then return {'retry'} end
local mode, target = ARGV[1], ARGV[2]
local out = {'ok'}
for _, sid in ipairs(sids) do
  local key = keyOf[sid]
  local cid, sso = unpack(redis.call('HMGET', key, 'cid', 'sso'))
  local linked
  if mode == 'client' then
    linked = cid == target
  else
    linked = sid == target or sso == target
  end
  if linked and redis.call('ZREM', KEYS[1], sid) == 1 and redis.call('DEL', key) == 1 then
    out[#out + 1] = sid
    out[#out + 1] = cid or ''
    out[#out + 1] = sso or ''
  end
end
return out
`;
