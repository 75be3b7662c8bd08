// Where the issuer publishes its keys and metadata (RFC 8414 §3, RFC 7517): the paths the
// routes serve, the cron purges from the edge cache and the CLIs print.
export const jwksUrl = (issuer: string) => `${issuer}/.well-known/jwks.json`;
export const discoveryUrl = (issuer: string) => `${issuer}/.well-known/openid-configuration`;
