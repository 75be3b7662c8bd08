// Cookie-mode helpers: log in as a browser would, and replay the cookies it was given.
import { freshEmail, PASSWORD, postJson, registerUser } from './auth-fixtures.ts';

export const REFRESH = '__Secure-ea_refresh';
export const CSRF = '__Secure-ea_csrf';

export interface CookieSession {
  access_token: string;
  csrf_token: string;
  expires_in: number;
  refresh_expires_in: number;
  /** name -> value of what the response set. */
  cookies: Map<string, string>;
  /** The raw Set-Cookie lines. */
  setCookies: string[];
}

/** name -> value of each Set-Cookie line (the first attribute). */
export function cookiesSet(response: Response): Map<string, string> {
  return new Map(
    response.headers.getAll('Set-Cookie').map((line) => {
      const pair = line.split(';')[0]!;
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** The attributes of one Set-Cookie line, lower-cased names, for exact comparisons. */
export function cookieAttributes(response: Response, name: string): Record<string, string> {
  const line = response.headers.getAll('Set-Cookie').find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`no Set-Cookie for ${name}`);
  const attributes: Record<string, string> = {};
  for (const part of line.split(';').slice(1)) {
    const [key, ...value] = part.trim().split('=');
    attributes[key!.toLowerCase()] = value.join('=');
  }
  return attributes;
}

export async function cookieLogin(email?: string): Promise<CookieSession & { email: string }> {
  const user = await registerUser(email ?? freshEmail('browser'));
  const { response } = await postJson('/api/v1/auth/login', {
    email: user.email,
    password: PASSWORD,
    use_cookie: true,
  });
  if (response.status !== 200)
    throw new Error(`login: ${response.status} ${await response.text()}`);
  const body = await response.json<Omit<CookieSession, 'cookies' | 'setCookies'>>();
  return {
    ...body,
    email: user.email,
    cookies: cookiesSet(response),
    setCookies: response.headers.getAll('Set-Cookie'),
  };
}

/** The Cookie header a browser would send back. */
export const cookieHeader = (cookies: Map<string, string>) =>
  [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
