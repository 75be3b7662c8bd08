// Authorization codes (RFC 6749 §4.1.2): 256 random bits, single use, 60 s, bound to the client,
// the redirect URI and the PKCE challenge. Redis keeps only the code's SHA-256. Redeeming is
// one atomic script: the first use takes the code and leaves a "used" marker; a second use
// finds the marker and learns which session the first one started, so that session can be
// revoked (§4.1.2: "If an authorization code is used more than once, the authorization server
// MUST deny the request and SHOULD revoke (when possible) all tokens previously issued based
// on that authorization code").
import type { Authentication } from '../auth/session-store.ts';
import { sha256Base64Url, toBase64Url } from '../shared/base64url.ts';

export const CODE_TTL_SECONDS = 60;
/** How long a used code is remembered, so a late replay still revokes what it produced. */
export const USED_CODE_MEMORY_SECONDS = 600;

export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  userId: string;
  scope: string;
  /** The user's security epoch when the code was issued (src/auth/session-store.ts NewSession). */
  epoch: number;
  /** The browser session's authentication: auth_time, amr and sid of the ID token. */
  authentication: Authentication;
  /** OIDC Core §3.1.2.1: echoed in the ID token the code brings. */
  nonce?: string | undefined;
}

/** The session a redeemed code started. */
export interface CodeSession {
  uid: string;
  sid: string;
}

export type Redemption =
  | { kind: 'ok'; grant: CodeGrant; codeHash: string }
  | { kind: 'reused'; session: CodeSession | undefined }
  | { kind: 'invalid' };

export interface AuthorizationCodeStore {
  save(codeHash: string, grant: CodeGrant, ttlSeconds: number): Promise<void>;
  /** Takes the code (once); a second taker learns the session the first recorded. */
  redeem(codeHash: string, usedMemorySeconds: number): Promise<Redemption>;
  /**
   * Records which session the code started (for revocation on replay); true when a replay
   * already arrived, in which case the caller revokes that session at once.
   */
  recordSession(codeHash: string, session: CodeSession): Promise<boolean>;
}

const CODE_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export async function issueCode(store: AuthorizationCodeStore, grant: CodeGrant): Promise<string> {
  const code = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  await store.save(await sha256Base64Url(code), grant, CODE_TTL_SECONDS);
  return code;
}

export async function redeemCode(store: AuthorizationCodeStore, code: string): Promise<Redemption> {
  if (!CODE_SHAPE.test(code)) return { kind: 'invalid' };
  return store.redeem(await sha256Base64Url(code), USED_CODE_MEMORY_SECONDS);
}
