// Request bodies of the OAuth endpoints: application/x-www-form-urlencoded (RFC 6749 §3.2,
// RFC 7662 §2.1, RFC 7009 §2.1), each parameter at most once (§3.1, §3.2: "Request and
// response parameters MUST NOT be included more than once"), and at most 16 KiB: an oversized
// body is refused from its Content-Length, or, when that is absent (chunked), as soon as the
// bytes read pass the limit; it is never buffered whole.
import type { Context } from 'hono';
import { AuthError } from '../shared/errors.ts';
import type { PresentedClientCredentials } from '../oauth/client-auth.ts';
import type { OAuthParams } from '../oauth/params.ts';
import type { AppEnv } from './context.ts';

export const MAX_FORM_BODY = 16 * 1024;

const tooLarge = () =>
  new AuthError('payload_too_large', `The request body exceeds ${MAX_FORM_BODY} bytes.`);

export async function oauthForm<E extends AppEnv>(c: Context<E>): Promise<OAuthParams> {
  const type = c.req.header('Content-Type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new AuthError('invalid_request', 'The body must be application/x-www-form-urlencoded.');
  }
  return singleValued(new URLSearchParams(await readWithin(c.req.raw, MAX_FORM_BODY)));
}

/** The body as text, refusing it (413) once it is known or seen to exceed `max` bytes. */
async function readWithin(request: Request, max: number): Promise<string> {
  const declared = request.headers.get('Content-Length');
  if (declared !== null && Number(declared) > max) throw tooLarge();
  if (!request.body) return '';
  // Counted as it streams: a chunked body declares no length, and the declared one is only
  // trusted as far as the bytes that actually arrive.
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      // Stop reading: the rest of the body is never pulled.
      reader.cancel().catch(() => {});
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

export function singleValued(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of params) {
    if (name in out) throw new AuthError('invalid_request', `"${name}" is given more than once.`);
    // §3.1: "Parameters sent without a value MUST be treated as if they were omitted".
    if (value !== '') out[name] = value;
  }
  return out;
}

/**
 * The client credentials a request presents (RFC 6749 §2.3.1): the Authorization header and
 * the form's client_id and client_secret, for src/oauth/client-auth.ts to check.
 */
export function presentedClientCredentials<E extends AppEnv>(
  c: Context<E>,
  form: OAuthParams,
): PresentedClientCredentials {
  return {
    authorization: c.req.header('Authorization'),
    clientId: form.client_id,
    clientSecret: form.client_secret,
  };
}
