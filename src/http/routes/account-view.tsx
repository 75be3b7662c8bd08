// Rendering the account page (src/http/pages/account.tsx) for the signed-in browser: after a
// GET, with a finished action's notice, or again with a refused form's message and status.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { formCsrfToken } from '../browser/form-csrf.ts';
import type { AppEnv } from '../context.ts';
import type { SettingsState } from '../pages/account-settings.tsx';
import { AccountPage, type NoticeKey, NOTICES } from '../pages/account.tsx';
import { LOGIN_FOR_ACCOUNT } from './page-kit.tsx';

/**
 * The account page of the signed-in `session`: after a GET, or again with a refused form's
 * message and status (`settings`); the login page when the account is gone.
 */
export async function renderAccount<E extends AppEnv>(
  c: Context<E>,
  session: { uid: string; sid: string },
  options: {
    notice?: string | undefined;
    settings?: SettingsState | undefined;
    status?: ContentfulStatusCode;
    headers?: Record<string, string> | undefined;
  } = {},
): Promise<Response> {
  const [profile, sessions, consents, csrf] = await Promise.all([
    c.var.services.users.profile(session.uid),
    c.var.services.userSessions.list(session.uid),
    c.var.services.consents.consents.list(session.uid),
    formCsrfToken(c),
  ]);
  if (!profile) return c.redirect(LOGIN_FOR_ACCOUNT, 303);
  return c.html(
    <AccountPage
      csrf={csrf}
      profile={profile}
      notice={options.notice}
      settings={options.settings}
      sessions={sessions}
      currentSid={session.sid}
      consents={consents}
    />,
    options.status ?? 200,
    options.headers,
  );
}

/** The notice `/account?done=<key>` shows; unknown keys show none. */
export const noticeOf = (key: string | undefined) =>
  key !== undefined && Object.hasOwn(NOTICES, key) ? NOTICES[key as NoticeKey] : undefined;
