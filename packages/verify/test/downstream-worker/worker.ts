// A downstream service as a user of @edge-auth/verify writes one: a Hono app on Workers that
// verifies edge-auth's access tokens with the library, its copies in the Cache API. Run by
// test/node/downstream-worker.test.ts (a second `wrangler dev` beside edge-auth's) and by
// bench/verify.ts. /__stats says how many requests the verifier sent to edge-auth.
import { Hono } from 'hono';
import { cacheApiStore, createVerifier, type Verifier } from '../../src/index.ts';
import { requireScope, verifyAuth, type VerifyAuthEnv } from '../../src/hono.ts';

interface Env {
  ISSUER: string;
  AUDIENCE: string;
  UNKNOWN_KID_COOLDOWN?: string;
}

// One verifier per isolate: its caches live as long as the isolate.
let verifier: Verifier | undefined;
const verifierFor = (env: Env) =>
  (verifier ??= createVerifier({
    issuer: env.ISSUER,
    audience: env.AUDIENCE,
    unknownKidCooldown: Number(env.UNKNOWN_KID_COOLDOWN ?? 30),
    persist: cacheApiStore(),
  }));

const app = new Hono<{ Bindings: Env } & VerifyAuthEnv>();

app.use('/api/*', verifyAuth({ verifier: (c) => verifierFor(c.env as Env) }));
app.get('/api/whoami', (c) => {
  const { sub, sid, jti, scope } = c.var.auth;
  return c.json({ sub, sid, jti, scope });
});
app.get('/api/admin', requireScope('admin'), (c) => c.json({ ok: true }));
app.get('/__stats', (c) => c.json(verifierFor(c.env).stats()));

export default app;
