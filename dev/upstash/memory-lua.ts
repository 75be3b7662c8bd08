// Lua for the embedded emulation. ioredis-mock runs scripts in fengari (Lua 5.3 in JS), but its
// redis.call hands Lua raw JS values: nil array items arrive as a truthy `null` userdata (so
// `if v then` misfires after HMGET), arrays as zero-based JS proxies (nested ones, e.g. SCAN's key
// list, off by one), integers as floats (tostring gives "5.0"), and it skips the bridge's
// corrections. So the bridge borrows only the mock's VM and installs its own `redis` table, whose
// call goes back through the bridge's corrected executor and converts replies the way Redis does.
import type { Command, Outcome, Reply } from './backend.ts';
import { RedisError } from './backend.ts';
import { sha1hex } from './scripts.ts';

const PRELUDE = String.raw`
local host = table.remove(ARGV)
call, repair = nil, nil
-- Redis's sandbox has none of these; os.exit would even stop the whole stack.
io, os, dofile, loadfile, require, package, debug = nil, {clock = os.clock}, nil, nil, nil, nil, nil
unpack = table.unpack

local function tolua(v)
  local kind = type(v)
  if kind == 'number' then return math.tointeger(v) or v end
  if kind ~= 'userdata' then return v end
  local err = v.err
  if err ~= nil then return nil, err end
  local out = {}
  for i = 0, v.length - 1 do out[i + 1] = (tolua(v[i])) end
  return out
end

local function toarg(v)
  local kind = type(v)
  if kind == 'string' then return v end
  if kind == 'number' then
    if math.type(v) == 'integer' then return string.format('%d', v) end
    for digits = 14, 17 do
      local text = string.format('%.' .. digits .. 'g', v)
      if tonumber(text) == v then return text end
    end
  end
  error({err = 'ERR Lua redis lib command arguments must be strings or integers'}, 0)
end

local function command(raise, ...)
  local args = table.pack(...)
  if args.n == 0 then error({err = 'ERR Please specify at least one argument for this redis lib call'}, 0) end
  for i = 1, args.n do args[i] = toarg(args[i]) end
  local reply, err = tolua(host:call(table.unpack(args, 1, args.n)))
  if err == nil then return reply end
  if raise then error({err = err}, 0) end
  return {err = err}
end

-- Lua to Redis, handed to the host piece by piece (the mock's own return path misreads tables
-- built in order): numbers truncate to integers, true is 1, false is nil, arrays stop at the
-- first nil, {ok=...} is a status reply and {err=...} an error.
local function emit(v)
  local kind = type(v)
  if kind == 'number' then
    local whole = v >= 0 and math.floor(v) or math.ceil(v)
    -- fengari's integers are 32-bit, so a larger whole number (a timestamp in ms) stays a
    -- float here; it is still exact up to 2^53, which is what the host receives.
    if whole ~= whole or whole == math.huge or whole == -math.huge then host:put(0)
    else host:put(math.tointeger(whole) or whole) end
  elseif kind == 'boolean' then host:put(v and 1 or false)
  elseif kind == 'string' then host:put(v)
  elseif kind == 'table' then
    if type(v.err) == 'string' then error(v, 0) end
    if type(v.ok) == 'string' then return host:put(v.ok) end
    local n = 0
    while v[n + 1] ~= nil do n = n + 1 end
    host:open(n)
    for i = 1, n do emit(v[i]) end
  else host:put(false) end
end

redis = {
  call = function(...) return command(true, ...) end,
  pcall = function(...) return command(false, ...) end,
  error_reply = function(message) return {err = message} end,
  status_reply = function(message) return {ok = message} end,
  sha1hex = function(text) return host:sha1hex(text) end,
  log = function() end,
  setresp = function() end,
  set_repl = function() end,
  replicate_commands = function() return true end,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
}

local chunk, problem = load(host.source, '@user_script', 't')
if not chunk then
  host:fail('ERR Error compiling script (new function): ' .. problem)
  return false
end
if host.compileOnly then return false end
local done, problem = pcall(function() emit(chunk()) end)
if not done then
  if type(problem) == 'table' and type(problem.err) == 'string' then host:fail(problem.err)
  else host:fail('ERR ' .. tostring(problem)) end
end
return false
`;

/** A fresh fengari VM with KEYS/ARGV set, from ioredis-mock: (keys..., argv..., host) => void. */
export type LuaVm = (numberOfKeys: number, prelude: string) => (...args: unknown[]) => unknown;

/** JS values the way the prelude's tolua reads them: nil as false, errors as {err}. */
function forLua(outcome: Outcome): unknown {
  if (!outcome.ok) return { err: outcome.error };
  const convert = (reply: Reply): unknown => {
    if (reply === null) return false;
    if (Array.isArray(reply)) return reply.map(convert);
    return Buffer.isBuffer(reply) ? reply.toString('utf8') : reply;
  };
  return convert(outcome.value);
}

/** Rebuilds the script's reply from the prelude's put/open calls (depth first). */
function replyBuilder() {
  const root: Reply[] = [];
  const open: { items: Reply[]; left: number }[] = [{ items: root, left: 1 }];
  const add = (reply: Reply) => {
    const top = open.at(-1)!;
    top.items.push(reply);
    top.left--;
    while (open.length > 1 && open.at(-1)!.left === 0) open.pop();
  };
  return {
    put: (value: unknown) =>
      add(typeof value === 'number' || typeof value === 'string' ? value : null),
    open: (count: unknown) => {
      const items: Reply[] = [];
      add(items);
      if (Number(count) > 0) open.push({ items, left: Number(count) });
    },
    reply: (): Reply => root[0] ?? null,
  };
}

export interface LuaRun {
  vm: LuaVm;
  source: string;
  /** numkeys, keys..., args... exactly as EVAL received them. */
  args: string[];
  call: (command: Command) => Outcome;
  /** SCRIPT LOAD: compile only. */
  compileOnly?: boolean;
}

export function runLua(run: LuaRun): Reply {
  const [numkeys = '', ...rest] = run.args;
  if (!/^-?\d+$/.test(numkeys)) throw new RedisError('ERR value is not an integer or out of range');
  const keys = Number(numkeys);
  if (keys < 0) throw new RedisError("ERR Number of keys can't be negative");
  if (keys > rest.length) {
    throw new RedisError("ERR Number of keys can't be greater than number of args");
  }
  let failure: string | undefined;
  const builder = replyBuilder();
  const host = {
    source: run.source,
    compileOnly: run.compileOnly === true,
    call: (...args: unknown[]) => forLua(run.call(args.map(String))),
    sha1hex: (text: unknown) => sha1hex(String(text)),
    put: builder.put,
    open: builder.open,
    fail: (message: unknown) => void (failure = String(message)),
  };
  run.vm(keys, PRELUDE)(...rest, host);
  if (failure !== undefined) throw new RedisError(failure);
  return builder.reply();
}
