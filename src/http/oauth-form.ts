// Request bodies of the OAuth endpoints: application/x-www-form-urlencoded (RFC 6749 §3.2,
// RFC 7662 §2.1, RFC 7009 §2.1), each parameter at most once (§3.1, §3.2: "Request and
// response parameters MUST NOT be included more than once").
import type { Context } from 'hono';
import { AuthError } from '../errors.ts';
import type { AppEnv } from './context.ts';

const MAX_BODY = 16 * 1024;

export async function oauthForm(c: Context<AppEnv>): Promise<Record<string, string>> {
  const type = c.req.header('Content-Type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new AuthError('invalid_request', 'The body must be application/x-www-form-urlencoded.');
  }
  const text = await c.req.text();
  if (text.length > MAX_BODY) throw new AuthError('payload_too_large');
  return singleValued(new URLSearchParams(text));
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
