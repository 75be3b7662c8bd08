// Lua scripts over all sessions of one user (keys as in src/store/session-scripts.ts). The
// user's index `user:{uid}:sessions` (sid -> last used) is the only way in: each script walks
// it once, prunes entries whose session record has expired, and acts, in one round trip.
import { REVOKE_FN } from './session-scripts.ts';

/** Shared Lua: the index's live sids, newest first, pruning expired ones. */
const LIVE_FN = `
local function live(prefix, index)
  local sids = {}
  for _, sid in ipairs(redis.call('ZREVRANGE', index, 0, -1)) do
    if redis.call('EXISTS', prefix .. 'sess:' .. sid) == 1 then
      sids[#sids + 1] = sid
    else
      redis.call('ZREM', index, sid)
    end
  end
  return sids
end
`;

/** KEYS: index. ARGV: prefix. Returns sid, created, last, ip, ua for each live session. */
export const LIST_SESSIONS = `${LIVE_FN}
local out = {}
for _, sid in ipairs(live(ARGV[1], KEYS[1])) do
  local created, last, ip, ua = unpack(redis.call('HMGET', ARGV[1] .. 'sess:' .. sid, 'created', 'last', 'ip', 'ua'))
  out[#out + 1] = sid
  out[#out + 1] = created or '0'
  out[#out + 1] = last or '0'
  out[#out + 1] = ip or ''
  out[#out + 1] = ua or ''
end
return out
`;

/** ARGV: prefix, uid, sid. Revokes the session only if it is the user's. Returns 1 or 0. */
export const REVOKE_OWN_SESSION = `${REVOKE_FN}
if redis.call('HGET', ARGV[1] .. 'sess:' .. ARGV[3], 'uid') ~= ARGV[2] then return 0 end
revoke(ARGV[1], ARGV[3])
return 1
`;

/** KEYS: index. ARGV: prefix, sid to keep (or ''). Returns how many sessions ended. */
export const REVOKE_USER_SESSIONS = `${REVOKE_FN}${LIVE_FN}
local count = 0
for _, sid in ipairs(live(ARGV[1], KEYS[1])) do
  if sid ~= ARGV[2] then
    revoke(ARGV[1], sid)
    count = count + 1
  end
end
return count
`;

/**
 * KEYS: index. ARGV: prefix, roles (comma-separated), scope. Returns sessions updated. A
 * session granted to an OAuth client keeps only those of its (narrower) scopes the new roles
 * still grant: new roles never widen what a client was given.
 */
export const UPDATE_SESSION_CLAIMS = `${LIVE_FN}
local allowed = {}
for s in string.gmatch(ARGV[3], '%S+') do allowed[s] = true end
local sids = live(ARGV[1], KEYS[1])
for _, sid in ipairs(sids) do
  local skey = ARGV[1] .. 'sess:' .. sid
  local cid, granted = unpack(redis.call('HMGET', skey, 'cid', 'scope'))
  local scope = ARGV[3]
  if cid and cid ~= '' then
    local kept = {}
    for s in string.gmatch(granted or '', '%S+') do
      if allowed[s] or s == 'openid' or s == 'profile' or s == 'email' then kept[#kept + 1] = s end
    end
    scope = table.concat(kept, ' ')
  end
  redis.call('HSET', skey, 'roles', ARGV[2], 'scope', scope)
end
return #sids
`;
