// The one HTTP exchange both adapters make: POST a JSON body, accept any 2xx, and turn every
// other outcome into an EmailSendError that says which provider, why, and with what status.
import { EmailSendError } from '../email/mailer.ts';

export interface PostJson {
  provider: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  timeoutMs: number;
}

export async function postJson({ provider, url, headers, body, timeoutMs }: PostJson) {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    throw new EmailSendError(provider, timedOut ? 'timeout' : 'unreachable', { cause: error });
  }
  // Read (and so release) the body either way; only an error's machine-readable name is kept.
  const answer = await response.text().catch(() => '');
  if (!response.ok) {
    throw new EmailSendError(provider, 'rejected', {
      status: response.status,
      providerCode: providerCodeOf(answer),
    });
  }
}

/** `{"name": "validation_error", ...}` -> `validation_error`; free text is never kept. */
function providerCodeOf(answer: string): string | null {
  try {
    const name: unknown = (JSON.parse(answer) as { name?: unknown }).name;
    return typeof name === 'string' && /^[\w.-]{1,64}$/.test(name) ? name : null;
  } catch {
    return null;
  }
}
