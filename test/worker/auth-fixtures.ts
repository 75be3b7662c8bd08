// Building blocks for auth tests: a fresh user per test, JSON requests, token pairs.
import { send } from './helpers.ts';

export const PASSWORD = 'a long and unusual passphrase 42';

export const freshEmail = (label = 'user') =>
  `${label}-${crypto.randomUUID().slice(0, 12)}@example.test`;

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return send(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export interface TokenPair {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

export async function registerUser(email = freshEmail(), password = PASSWORD) {
  const { response } = await postJson('/api/v1/auth/register', { email, password });
  if (response.status !== 201)
    throw new Error(`register: ${response.status} ${await response.text()}`);
  return { email, password, ...(await response.json<{ user_id: string }>()) };
}

export async function login(email: string, password = PASSWORD): Promise<TokenPair> {
  const { response } = await postJson('/api/v1/auth/login', { email, password });
  if (response.status !== 200)
    throw new Error(`login: ${response.status} ${await response.text()}`);
  return response.json<TokenPair>();
}

export async function newSession() {
  const user = await registerUser();
  return { user, tokens: await login(user.email) };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
