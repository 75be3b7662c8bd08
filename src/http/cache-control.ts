// Answers that hold tokens, secrets, personal data or a one-off page must not be kept by any
// cache: RFC 9111 §5.2.2.5, "The no-store response directive indicates that a cache MUST NOT
// store any part of either the immediate request or the response".

/** Response headers that forbid storing the answer. */
export const noStore = { 'Cache-Control': 'no-store' } as const;

/**
 * The OAuth endpoints' answers, RFC 6749 §5.1: "The authorization server MUST include the HTTP
 * "Cache-Control" response header field [RFC2616] with a value of "no-store" in any response
 * containing tokens, credentials, or other sensitive information, as well as the "Pragma"
 * response header field [RFC2616] with a value of "no-cache"."
 */
export const oauthNoStore = { ...noStore, Pragma: 'no-cache' } as const;
