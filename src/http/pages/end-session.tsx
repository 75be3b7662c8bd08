// The pages of OIDC RP-initiated logout (src/http/routes/end-session.tsx): the question asked
// when the request does not prove which user it is about (RP-Initiated Logout 1.0 §6: an
// unauthenticated logout request must not sign the user out unasked), and the page shown after
// signing out when the application gave no address to return to.
import type { FC } from 'hono/jsx';
import { PageForm } from './form.tsx';
import { Layout } from './layout.tsx';

export interface ConfirmSignOutProps {
  csrf: string;
  action: string;
  /** The application that asked, when it is known. */
  appName: string | undefined;
  email: string;
  hidden: Record<string, string>;
}

export const ConfirmSignOutPage: FC<ConfirmSignOutProps> = ({
  csrf,
  action,
  appName,
  email,
  hidden,
}) => (
  <Layout title="Sign out?">
    <p>
      {appName ? `${appName} asks to sign you out.` : 'An application asks to sign you out.'} You
      are signed in as <strong>{email}</strong>. Signing out also signs you out of every application
      you signed in to from this browser.
    </p>
    <PageForm action={action} csrf={csrf} hidden={hidden} submit="Sign out" />
    <p class="links">
      <a href="/account">Stay signed in</a>
    </p>
  </Layout>
);

export const SignedOutPage: FC<{ appName: string | undefined }> = ({ appName }) => (
  <Layout title="You are signed out">
    <p class="notice" role="status">
      {appName
        ? `You are signed out of edge-auth and of ${appName}.`
        : 'You are signed out of edge-auth.'}
    </p>
    <p>
      <a href="/login">Sign in again</a>
    </p>
  </Layout>
);
