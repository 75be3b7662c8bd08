// The operations `npm run bench -- --peer` compares, what each side's request is, and what it
// does for it (from the code here and the peer's README: ../shared/peers/better-auth).
export type Op = 'login' | 'register' | 'refresh' | 'me' | 'logout' | 'jwks';

export interface OpPair {
  op: Op;
  label: string;
  /** The edge-auth scenario's path (bench/scenarios.ts). */
  edgePath: string;
  edge: string;
  peer: string;
}

export const OPS: OpPair[] = [
  {
    op: 'login',
    label: 'login / sign-in',
    edgePath: '/api/v1/auth/login',
    edge:
      'POST /login: user row (SQL) with the limits and backoff (Redis), argon2id verify ' +
      '(WASM, m=19456 t=2 p=1), session script (Redis), RS256 access token; audit INSERT after the response',
    peer:
      'POST /sign-in/email: user and account rows (PG), scrypt verify (N=16384 r=16, node:crypto ' +
      'threadpool), session + active-sessions list in Redis; signs no JWT',
  },
  {
    op: 'register',
    label: 'register / sign-up',
    edgePath: '/api/v1/auth/register',
    edge:
      'POST /register (REQUIRE_EMAIL_VERIFICATION=false: 201): per-address limit (Redis), ' +
      'argon2id hash, INSERT user; no session; audit INSERT after the response',
    peer:
      'POST /sign-up/email: scrypt hash, INSERT user + account (PG), and a session in Redis ' +
      '(autoSignIn, its default): more work than edge-auth',
  },
  {
    op: 'refresh',
    label: 'refresh / JWT issue',
    edgePath: '/api/v1/auth/refresh',
    edge:
      'POST /refresh: rotation script with the per-session limit (Redis), RS256 access token ' +
      '+ new refresh token; no audit row (a routine rotation is not audited)',
    peer:
      'GET /token: session (Redis), every jwks row (PG), decrypt + import the private key, ' +
      'RS256 sign; nothing rotates. Both driven by the same closed loop (one chain per connection)',
  },
  {
    op: 'me',
    label: 'me / get-session',
    edgePath: '/api/v1/auth/me',
    edge: 'GET /me: RS256 verify, blacklist + session check (Redis) beside the profile row (SQL)',
    peer: 'GET /get-session: session and user from Redis',
  },
  {
    op: 'logout',
    label: 'logout / sign-out',
    edgePath: '/api/v1/auth/logout',
    edge:
      'POST /logout: RS256 verify, blacklist the jti and delete the session (one Redis script); ' +
      'audit INSERT after the response',
    peer: "POST /sign-out: session (Redis), delete it, rewrite the user's active-sessions list",
  },
  {
    op: 'jwks',
    label: 'JWKS / JWKS',
    edgePath: '/.well-known/jwks.json',
    edge:
      "GET /.well-known/jwks.json, warm: from the isolate's rendered copy (a cold isolate asks " +
      'the Cache API, served by the bench in Node)',
    peer: 'GET /jwks: reads the jwks table (PG) on every request; no caching headers',
  },
];
