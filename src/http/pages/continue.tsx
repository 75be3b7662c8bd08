// "Continue to the application": the answer to a hosted-page form whose next stop is the OAuth
// client (after a sign-in, to /oauth/authorize; after consent, to the redirect URI). Not a 303:
// a redirect chain that starts with a form submission is held to the submitting page's CSP
// `form-action 'self'`, which (rightly) does not list the client. A refresh is a new navigation.
import { html } from 'hono/html';

export const continuePage = (href: string, message: string) =>
  html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="refresh" content="0;url=${href}" />
        <title>${message}</title>
      </head>
      <body>
        <main>
          <p>${message} <a href="${href}">Continue to the application</a>.</p>
        </main>
      </body>
    </html>`;
