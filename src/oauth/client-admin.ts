// What an administrator does to OAuth clients, from the admin API (src/http/routes/
// admin-clients.ts) or the command line (scripts/client.ts): register, list, read, rotate a
// secret, delete, each with its audit event. A secret is returned by the registration and the
// rotation, and never recorded. Expected refusals (an invalid registration, a taken id, no
// such client) are returned as values: the API and the CLI word them each their own way.
import type { AuditRecorder } from '../audit/events.ts';
import {
  type ClientFieldNames,
  ClientIdTakenError,
  type ClientPolicy,
  type OAuthClient,
  type OAuthClientStore,
  parseNewClient,
} from './clients.ts';

export interface ClientAdminDeps {
  clients: OAuthClientStore;
  audit: AuditRecorder;
  /** The registration rules: clientPolicy(config). */
  policy: ClientPolicy;
  /** Where the change comes from, as the audit events say it. */
  source: 'api' | 'cli' | 'console';
  /** The administrator acting (the API's signed-in user); the CLI has none. */
  actor?: { userId: string; sessionId: string } | undefined;
}

export type CreateClientOutcome =
  | { ok: true; client: OAuthClient; secret: string | null }
  | { ok: false; reason: 'invalid'; problems: string[] }
  | { ok: false; reason: 'id_taken'; message: string };

export type RotateSecretOutcome =
  { ok: true; secret: string } | { ok: false; reason: 'not_found' | 'public_client' };

export interface ClientAdmin {
  /** `input` is a NewClient as the caller spells it; `names` name its fields in problems. */
  create(input: unknown, names: ClientFieldNames): Promise<CreateClientOutcome>;
  list(): Promise<OAuthClient[]>;
  /** The client (never its secret's hash), or undefined. */
  get(clientId: string): Promise<OAuthClient | undefined>;
  rotateSecret(clientId: string): Promise<RotateSecretOutcome>;
  /** False when there is no such client. */
  delete(clientId: string): Promise<boolean>;
}

export function createClientAdmin(deps: ClientAdminDeps): ClientAdmin {
  const { clients, audit, source } = deps;
  const actor = deps.actor ?? {};
  return {
    async create(input, names) {
      const parsed = parseNewClient(input, deps.policy, names);
      if (!parsed.ok) return { ok: false, reason: 'invalid', problems: parsed.problems };
      let created: Awaited<ReturnType<OAuthClientStore['create']>>;
      try {
        created = await clients.create(parsed.client);
      } catch (error) {
        if (!(error instanceof ClientIdTakenError)) throw error;
        return { ok: false, reason: 'id_taken', message: error.message };
      }
      const { client, secret } = created;
      audit.record({
        type: 'admin_client_created',
        ...actor,
        details: {
          target: client.clientId,
          client_type: client.type,
          grant_types: client.grantTypes,
          scopes: client.scopes,
          redirect_uris: client.redirectUris,
          audience: client.audience,
          resource_audiences: client.resourceAudiences,
          source,
        },
      });
      return { ok: true, client, secret };
    },

    async list() {
      const all = await clients.list();
      audit.record({
        type: 'admin_client_listed',
        ...actor,
        details: { returned: all.length, source },
      });
      return all;
    },

    async get(clientId) {
      const found = await clients.find(clientId);
      if (!found) return undefined;
      audit.record({ type: 'admin_client_read', ...actor, details: { target: clientId } });
      const { secretHash: _, ...client } = found;
      return client;
    },

    async rotateSecret(clientId) {
      const secret = await clients.rotateSecret(clientId);
      if (secret === undefined) {
        // Only a confidential client has a secret: tell "none" from "public" for the message.
        const found = await clients.find(clientId);
        return { ok: false, reason: found ? 'public_client' : 'not_found' };
      }
      audit.record({
        type: 'admin_client_secret_rotated',
        ...actor,
        details: { target: clientId, source },
      });
      return { ok: true, secret };
    },

    async delete(clientId) {
      if (!(await clients.delete(clientId))) return false;
      audit.record({
        type: 'admin_client_deleted',
        ...actor,
        details: { target: clientId, source },
      });
      return true;
    },
  };
}
