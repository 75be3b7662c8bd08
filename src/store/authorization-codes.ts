// Authorization codes in Redis: `ac:{sha256}` holds the grant (JSON, 60 s); `acu:{sha256}`
// marks a redeemed code and, once the session exists, names it (`<uid> <sid>`).
import type {
  AuthorizationCodeStore,
  CodeGrant,
  CodeSession,
  Redemption,
} from '../oauth/authorization-codes.ts';
import type { Redis } from './index.ts';

// KEYS: ac, acu. ARGV: used-memory ms. {'ok', grant} | {'reused', sid or ''} | {'invalid'}.
const REDEEM = `
local grant = redis.call('GET', KEYS[1])
if grant then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], '', 'PX', ARGV[1])
  return {'ok', grant}
end
local used = redis.call('GET', KEYS[2])
if used then
  if used == '' then
    -- The first use has not recorded its session yet: poison the marker so it revokes it.
    redis.call('SET', KEYS[2], '!', 'KEEPTTL')
    return {'reused', ''}
  end
  redis.call('DEL', KEYS[2])
  return {'reused', used}
end
return {'invalid'}
`;

// KEYS: acu. ARGV: '<uid> <sid>'. 1 when a replay came first and the new session must be revoked.
const RECORD = `
local used = redis.call('GET', KEYS[1])
if used == '!' then
  redis.call('DEL', KEYS[1])
  return 1
end
if used then redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL') end
return 0
`;

export function redisAuthorizationCodeStore(
  redis: Pick<Redis, 'set' | 'createScript'>,
  prefix: string,
): AuthorizationCodeStore {
  const key = (hash: string) => `${prefix}ac:${hash}`;
  const usedKey = (hash: string) => `${prefix}acu:${hash}`;
  const redeemScript = redis.createScript<string[]>(REDEEM);
  const recordScript = redis.createScript<number>(RECORD);
  return {
    async save(codeHash, grant, ttlSeconds) {
      await redis.set(key(codeHash), JSON.stringify(grant), { ex: ttlSeconds });
    },
    async redeem(codeHash, usedMemorySeconds): Promise<Redemption> {
      const [kind, value = ''] = (
        await redeemScript.exec(
          [key(codeHash), usedKey(codeHash)],
          [String(usedMemorySeconds * 1000)],
        )
      ).map((v) => (v === null ? '' : String(v)));
      if (kind === 'ok') return { kind, grant: JSON.parse(value) as CodeGrant, codeHash };
      if (kind === 'reused') return { kind, session: sessionOf(value) };
      return { kind: 'invalid' };
    },
    async recordSession(codeHash, session) {
      const named = `${session.uid} ${session.sid}`;
      return Number(await recordScript.exec([usedKey(codeHash)], [named])) === 1;
    },
  };
}

function sessionOf(value: string): CodeSession | undefined {
  const [uid, sid] = value.split(' ');
  return uid && sid ? { uid, sid } : undefined;
}
