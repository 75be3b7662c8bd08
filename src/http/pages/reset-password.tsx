// Password reset: ask for a link (one answer for every address), then choose a new password
// from the mailed link `${issuer}/reset-password?token=...`.
import type { FC } from 'hono/jsx';
import { EmailField, NewPasswordField, PageForm } from './form.tsx';
import { Layout } from './layout.tsx';

const SignInLink: FC = () => (
  <div class="links">
    <p>
      <a href="/login">Back to sign in</a>
    </p>
  </div>
);

/** `returnTo` (checked by the route) rides in a hidden field, then in the mailed link. */
export const ResetRequestPage: FC<{
  csrf: string;
  email?: string;
  error?: string | undefined;
  returnTo?: string | undefined;
}> = ({ csrf, email, error, returnTo }) => (
  <Layout title="Reset your password">
    <p>Enter the email address of your account and we will send you a link to choose a new one.</p>
    <PageForm
      action="/reset-password"
      csrf={csrf}
      error={error}
      hidden={returnTo ? { return_to: returnTo } : {}}
      submit="Send reset link"
    >
      <EmailField value={email} invalid={Boolean(error)} />
    </PageForm>
    <SignInLink />
  </Layout>
);

/** The one answer to a reset request, whether or not the address has an account. */
export const ResetSentPage: FC = () => (
  <Layout title="Check your inbox">
    <p class="notice">
      If the address has an account, a link to choose a new password is on its way.
    </p>
    <SignInLink />
  </Layout>
);

export const ResetConfirmPage: FC<{
  csrf: string;
  token: string;
  error?: string | undefined;
  returnTo?: string | undefined;
}> = ({ csrf, token, error, returnTo }) => (
  <Layout title="Choose a new password">
    <PageForm
      action="/reset-password"
      csrf={csrf}
      error={error}
      hidden={returnTo ? { token, return_to: returnTo } : { token }}
      submit="Set new password"
    >
      <NewPasswordField label="New password" invalid={Boolean(error)} />
    </PageForm>
    <p class="muted">
      Changing the password signs you out everywhere, then signs in this browser with the new one.
    </p>
  </Layout>
);

/** Only when this browser could not be signed in afresh (the account changed meanwhile). */
export const ResetDonePage: FC = () => (
  <Layout title="Password changed">
    <p class="notice">Your password is changed and every session was signed out.</p>
    <p>
      <a href="/login">Sign in with the new password</a>
    </p>
  </Layout>
);
