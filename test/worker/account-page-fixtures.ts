// The account page as a browser without JavaScript uses it: the shared cookie jar
// (test/worker/page-browser.ts) with env overrides (REQUIRE_EMAIL_VERIFICATION for the
// register -> link flow), and a user signed in on the hosted pages.
import { expect } from 'vitest';
import type { Overrides } from './abuse-fixtures.ts';
import { PASSWORD, registerUser } from './auth-fixtures.ts';
import { PageBrowser as Browser } from './page-browser.ts';

export { PageBrowser as Browser, csrfOf, hiddenOf } from './page-browser.ts';

export const NEW_PASSWORD = 'an entirely different passphrase 77';

/** A new user (registered through the API), and a browser signed in as them. */
export async function signedInUser(env: Overrides = {}) {
  const user = await registerUser();
  const browser = new Browser(env);
  const { response } = await browser.submit('/login', '/login', {
    email: user.email,
    password: PASSWORD,
  });
  expect(response.status).toBe(303);
  return { user, browser };
}
