// The registration form of an OAuth client: every field of the admin API's NewOAuthClient,
// the OpenID ones included (first party, logo, post-logout URIs, back-channel logout URI).
// Lists are one per line (URIs) or space-separated (scopes, audiences), as people paste them.
import type { FC } from 'hono/jsx';
import { FORM_CSRF_FIELD } from '../../browser/form-csrf.ts';
import { GRANT_TYPES } from '../../../oauth/clients.ts';
import { Alert } from '../layout.tsx';
import { ERROR_ID } from '../form.tsx';
import { AdminFrame } from './frame.tsx';

export interface ClientFormProps {
  csrf: string;
  /** The service's scopes, offered as a hint. */
  scopes: string[];
  /** What was posted, when the form comes back with problems. */
  values?: Record<string, string>;
  problems?: string[];
}

const Text: FC<{
  name: string;
  label: string;
  hint?: string;
  values: Record<string, string>;
  type?: 'text' | 'url' | 'number';
  required?: boolean;
}> = ({ name, label, hint, values, type, required }) => (
  <div class="field">
    <label for={`field-${name}`}>{label}</label>
    {hint ? (
      <span class="hint" id={`field-${name}-hint`}>
        {hint}
      </span>
    ) : null}
    <input
      id={`field-${name}`}
      name={name}
      type={type ?? 'text'}
      value={values[name]}
      required={required ?? false}
      spellcheck={false}
      autocomplete="off"
      aria-describedby={hint ? `field-${name}-hint` : undefined}
    />
  </div>
);

const Lines: FC<{ name: string; label: string; hint: string; values: Record<string, string> }> = ({
  name,
  label,
  hint,
  values,
}) => (
  <div class="field">
    <label for={`field-${name}`}>{label}</label>
    <span class="hint" id={`field-${name}-hint`}>
      {hint}
    </span>
    <textarea
      id={`field-${name}`}
      name={name}
      spellcheck={false}
      aria-describedby={`field-${name}-hint`}
    >
      {values[name] ?? ''}
    </textarea>
  </div>
);

const Check: FC<{ name: string; label: string; checked: boolean }> = ({ name, label, checked }) => (
  <label class="check">
    <input type="checkbox" name={name} value="on" checked={checked} /> {label}
  </label>
);

/** The form's initial values: a confidential web app with the authorization code flow. */
export const NEW_CLIENT_DEFAULTS: Record<string, string> = {
  grant_authorization_code: 'on',
  grant_refresh_token: 'on',
  scopes: 'openid profile email',
};

export const ClientFormPage: FC<ClientFormProps> = ({ csrf, scopes, values, problems }) => {
  const v = values ?? NEW_CLIENT_DEFAULTS;
  return (
    <AdminFrame title="Register an OAuth client" section="clients">
      <form method="post" action="/admin/clients">
        {problems && problems.length > 0 ? (
          <Alert id={ERROR_ID} message={`The client was not registered: ${problems.join('; ')}.`} />
        ) : null}
        <input type="hidden" name={FORM_CSRF_FIELD} value={csrf} />
        <Text
          name="name"
          label="Name"
          hint="Shown to users on the sign-in and consent pages."
          values={v}
          required
        />
        <Text
          name="client_id"
          label="Client id (optional)"
          hint="A slug (a-z, 0-9, . _ -, 3 to 64 characters); generated when left empty."
          values={v}
        />
        <fieldset>
          <legend>Kind</legend>
          <Check
            name="public"
            label="Public client (a browser or mobile app: no secret, PKCE only)"
            checked={v.public === 'on'}
          />
          <Check
            name="first_party"
            label="First party (your own app: its users are not asked for consent)"
            checked={v.first_party === 'on'}
          />
        </fieldset>
        <fieldset>
          <legend>Grant types</legend>
          {GRANT_TYPES.map((grant) => (
            <Check name={`grant_${grant}`} label={grant} checked={v[`grant_${grant}`] === 'on'} />
          ))}
        </fieldset>
        <Text
          name="scopes"
          label="Scopes"
          hint={`Space-separated, among: ${scopes.join(' ')}.`}
          values={v}
          required
        />
        <Lines
          name="redirect_uris"
          label="Redirect URIs"
          hint="One per line: absolute https URLs (http only for localhost), matched exactly."
          values={v}
        />
        <Text
          name="logo_uri"
          label="Logo URI"
          hint="An https image shown on the sign-in and consent pages."
          values={v}
          type="url"
        />
        <Lines
          name="post_logout_redirect_uris"
          label="Post-logout redirect URIs"
          hint="One per line: where /oauth/end-session may send the browser back to."
          values={v}
        />
        <Text
          name="backchannel_logout_uri"
          label="Back-channel logout URI"
          hint="Receives a signed logout token when a user it signed in logs out."
          values={v}
          type="url"
        />
        <Text
          name="audience"
          label="Audience"
          hint="Space-separated; empty: the service AUDIENCES."
          values={v}
        />
        <Text
          name="resource_audiences"
          label="Resource audiences"
          hint="Space-separated audiences this client serves as a resource server (may introspect)."
          values={v}
        />
        <Text
          name="access_token_ttl"
          label="Access token TTL (seconds)"
          hint="Empty: the service default."
          values={v}
          type="number"
        />
        <Text
          name="refresh_token_ttl"
          label="Refresh token TTL (seconds)"
          hint="Empty: the service default."
          values={v}
          type="number"
        />
        <div class="actions">
          <button type="submit">Register</button>
          <a href="/admin/clients">Cancel</a>
        </div>
      </form>
    </AdminFrame>
  );
};
