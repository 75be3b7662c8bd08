// One user in the console: profile, roles (a form), sessions, the applications it consented
// to, and the actions: disable/enable, end every session, delete (through a confirmation).
import type { FC } from 'hono/jsx';
import type { SessionInfo } from '../../../auth/session-store.ts';
import type { UserRecord } from '../../../auth/users.ts';
import type { Consent } from '../../../oauth/consents.ts';
import { FORM_CSRF_FIELD } from '../../browser/form-csrf.ts';
import { describeUserAgent } from '../account.tsx';
import { ButtonForm } from '../form.tsx';
import { AdminFrame, DataTable, Notice, Time } from './frame.tsx';
import { UserState } from './users.tsx';

export interface UserPageProps {
  csrf: string;
  user: UserRecord;
  sessions: SessionInfo[];
  consents: Consent[];
  /** Every configured role (ROLE_SCOPES), with its scopes. */
  roles: [string, readonly string[]][];
  notice?: string | undefined;
  /** The signed-in admin is looking at their own account. */
  self: boolean;
}

/** The roles form's checkboxes are named `role_<name>` (a form posts one value per name). */
export const ROLE_FIELD_PREFIX = 'role_';

export const UserPage: FC<UserPageProps> = ({
  csrf,
  user,
  sessions,
  consents,
  roles,
  notice,
  self,
}) => {
  const base = `/admin/users/${user.id}`;
  return (
    <AdminFrame title={user.email} section="users">
      <Notice message={notice} />
      <dl class="facts">
        <dt>User id</dt>
        <dd class="mono">{user.id}</dd>
        <dt>Name</dt>
        <dd>{user.name ?? <span class="muted">not set</span>}</dd>
        <dt>State</dt>
        <dd>
          <UserState user={user} />{' '}
          {user.disabledAt ? (
            <>
              since <Time at={user.disabledAt} />
            </>
          ) : null}
        </dd>
        <dt>Email verified</dt>
        <dd>
          <Time at={user.emailVerifiedAt} />
        </dd>
        <dt>Created</dt>
        <dd>
          <Time at={user.createdAt} />
        </dd>
        <dt>Roles</dt>
        <dd>{user.roles.join(', ') || 'none'}</dd>
      </dl>
      {self ? (
        <p class="notice">
          This is your own account: disabling it or removing its admin role signs you out of the
          console.
        </p>
      ) : null}

      <div class="actions">
        {user.disabledAt ? (
          <ButtonForm action={`${base}/enable`} csrf={csrf}>
            Enable
          </ButtonForm>
        ) : (
          <ButtonForm action={`${base}/disable`} csrf={csrf} class="danger">
            Disable
          </ButtonForm>
        )}
        <ButtonForm action={`${base}/revoke-sessions`} csrf={csrf} class="secondary">
          End all sessions
        </ButtonForm>
        <a href={`${base}/delete`}>Delete…</a>
        <a href={`/admin/audit?user_id=${user.id}`}>Audit events</a>
      </div>

      <h2>Roles</h2>
      <form method="post" action={`${base}/roles`}>
        <input type="hidden" name={FORM_CSRF_FIELD} value={csrf} />
        <fieldset>
          <legend>Roles of this user</legend>
          {roles.map(([role, scopes]) => (
            <label class="check">
              <input
                type="checkbox"
                name={`${ROLE_FIELD_PREFIX}${role}`}
                value="on"
                checked={user.roles.includes(role)}
              />
              {role} <span class="muted">({scopes.join(' ') || 'no scope'})</span>
            </label>
          ))}
        </fieldset>
        <button type="submit">Save roles</button>
      </form>

      <h2>Sessions</h2>
      {sessions.length === 0 ? (
        <p class="muted">No live session.</p>
      ) : (
        <DataTable
          caption={'Live sessions, most recently used first.'}
          columns={['Device', 'IP address', 'Signed in', 'Last used']}
        >
          {sessions.map((session) => (
            <tr>
              <td>
                {describeUserAgent(session.userAgent)}
                {session.userAgent ? <small>{session.userAgent}</small> : null}
              </td>
              <td>{session.ip || <span class="muted">unknown</span>}</td>
              <td>
                <Time at={session.createdAt} />
              </td>
              <td>
                <Time at={session.lastUsedAt} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}

      <h2>Applications</h2>
      {consents.length === 0 ? (
        <p class="muted">No consent given to a third-party application.</p>
      ) : (
        <DataTable
          caption={'Third-party applications this user allowed.'}
          columns={['Application', 'Scopes', 'Allowed']}
        >
          {consents.map((consent) => (
            <tr>
              <td>
                <a href={`/admin/clients/${encodeURIComponent(consent.clientId)}`}>
                  {consent.clientName}
                </a>
                <small>{consent.clientId}</small>
              </td>
              <td>{consent.scopes.join(' ')}</td>
              <td>
                <Time at={consent.updatedAt} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </AdminFrame>
  );
};
