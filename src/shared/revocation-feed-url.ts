// Where the issuer publishes its revocation feed (src/auth/revocation-feed.ts): the route, the
// discovery document and downstream verifiers (packages/verify) agree on it.
export const revocationFeedUrl = (issuer: string) => `${issuer}/.well-known/revocations`;
