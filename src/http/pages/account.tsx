// The account page: who is signed in, and every live session of the account with a button to
// end it. Each button is its own small POST form, so it works without JavaScript.
import type { FC } from 'hono/jsx';
import type { SessionInfo } from '../../auth/session-store.ts';
import type { Consent } from '../../oauth/consents.ts';
import type { UserProfile } from '../../auth/users.ts';
import { Profile, SettingsForms, type SettingsState } from './account-settings.tsx';
import { ButtonForm } from './form.tsx';
import { Layout } from './layout.tsx';

/** "2025-06-01 14:03 UTC": unambiguous for every reader, and the same on every server. */
const when = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chrom(e|ium)\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/** A short name for a user agent ("Chrome on Linux"); the raw string is shown beneath it. */
export function describeUserAgent(userAgent: string): string {
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? (userAgent ? 'Other client' : 'Unknown client');
}

/** What a finished action says on the page it returns to (`/account?done=<key>`). */
export const NOTICES = {
  verified: 'Your email address is confirmed and you are signed in.',
  reset: 'Your password is changed; every other session was signed out.',
  name: 'Your name is saved.',
  password: 'Your password is changed; every other session was signed out.',
  email_sent:
    'Check the inbox of the new address: follow the link we sent there to finish the change.',
  email_changed:
    'Your email address is changed; every other session was signed out and the old address was told.',
} as const;
export type NoticeKey = keyof typeof NOTICES;

export interface AccountPageProps {
  csrf: string;
  profile: UserProfile;
  /** A finished action's message. */
  notice?: string | undefined;
  /** A refused form (its message and kept values). */
  settings?: SettingsState | undefined;
  /** Most recently used first. */
  sessions: SessionInfo[];
  /** The session of this browser. */
  currentSid: string;
  /** Third-party applications the user has granted access, most recently changed first. */
  consents: Consent[];
}

const ConsentRow: FC<{ consent: Consent; csrf: string }> = ({ consent, csrf }) => (
  <tr>
    <td>
      {consent.clientName}
      <small>{consent.clientId}</small>
    </td>
    <td>{consent.scopes.join(' ')}</td>
    <td>
      <time datetime={consent.updatedAt.toISOString()}>{when(consent.updatedAt)}</time>
    </td>
    <td>
      <ButtonForm
        action={`/account/consents/${encodeURIComponent(consent.clientId)}/revoke`}
        csrf={csrf}
        class="danger"
      >
        Revoke
        <span class="visually-hidden">{` access of ${consent.clientName}`}</span>
      </ButtonForm>
    </td>
  </tr>
);

/** The applications section: what each may do, and the button that withdraws it. */
const Applications: FC<{ consents: Consent[]; csrf: string }> = ({ consents, csrf }) => (
  <>
    <h2>Applications</h2>
    {consents.length === 0 ? (
      <p class="muted">You have not given any other application access to your account.</p>
    ) : (
      <div class="table-wrap">
        <table>
          <caption>
            Applications you allowed to access your account. Revoking one signs it out and asks you
            again next time.
          </caption>
          <thead>
            <tr>
              <th scope="col">Application</th>
              <th scope="col">Permissions</th>
              <th scope="col">Allowed</th>
              <th scope="col">
                <span class="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {consents.map((consent) => (
              <ConsentRow consent={consent} csrf={csrf} />
            ))}
          </tbody>
        </table>
      </div>
    )}
  </>
);

const SessionRow: FC<{ session: SessionInfo; current: boolean; csrf: string; n: number }> = ({
  session,
  current,
  csrf,
  n,
}) => {
  const client = describeUserAgent(session.userAgent);
  return (
    <tr>
      <td>
        {client} {current ? <span class="tag">This browser</span> : null}
        {session.userAgent ? <small>{session.userAgent}</small> : null}
      </td>
      <td>{session.ip || <span class="muted">unknown</span>}</td>
      <td>
        <time datetime={session.createdAt.toISOString()}>{when(session.createdAt)}</time>
      </td>
      <td>
        <time datetime={session.lastUsedAt.toISOString()}>{when(session.lastUsedAt)}</time>
      </td>
      <td>
        <ButtonForm
          action={`/account/sessions/${encodeURIComponent(session.sid)}/revoke`}
          csrf={csrf}
          class="danger"
        >
          Revoke
          <span class="visually-hidden">
            {` session ${n} (${client}${current ? ', this browser' : ''})`}
          </span>
        </ButtonForm>
      </td>
    </tr>
  );
};

export const AccountPage: FC<AccountPageProps> = (props) => (
  <Layout title="Your account" wide>
    {props.notice ? (
      <p class="notice" role="status">
        {props.notice}
      </p>
    ) : null}
    <Profile profile={props.profile} />

    <h2>Sessions</h2>
    <div class="table-wrap">
      <table>
        <caption>
          Every device signed in to your account, most recently used first. Revoking a session signs
          that device out.
        </caption>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">IP address</th>
            <th scope="col">Signed in</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span class="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.sessions.map((session, i) => (
            <SessionRow
              session={session}
              current={session.sid === props.currentSid}
              csrf={props.csrf}
              n={i + 1}
            />
          ))}
        </tbody>
      </table>
    </div>

    <Applications consents={props.consents} csrf={props.csrf} />

    <div class="actions">
      <ButtonForm action="/logout" csrf={props.csrf}>
        Sign out
      </ButtonForm>
      <ButtonForm action="/logout-all" csrf={props.csrf} class="secondary">
        Sign out everywhere
      </ButtonForm>
    </div>

    <SettingsForms csrf={props.csrf} profile={props.profile} state={props.settings ?? {}} />
  </Layout>
);
