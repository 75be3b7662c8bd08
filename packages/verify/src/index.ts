// @edge-auth/verify: verify edge-auth access tokens in downstream services (Workers, Node 20+,
// Deno, Bun). Hono middleware: '@edge-auth/verify/hono'.
export { createVerifier, ACCESS_TOKEN_TYP } from './verifier.ts';
export type { Verifier, VerifierOptions, VerifyOptions, VerifierStats } from './verifier.ts';
export type { AccessTokenClaims } from './claims.ts';
export { scopesOf, hasScopes, hasAnyRole } from './claims.ts';
export { VerifyError, isVerifyError } from './errors.ts';
export type {
  VerifyErrorCode,
  TokenErrorCode,
  UnavailableErrorCode,
  ForbiddenErrorCode,
} from './errors.ts';
export { authenticate, bearerToken, challenge, errorResponse } from './request.ts';
export { clientCredentials } from './client-credentials.ts';
export type { ClientCredentialsOptions, ClientCredentialsClient } from './client-credentials.ts';
export type { ClientCredentials } from './introspect.ts';
export { cacheApiStore, memoryStore } from './persistence.ts';
export type { DocumentStore, StoredDocument, CacheLike } from './persistence.ts';
export type { FetchEvent, Fetch, WaitUntil } from './remote-document.ts';
export type { RevocationFeed } from './revocations.ts';
