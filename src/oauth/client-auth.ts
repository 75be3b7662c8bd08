// Client authentication at the token, introspection and revocation endpoints (RFC 6749
// §2.3.1): client_secret_basic or client_secret_post. §2.3: "The client MUST NOT use more than
// one authentication method in each request." A public client identifies itself with
// client_id alone and is returned as it is: the caller decides what a public client may do.
import { AuthError } from '../shared/errors.ts';
import { type OAuthClient, type OAuthClientStore, secretMatches } from './clients.ts';

/** §5.2: a 401 invalid_client carries a challenge for the scheme the client should use. */
const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="edge-auth"' } as const;

const invalidClient = (description = 'Client authentication failed.') =>
  new AuthError('invalid_client', description, { headers: CHALLENGE });

/** §2.3.1 / Appendix B: each half is application/x-www-form-urlencoded before Basic. */
function formDecode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

/** The id and secret of `Authorization: Basic ...`; throws invalid_client when malformed. */
function basicCredentials(header: string): { id: string; secret: string } {
  // RFC 7617 §2: the scheme is case-insensitive; the credentials are token68 (base64).
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  try {
    const bytes = Uint8Array.from(atob(match?.[1] ?? '!'), (ch) => ch.charCodeAt(0));
    const decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidClient('Malformed Basic credentials.');
    return {
      id: formDecode(decoded.slice(0, colon)),
      secret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    throw invalidClient('Malformed Basic credentials.');
  }
}

/** What a request presents to authenticate its client: both methods, as they arrived. */
export interface PresentedClientCredentials {
  /** The `Authorization` header, when there is one. */
  authorization: string | undefined;
  /** The body's `client_id` and `client_secret` (client_secret_post, or a public client). */
  clientId: string | undefined;
  clientSecret: string | undefined;
}

export async function authenticateClient(
  presented: PresentedClientCredentials,
  store: OAuthClientStore,
): Promise<OAuthClient> {
  const { authorization: header, clientId, clientSecret } = presented;
  let id: string | undefined;
  let secret: string | undefined;
  if (header !== undefined) {
    // §5.2: an unsupported authentication method is invalid_client.
    if (!/^basic /i.test(header)) throw invalidClient('Only Basic client authentication.');
    if (clientSecret !== undefined) {
      throw new AuthError('invalid_request', 'Use one client authentication method, not two.');
    }
    const basic = basicCredentials(header);
    if (clientId !== undefined && clientId !== basic.id) {
      throw new AuthError('invalid_request', 'client_id differs from the Basic credentials.');
    }
    id = basic.id;
    // An empty password is no secret, as an empty client_secret parameter is (§3.1).
    secret = basic.secret === '' ? undefined : basic.secret;
  } else {
    id = clientId;
    secret = clientSecret;
  }
  if (!id) throw invalidClient('Client authentication is required.');

  const client = await store.find(id);
  const authenticated =
    secret === undefined
      ? // §3.2.1: a confidential client MUST authenticate; only a public one may name itself.
        client?.secretHash === null
      : // An unknown client and a wrong secret: the same answer after the same hashing.
        await secretMatches(secret, client?.secretHash);
  if (!client || !authenticated) throw invalidClient();
  const { secretHash: _, ...found } = client;
  return found;
}
