// Service-to-service calls (RFC 6749 §4.4, client credentials): a token from edge-auth, kept
// until shortly before it expires, shared by concurrent callers (one request in flight), and
// fetched again with backoff when edge-auth fails for a moment (network, 5xx, 429).
import { discoveryDocument } from './discovery.ts';
import { VerifyError } from './errors.ts';
import { basicAuthorization } from './introspect.ts';
import type { Fetch } from './remote-document.ts';

export interface ClientCredentialsOptions {
  clientId: string;
  clientSecret: string;
  /** The issuer (its discovery names the token endpoint), or the endpoint itself. */
  issuer?: string;
  tokenEndpoint?: string;
  scope?: string | string[];
  /** Seconds before `expires_in` runs out that a new token is fetched (default 60). */
  refreshBefore?: number;
  /** Retries after a transient failure (default 2), 250 ms then 500 ms apart. */
  retries?: number;
  timeout?: number;
  fetch?: Fetch;
  now?: () => number;
  /** Waits between retries (tests). */
  sleep?: (ms: number) => Promise<void>;
}

export interface ClientCredentialsClient {
  /** A live access token. */
  token(): Promise<string>;
  /** fetch() with the token; a 401 gets one retry with a new token. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Token requests sent so far. */
  readonly requests: number;
}

const TRANSIENT = (status: number) => status === 429 || status >= 500;

export function clientCredentials(options: ClientCredentialsOptions): ClientCredentialsClient {
  if (!options?.clientId || !options.clientSecret) {
    throw new Error('clientCredentials: "clientId" and "clientSecret" are required');
  }
  if (!options.issuer && !options.tokenEndpoint) {
    throw new Error('clientCredentials: "issuer" or "tokenEndpoint" is required');
  }
  const fetchImpl: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeout ?? 5000;
  const retries = options.retries ?? 2;
  const refreshBefore = (options.refreshBefore ?? 60) * 1000;
  const sleep = options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const scope = Array.isArray(options.scope) ? options.scope.join(' ') : options.scope;
  const discovery = options.issuer
    ? discoveryDocument(options.issuer, { fetch: fetchImpl, now, timeoutMs })
    : undefined;

  let held: { token: string; renewAt: number } | undefined;
  let inflight: Promise<string> | undefined;
  let requests = 0;

  async function endpoint(): Promise<string> {
    if (options.tokenEndpoint) return options.tokenEndpoint;
    const metadata = await discovery!.get().catch((error: unknown) => {
      throw new VerifyError('client_credentials_failed', 'Discovery failed.', { cause: error });
    });
    if (!metadata.token_endpoint) {
      throw new VerifyError('client_credentials_failed', 'The issuer names no token endpoint.');
    }
    return metadata.token_endpoint;
  }

  async function request(): Promise<string> {
    const url = await endpoint();
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) body.set('scope', scope);
    let last: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(250 * 2 ** (attempt - 1));
      requests++;
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method: 'POST',
          headers: {
            Authorization: basicAuthorization(options),
            'Content-Type': 'application/x-www-form-urlencoded',
            Accept: 'application/json',
          },
          body: body.toString(),
          redirect: 'manual', // Workers has no 'error'; a 3xx is not ok and fails below
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        last = error;
        continue;
      }
      if (TRANSIENT(response.status)) {
        last = new Error(`token endpoint answered ${response.status}`);
        continue;
      }
      const json = (await response.json().catch(() => ({}))) as {
        access_token?: unknown;
        expires_in?: unknown;
        error?: unknown;
      };
      if (!response.ok || typeof json.access_token !== 'string') {
        // RFC 6749 §5.2: a refusal (invalid_client, invalid_scope...) is not retried.
        throw new VerifyError(
          'client_credentials_failed',
          `The token endpoint refused: ${typeof json.error === 'string' ? json.error : response.status}.`,
        );
      }
      const expiresIn = typeof json.expires_in === 'number' ? json.expires_in * 1000 : 0;
      held = { token: json.access_token, renewAt: now() + Math.max(0, expiresIn - refreshBefore) };
      return json.access_token;
    }
    throw new VerifyError('client_credentials_failed', 'The token endpoint did not answer.', {
      cause: last,
    });
  }

  function token(): Promise<string> {
    if (held && now() < held.renewAt) return Promise.resolve(held.token);
    inflight ??= request().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  return {
    token,
    get requests() {
      return requests;
    },
    async fetch(input, init) {
      const send = async () => {
        const request = new Request(input, init);
        request.headers.set('Authorization', `Bearer ${await token()}`);
        return fetchImpl(request.url, {
          method: request.method,
          headers: request.headers,
          ...(request.body ? { body: await request.clone().arrayBuffer() } : {}),
        });
      };
      const first = await send();
      if (first.status !== 401) return first;
      held = undefined;
      return send();
    },
  };
}
