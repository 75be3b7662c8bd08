/// <reference path="../src/types/wrangler-modules.d.ts" />
// The bench's floor: a tiny Worker served by the same `workerd` process as the auth Worker
// (bench/workerd.ts), never deployed. `GET /?op=rs256|argon2id|none&n=N` runs the op N times and
// answers when done; the harness reads the process's CPU from /proc around the request, because
// inside workerd the clock only advances on I/O, so a Worker cannot time its own CPU work.
// `op=none` answers at once: under load, what the runtime spends on any request.
// It gets the auth Worker's bindings and reads the parameters through the same config module:
// one RS256 access-token signature at SIGNING_KEY_BITS, one argon2id at ARGON2_* (the login's
// verification and the register's hash each cost one).
import { generateKeyPair, SignJWT } from 'jose';
import { hashPassword } from '../src/auth/passwords.ts';
import { type Bindings, loadConfig } from '../src/config/index.ts';

type Op = (i: number) => Promise<unknown>;

let signingKey: Promise<CryptoKey> | undefined;

async function rs256(env: Bindings): Promise<Op> {
  const config = loadConfig(env);
  signingKey ??= generateKeyPair('RS256', { modulusLength: config.keys.modulusBits }).then(
    (pair) => pair.privateKey,
  );
  const key = await signingKey;
  // The claims an access token carries (src/auth/access-token.ts), so the payload is as long.
  return (i) => {
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({
      sub: crypto.randomUUID(),
      sid: crypto.randomUUID(),
      scope: 'openid profile email',
      roles: ['user'],
      email: `bench-${i}@example.test`,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'bench', typ: 'at+jwt' })
      .setIssuer(config.issuer)
      .setAudience(config.audiences)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + config.accessTokenTtl)
      .setJti(crypto.randomUUID())
      .sign(key);
  };
}

function argon2id(env: Bindings): Op {
  const params = loadConfig(env).argon2;
  return (i) => hashPassword(`bench passphrase that is long enough ${i}`, params);
}

export default {
  async fetch(request: Request, env: Bindings): Promise<Response> {
    const url = new URL(request.url);
    const name = url.searchParams.get('op');
    if (name === 'none') return new Response('ok');
    const n = Math.min(Math.max(Number(url.searchParams.get('n') ?? 1) || 1, 1), 100_000);
    const op = name === 'rs256' ? await rs256(env) : name === 'argon2id' ? argon2id(env) : null;
    if (!op) return new Response('op must be rs256, argon2id or none\n', { status: 400 });
    for (let i = 0; i < n; i++) await op(i);
    const config = loadConfig(env);
    return Response.json({
      op: name,
      n,
      argon2: config.argon2,
      modulusBits: config.keys.modulusBits,
    });
  },
};
