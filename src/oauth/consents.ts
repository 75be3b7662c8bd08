// Consent for third-party clients (OIDC Core 1.0 §3.1.2.4: "the Authorization Server MUST
// obtain an authorization decision before releasing information to the Relying Party"). A
// first-party client is trusted and never asks; a third-party one asks once per user, and the
// grant is remembered (oauth_consents), so the next authorization with the same or fewer scopes
// goes straight through. A scope beyond the remembered ones asks again (escalation), and
// `prompt=consent` always asks (§3.1.2.1). Revoking a grant ends the client's sessions for the
// user: what it was allowed is withdrawn, not just what it may ask for next.
import type { EndedSession, UserSessionStore } from '../auth/user-session-sweeps.ts';
import type { OAuthClient } from './clients.ts';

/** A remembered grant, with what the account page and the API show of its client. */
export interface Consent {
  clientId: string;
  clientName: string;
  logoUri: string | null;
  scopes: string[];
  grantedAt: Date;
  updatedAt: Date;
}

/** The port over oauth_consents (src/store/oauth-consents.ts). */
export interface ConsentStore {
  /** The scopes the user has granted the client; undefined when none were. */
  scopesOf(userId: string, clientId: string): Promise<string[] | undefined>;
  /** Adds `scopes` to the user's grant to the client (created when there is none). */
  grant(userId: string, clientId: string, scopes: string[]): Promise<string[]>;
  /** The user's grants, most recently changed first. */
  list(userId: string): Promise<Consent[]>;
  /** Deletes the grant; false when there was none. */
  revoke(userId: string, clientId: string): Promise<boolean>;
}

export interface ConsentDeps {
  consents: ConsentStore;
  sessions: Pick<UserSessionStore, 'endClientSessions'>;
}

/** Whether `granted` needs the user's decision first. */
export function consentNeeded(
  client: Pick<OAuthClient, 'firstParty'>,
  granted: readonly string[],
  remembered: readonly string[] | undefined,
  forced: boolean,
): boolean {
  if (client.firstParty) return false;
  if (forced || remembered === undefined) return true;
  return granted.some((scope) => !remembered.includes(scope));
}

/**
 * Withdraws the user's grant to `clientId` and ends every session of the user granted to that
 * client. `revoked` false (and nothing ended) when there was no grant. The ended sessions are
 * returned for back-channel logout.
 */
export async function revokeConsent(
  deps: ConsentDeps,
  userId: string,
  clientId: string,
): Promise<{ revoked: boolean; ended: EndedSession[] }> {
  if (!(await deps.consents.revoke(userId, clientId))) return { revoked: false, ended: [] };
  return { revoked: true, ended: await deps.sessions.endClientSessions(userId, clientId) };
}
