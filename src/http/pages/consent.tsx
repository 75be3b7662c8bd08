// The consent page (OIDC Core 1.0 §3.1.2.4): a third-party application asks for access; the
// page names it (with its registered logo), says in words what each scope lets it do, and
// posts the user's decision, with the CSRF token, back to /oauth/consent with the authorization
// request in the action's query (the endpoint checks all of it again).
import type { FC } from 'hono/jsx';
import { FORM_CSRF_FIELD } from '../browser/form-csrf.ts';
import { Layout } from './layout.tsx';

/** What a scope lets the application do, in the user's words. */
export function scopeInWords(scope: string): string {
  switch (scope) {
    case 'openid':
      return 'Sign you in with your edge-auth account (it learns your account identifier).';
    case 'profile':
      return 'See your profile: your name.';
    case 'email':
      return 'See your email address and whether it is confirmed.';
    default:
      return `Use the services that accept edge-auth on your behalf, with the “${scope}” permission.`;
  }
}

export interface ConsentPageProps {
  csrf: string;
  /** The form's target: /oauth/consent with the authorization request's query. */
  action: string;
  clientName: string;
  logoUri: string | null;
  /** Who is signed in. */
  email: string;
  scopes: string[];
  /** Scopes granted before (only the others are new). */
  remembered: string[] | undefined;
  /** The user the page is shown to: an allow counts only from them. */
  userId: string;
}

export const ConsentPage: FC<ConsentPageProps> = (props) => (
  <Layout title={`Allow ${props.clientName} to access your account?`}>
    {props.logoUri ? (
      <p>
        <img src={props.logoUri} alt={`${props.clientName} logo`} width="64" height="64" />
      </p>
    ) : null}
    <p>
      You are signed in as <strong>{props.email}</strong>. <strong>{props.clientName}</strong> is
      not part of this service; it asks to:
    </p>
    <ul class="scopes">
      {props.scopes.map((scope) => (
        <li data-scope={scope}>
          {scopeInWords(scope)}
          {props.remembered && !props.remembered.includes(scope) ? (
            <span class="tag"> New</span>
          ) : null}
        </li>
      ))}
    </ul>
    <p class="muted">
      You can withdraw this permission at any time on your <a href="/account">account page</a>.
    </p>
    <form method="post" action={props.action}>
      <input type="hidden" name={FORM_CSRF_FIELD} value={props.csrf} />
      <input type="hidden" name="user" value={props.userId} />
      <div class="actions">
        <button type="submit" name="decision" value="allow">
          Allow
        </button>
        <button type="submit" name="decision" value="deny" class="secondary">
          Deny
        </button>
      </div>
    </form>
  </Layout>
);
