// Introspection (RFC 7662), for services that want exact revocation at the price of one round
// trip per request: the token is verified offline first (a forged one never reaches the
// issuer), then edge-auth is asked whether it is still active.
import { VerifyError } from './errors.ts';
import type { Fetch } from './remote-document.ts';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** RFC 6749 §2.3.1: client_secret_basic, both parts form-urlencoded first. */
export const basicAuthorization = ({ clientId, clientSecret }: ClientCredentials) =>
  `Basic ${btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`)}`;

export async function introspectActive(
  fetch: Fetch,
  endpoint: string,
  client: ClientCredentials,
  token: string,
  timeoutMs: number,
): Promise<boolean> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        Authorization: basicAuthorization(client),
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      redirect: 'manual', // Workers has no 'error'; a 3xx is not ok and fails below
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new VerifyError('introspection_unavailable', 'The introspection request failed.', {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new VerifyError(
      'introspection_unavailable',
      `The introspection endpoint answered ${response.status}.`,
    );
  }
  const body = (await response.json().catch(() => undefined)) as { active?: unknown } | undefined;
  if (typeof body?.active !== 'boolean') {
    throw new VerifyError('introspection_unavailable', 'The introspection answer has no "active".');
  }
  return body.active;
}
