// Sign in and create an account. `returnTo` (already checked by the route) rides along in a
// hidden field and in the links between the two pages, so an OAuth authorize request survives
// a detour through registration.
import type { FC } from 'hono/jsx';
import { EmailField, Field, NewPasswordField, PageForm } from './form.tsx';
import { Layout } from './layout.tsx';

const DEFAULT_RETURN = '/account';

const withReturn = (path: string, returnTo: string) =>
  returnTo === DEFAULT_RETURN ? path : `${path}?return_to=${encodeURIComponent(returnTo)}`;

export interface LoginPageProps {
  csrf: string;
  returnTo: string;
  email?: string | undefined;
  error?: string | undefined;
  /** The application asked for a fresh sign-in though this browser is signed in. */
  reauthenticate?: boolean;
  /** The registered name of the application the sign-in continues to. */
  clientName?: string | undefined;
  /** Its registered logo (the page's CSP admits its origin: src/http/browser/logo-csp.ts). */
  logoUri?: string | null | undefined;
}

export const LoginPage: FC<LoginPageProps> = (props) => {
  const { csrf, returnTo, email, error, reauthenticate, clientName, logoUri } = props;
  const app = clientName ?? 'the application that sent you here';
  return (
    <Layout title="Sign in">
      {logoUri && clientName ? (
        <p>
          <img src={logoUri} alt={`${clientName} logo`} width="64" height="64" />
        </p>
      ) : null}
      {reauthenticate ? (
        <p class="notice">
          {clientName ?? 'The application'} asks you to sign in again to continue.
        </p>
      ) : returnTo.startsWith('/oauth/authorize?') ? (
        <p class="muted">Sign in to continue to {app}.</p>
      ) : null}
      <PageForm
        action="/login"
        csrf={csrf}
        error={error}
        hidden={{ return_to: returnTo }}
        submit="Sign in"
      >
        <EmailField value={email} invalid={Boolean(error)} />
        <Field
          name="password"
          label="Password"
          type="password"
          autocomplete="current-password"
          invalid={Boolean(error)}
          maxlength={1024}
        />
      </PageForm>
      <div class="links">
        <p>
          New here? <a href={withReturn('/register', returnTo)}>Create an account</a>
        </p>
        <p>
          <a href={withReturn('/reset-password', returnTo)}>Forgot your password?</a>
        </p>
      </div>
    </Layout>
  );
};

export interface RegisterPageProps {
  csrf: string;
  returnTo: string;
  email?: string;
  name?: string | undefined;
  error?: string | undefined;
}

export const RegisterPage: FC<RegisterPageProps> = ({ csrf, returnTo, email, name, error }) => (
  <Layout title="Create an account">
    <PageForm
      action="/register"
      csrf={csrf}
      error={error}
      hidden={{ return_to: returnTo }}
      submit="Create account"
    >
      <Field
        name="name"
        label="Name"
        hint="Optional."
        type="text"
        autocomplete="name"
        value={name}
        required={false}
        maxlength={200}
      />
      <EmailField value={email} invalid={Boolean(error)} />
      <NewPasswordField label="Password" invalid={Boolean(error)} />
    </PageForm>
    <div class="links">
      <p>
        Already have an account? <a href={withReturn('/login', returnTo)}>Sign in</a>
      </p>
    </div>
  </Layout>
);

/** After registering with REQUIRE_EMAIL_VERIFICATION: the same page for new and known addresses. */
export const CheckInboxPage: FC = () => (
  <Layout title="Check your inbox">
    <p class="notice">
      Follow the link we sent to your email address to finish signing up. It may take a minute to
      arrive; check your spam folder too.
    </p>
    <div class="links">
      <p>
        Confirmed already? <a href="/login">Sign in</a>
      </p>
    </div>
  </Layout>
);
