// The account page's profile and its forms: the display name, the password, the email address
// and deleting the account. Each is its own POST form (no JavaScript needed) with the CSRF
// token; a refused form comes back with its message beside it (src/http/routes/account-settings.tsx).
// Field names differ between the forms so that every input id on the page is unique.
import type { FC } from 'hono/jsx';
import type { UserProfile } from '../../auth/users.ts';
import { DISPLAY_NAME_MAX } from '../../auth/display-name.ts';
import { Field, PageForm } from './form.tsx';

/** Which form an error or a kept value belongs to. */
export type SettingsForm = 'name' | 'password' | 'email' | 'delete';

export interface SettingsState {
  /** The refused form and why. */
  error?: { form: SettingsForm; message: string } | undefined;
  /** What the user typed into the refused form (never a password). */
  name?: string | undefined;
  newEmail?: string | undefined;
}

/** "2025-06-01 14:03 UTC". */
const when = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const errorOf = (state: SettingsState, form: SettingsForm) =>
  state.error?.form === form ? state.error.message : undefined;

/** Who the account is: email (and whether it is proven), name, roles, since when. */
export const Profile: FC<{ profile: UserProfile }> = ({ profile }) => (
  <dl class="facts">
    <dt>Email</dt>
    <dd>
      {profile.email}{' '}
      {profile.emailVerifiedAt ? (
        <span class="tag">verified</span>
      ) : (
        <span class="tag">not verified</span>
      )}
    </dd>
    <dt>Name</dt>
    <dd>{profile.name ?? <span class="muted">not set</span>}</dd>
    <dt>Roles</dt>
    <dd>{profile.roles.length > 0 ? profile.roles.join(', ') : 'none'}</dd>
    <dt>Created</dt>
    <dd>
      <time datetime={profile.createdAt.toISOString()}>{when(profile.createdAt)}</time>
    </dd>
  </dl>
);

const CurrentPassword: FC<{ name: string; invalid: boolean }> = ({ name, invalid }) => (
  <Field
    name={name}
    label="Current password"
    type="password"
    autocomplete="current-password"
    invalid={invalid}
    maxlength={1024}
  />
);

export const SettingsForms: FC<{ csrf: string; profile: UserProfile; state: SettingsState }> = ({
  csrf,
  profile,
  state,
}) => {
  const nameError = errorOf(state, 'name');
  const passwordError = errorOf(state, 'password');
  const emailError = errorOf(state, 'email');
  const deleteError = errorOf(state, 'delete');
  return (
    <>
      <h2 id="name">Name</h2>
      <PageForm action="/account/name" csrf={csrf} error={nameError} submit="Save name">
        <Field
          name="name"
          label="Display name"
          hint="Shown to you and to applications you allow to see your profile. Leave empty to remove it."
          type="text"
          autocomplete="name"
          value={state.name ?? profile.name ?? ''}
          required={false}
          invalid={Boolean(nameError)}
          maxlength={DISPLAY_NAME_MAX}
        />
      </PageForm>

      <h2 id="password">Password</h2>
      <PageForm
        action="/account/password"
        csrf={csrf}
        error={passwordError}
        submit="Change password"
      >
        <CurrentPassword name="current_password" invalid={Boolean(passwordError)} />
        <Field
          name="new_password"
          label="New password"
          hint="At least 8 characters; a few unrelated words work well."
          type="password"
          autocomplete="new-password"
          invalid={Boolean(passwordError)}
          minlength={8}
          maxlength={1024}
        />
      </PageForm>
      <p class="muted">Changing the password signs out every other session; this one stays.</p>

      <h2 id="email">Email address</h2>
      <PageForm
        action="/account/email"
        csrf={csrf}
        error={emailError}
        submit="Send confirmation link"
      >
        <Field
          name="new_email"
          label="New email address"
          type="email"
          autocomplete="email"
          value={state.newEmail}
          invalid={Boolean(emailError)}
          maxlength={254}
        />
        <CurrentPassword name="email_current_password" invalid={Boolean(emailError)} />
      </PageForm>
      <p class="muted">
        Nothing changes until you follow the link we mail to the new address. Then the account moves
        to it, every session is signed out, and {profile.email} is told of the change.
      </p>

      <h2 id="delete">Delete the account</h2>
      <p>
        Deleting the account signs out every session, withdraws the access of every application, and
        deletes your profile, consents and one-time links. It cannot be undone: the address can
        register again, but as a new, empty account. The security log keeps the account's id with
        its past events.
      </p>
      <PageForm
        action="/account/delete"
        csrf={csrf}
        error={deleteError}
        submit="Delete my account"
        submitClass="danger"
      >
        <CurrentPassword name="delete_password" invalid={Boolean(deleteError)} />
      </PageForm>
    </>
  );
};
